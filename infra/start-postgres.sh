#!/usr/bin/env bash
# Starts the local PostgreSQL cluster the tests use (127.0.0.1:5432, trust auth, database `test`) and waits until it
# accepts connections. Where PostgreSQL is missing it is installed with apt (as root); an existing cluster keeps its
# settings except for the one trust line for 127.0.0.1 and the `test` database, added when absent.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "start-postgres: installing PostgreSQL (apt-get install -y postgresql)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  else
    echo "start-postgres: PostgreSQL is not installed (as root: apt-get install -y postgresql)" >&2
    exit 1
  fi
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
[ -n "$version" ] || { echo "start-postgres: no cluster under /etc/postgresql (pg_createcluster)" >&2; exit 1; }
hba="/etc/postgresql/$version/main/pg_hba.conf"
if [ -w "$hba" ] && ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
  # first matching line wins: put the trust line for the tests' loopback address first
  { echo 'host all all 127.0.0.1/32 trust # the tests (infra/start-postgres.sh)'; cat "$hba"; } >"$hba.new" && mv "$hba.new" "$hba"
  chown postgres:postgres "$hba" 2>/dev/null || true
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  if pg_isready -q -h 127.0.0.1 -p 5432; then
    if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
      psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test'
    fi
    exit 0
  fi
  sleep 1
done
echo "start-postgres: PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
