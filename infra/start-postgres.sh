#!/usr/bin/env bash
# Starts the local PostgreSQL cluster if it is not running, and waits until it accepts connections.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "start-postgres: PostgreSQL is not installed (apt-get install -y postgresql)" >&2
  exit 1
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
  sleep 1
done
echo "start-postgres: PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
