# Pakaura frontend image (Next.js standalone). Build context: frontend/
#
#   docker build -f infra/docker/frontend.Dockerfile --build-arg VERSION="$(cat VERSION)" \
#     -t pakaura-frontend:"$(cat VERSION)" frontend/
#
# Behind a TLS-intercepting proxy add `--build-arg EXTRA_CA_CERTS="$(cat extra-ca.pem)"`: npm
# trusts those PEM certificates (public, not secret) in the deps stage only.
# Nothing here is baked per environment: the browser calls same-origin /api/..., and the server
# side proxies to API_INTERNAL_URL read at request time, so one image serves every deployment.
#
# Builds with BuildKit and with the legacy builder alike, stays within Docker 20.10's built-in
# Dockerfile syntax (no `# syntax=` line, no heredocs, no COPY --link, no RUN --mount) and needs
# no `apk add`, so CI can build it with no registry access at all.

# --- deps: exactly the lock (dev dependencies too: the build needs TypeScript) ------------------
FROM node:20-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
        printf '%s\n' "$EXTRA_CA_CERTS" > /tmp/extra-ca.pem; \
        export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; \
    fi \
    && npm ci --no-audit --no-fund \
    && rm -f /tmp/extra-ca.pem

# --- builder: `next build` with output: "standalone" --------------------------------------------
FROM node:20-alpine AS builder
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 \
    NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# Pakaura uses no next/image: sharp (with ~19 MB of libvips) is only ever loaded lazily by Next's
# image optimizer, so it is dropped from the standalone output that the runner copies.
RUN npm run build \
    && rm -rf .next/standalone/node_modules/sharp .next/standalone/node_modules/@img

# --- runtime-base: node:20-alpine without its package managers ----------------------------------
# npm, npx, corepack and yarn (~25 MB) serve builds, not `node server.js`. Deleting them in a layer
# on top would not shrink anything, so the trimmed filesystem is copied whole into `scratch`.
FROM node:20-alpine AS runtime-base
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
        /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
    && addgroup --system --gid 1001 nodejs \
    && adduser --system --uid 1001 --ingroup nodejs nextjs \
    && mkdir -p /app/.next/cache \
    && chown 1001:1001 /app/.next/cache

# --- runner: the standalone server only, as nextjs:nodejs (1001) --------------------------------
FROM scratch AS runner
# Copying the whole (trimmed) base filesystem is the point of this stage: see runtime-base.
# hadolint ignore=DL3067
COPY --from=runtime-base / /
ARG VERSION=unknown
LABEL org.opencontainers.image.title="pakaura-frontend" \
      org.opencontainers.image.description="Pakaura web frontend (Next.js standalone)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0

# The application files stay owned by root (the server cannot rewrite its own code); only the
# Next.js cache is the user's. With a read-only root, /tmp and /app/.next/cache are mounted
# writable (tmpfs in Compose, emptyDir in Kubernetes).
COPY --from=builder /app/public ./public
COPY --from=builder /app/.next/standalone ./
COPY --from=builder /app/.next/static ./.next/static

USER 1001:1001
EXPOSE 3000

# Liveness: `/` renders without calling the API. fetch is built into Node 20 (no curl/wget).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:3000/').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "server.js"]
