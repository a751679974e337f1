# Pakaura frontend image (Next.js standalone). Build context: frontend/
#
#   docker build -f infra/docker/frontend.Dockerfile --build-arg VERSION="$(cat VERSION)" \
#     -t pakaura-frontend:"$(cat VERSION)" frontend/
#
# Needs BuildKit (Docker >= 20.10). Behind a TLS-intercepting proxy add
# `--secret id=extra_ca_certs,src=/path/to/extra-ca.pem`: npm trusts it during the build only.
# Nothing here is baked per environment: the browser calls same-origin /api/..., and the server
# side proxies to API_INTERNAL_URL read at request time, so one image serves every deployment.
#
# Stays within Docker 20.10's built-in Dockerfile syntax (no `# syntax=` line, no heredocs, no
# COPY --link) and needs no `apk add`, so CI can build it with no registry access at all.

# --- deps: exactly the lock (dev dependencies too: the build needs TypeScript) ------------------
FROM node:20-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=extra_ca_certs \
    if [ -s /run/secrets/extra_ca_certs ]; then \
        export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca_certs; \
    fi \
    && npm ci --no-audit --no-fund

# --- builder: `next build` with output: "standalone" --------------------------------------------
FROM node:20-alpine AS builder
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 \
    NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

# --- runner: the standalone server only, as nextjs:nodejs (1001) --------------------------------
FROM node:20-alpine AS runner
ARG VERSION=unknown
LABEL org.opencontainers.image.title="pakaura-frontend" \
      org.opencontainers.image.description="Pakaura web frontend (Next.js standalone)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0

RUN addgroup --system --gid 1001 nodejs \
    && adduser --system --uid 1001 --ingroup nodejs nextjs

# The application files stay owned by root (the server cannot rewrite its own code); only the
# Next.js cache is the user's. With a read-only root, /tmp and /app/.next/cache are mounted
# writable (tmpfs in Compose, emptyDir in Kubernetes).
COPY --from=builder /app/public ./public
COPY --from=builder /app/.next/standalone ./
COPY --from=builder /app/.next/static ./.next/static
RUN mkdir -p .next/cache && chown 1001:1001 .next/cache

USER 1001:1001
EXPOSE 3000

# Liveness: `/` renders without calling the API. fetch is built into Node 20 (no curl/wget).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:3000/').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "server.js"]
