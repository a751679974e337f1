# CI stand-in for the official postgres:16-alpine, built without a container registry.
# NOT PostgreSQL 16: bookworm ships PostgreSQL 15, which is what CI's compose stack runs.
# It honours the official image's contract that Pakaura relies on: POSTGRES_USER/PASSWORD/DB
# (and *_FILE), PGDATA, initialisation on first start only, /docker-entrypoint-initdb.d,
# pg_isready on PATH, listening on all addresses with password (scram-sha-256) auth, and the
# server running as uid/gid 70 (`postgres`) like the Alpine image.
ARG BASE
FROM ${BASE}
ENV LANG=C.UTF-8 \
    PG_MAJOR=15 \
    PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
# uid/gid 70 before the packages: postgresql-common then keeps this account.
RUN groupadd --system --gid 70 postgres \
    && useradd --system --uid 70 --gid postgres --home-dir /var/lib/postgresql \
        --shell /bin/sh postgres \
    && mkdir -p /etc/postgresql-common \
    && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && mkdir -p /docker-entrypoint-initdb.d /var/run/postgresql "$PGDATA" \
    && chown postgres:postgres /var/lib/postgresql /var/run/postgresql \
    && chmod 3777 /var/run/postgresql \
    && chown postgres:postgres "$PGDATA" && chmod 1777 "$PGDATA"
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
