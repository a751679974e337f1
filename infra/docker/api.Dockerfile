# Pakaura API image. Build context: api/
#
#   docker build -f infra/docker/api.Dockerfile --build-arg VERSION="$(cat VERSION)" \
#     -t pakaura-api:"$(cat VERSION)" api/
#
# Behind a TLS-intercepting proxy add `--build-arg EXTRA_CA_CERTS="$(cat extra-ca.pem)"`: pip
# trusts those PEM certificates (public, not secret) in the builder stage only; the runtime
# image never sees them.
#
# Builds with BuildKit and with the legacy builder alike, and stays within Docker 20.10's
# built-in Dockerfile syntax (no `# syntax=` line, no heredocs, no COPY --link, no RUN --mount),
# so CI can build it with no registry access at all.

# --- builder: the locked dependencies and the API wheel in a venv ------------------------------
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
# Build-only tool for our own wheel (never copied into the runtime image).
ARG HATCHLING_VERSION=1.33.0
WORKDIR /build

# binutils for `strip` only: the wheels' native libraries ship with symbols the image does not
# need (~25 MB). Build stage only; its version follows the base image's Debian release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends binutils \
    && rm -rf /var/lib/apt/lists/*

# The venv gets no pip of its own: the builder's pip installs into it (--python), so the runtime
# image carries no installer.
RUN python -m venv --without-pip /opt/venv

COPY requirements.lock ./
# Hash-checked, no resolution: exactly the lock, the same set the API's tests run against.
# --no-compile: no bytecode shipped (~25 MB less; the root filesystem is read-only, so Python
# compiles in memory at start-up, under a second of CPU). Then strip symbols and test folders.
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
        { cat /etc/ssl/certs/ca-certificates.crt; printf '%s\n' "$EXTRA_CA_CERTS"; } > /tmp/ca.pem; \
        export PIP_CERT=/tmp/ca.pem; \
    fi \
    && pip --python /opt/venv/bin/python install --no-cache-dir --no-compile --require-hashes \
        --no-deps -r requirements.lock \
    && pip install --no-cache-dir "hatchling==${HATCHLING_VERSION}" \
    && rm -f /tmp/ca.pem \
    && find /opt/venv -type f -name '*.so*' -exec strip --strip-unneeded {} + \
    && find /opt/venv/lib/python3.11/site-packages -mindepth 2 -maxdepth 2 -type d \
        -name tests -exec rm -rf {} +

COPY pyproject.toml ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-build-isolation --no-deps --wheel-dir /build/dist . \
    && pip --python /opt/venv/bin/python install --no-cache-dir --no-compile --no-deps \
        --no-index /build/dist/*.whl

# --- runtime: the venv on a clean slim base, no compilers, no pip in the venv ---------------------
FROM python:3.11-slim AS runtime
ARG VERSION=unknown
LABEL org.opencontainers.image.title="pakaura-api" \
      org.opencontainers.image.description="Pakaura API: tasks, auth and an AI chat assistant" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"

# PAKAURA_DATA_DIR: the SQLite fallback (no DATABASE_URL/DB_HOST) must live on the writable /tmp
# because the root filesystem is read-only in Compose and Kubernetes.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PAKAURA_DATA_DIR=/tmp/pakaura

# A fixed numeric uid/gid so Kubernetes' runAsNonRoot can verify it and volumes match.
RUN groupadd --system --gid 10001 pakaura \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin pakaura

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
EXPOSE 8000

# Liveness only (never touches the database); python's urllib because the slim base has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"]

# `serve` binds loopback unless told otherwise: a container must listen on all addresses. Worker
# processes: API_WORKERS, else the container's CPU limit (cgroup). SIGTERM stops every worker
# gracefully within 15 s (pakaura_api.cli.SHUTDOWN_BUDGET_SECONDS).
ENTRYPOINT ["pakaura-api"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
