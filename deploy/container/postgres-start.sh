#!/bin/sh
# The PostgreSQL container's command: create the cluster on the first start, then run the server.
set -eu
user=${POSTGRES_USER:-faqbot}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "postgres-start: set POSTGRES_PASSWORD for the first start" >&2
        exit 1
    fi
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "CREATE DATABASE $user;" | postgres --single -D "$PGDATA" -j postgres >/dev/null
fi
exec postgres -c listen_addresses='*'
