# CI stand-in for the official node:20-alpine, built without a container registry.
# NOT Alpine: a Debian bookworm base carrying the host's Node.js 20 and npm (copied into the
# build context by ensure-stand-ins.sh) at the official image's paths. `apk` does not exist here;
# `addgroup`/`adduser --system --gid/--uid` (Debian's adduser) accept the options Pakaura uses.
ARG BASE
FROM ${BASE}
ARG NODE_VERSION
ENV NODE_VERSION=${NODE_VERSION} \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY node/bin/node /usr/local/bin/node
COPY node/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
    && groupadd --gid 1000 node \
    && useradd --uid 1000 --gid node --shell /bin/sh --create-home node \
    && node --version && npm --version
CMD ["node"]
