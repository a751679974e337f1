# CI stand-in for the official python:3.11-slim, built without a container registry.
# Bookworm's python3 is 3.11.2 (the official image carries the newest 3.11.x). Laid out like the
# official image where Pakaura's Dockerfiles rely on it: `python`/`python3`/`pip` on PATH under
# /usr/local/bin, `python -m venv` with ensurepip, pip allowed to install system-wide.
ARG BASE
FROM ${BASE}
ENV LANG=C.UTF-8 \
    PYTHON_VERSION=3.11.2
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 python3-venv python3-pip netbase tzdata \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && ln -s /usr/bin/python3 /usr/local/bin/python \
    && ln -s /usr/bin/python3 /usr/local/bin/python3 \
    && ln -s /usr/bin/pip3 /usr/local/bin/pip \
    && rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED \
    && find /usr/lib/python3* -name __pycache__ -prune -exec rm -rf {} +
CMD ["python3"]
