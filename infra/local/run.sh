#!/usr/bin/env bash
# The compose topology without Docker (infra/local/topology.py): PostgreSQL, PgBouncer (transaction
# pooling) and Redis from Debian's packages, N API processes and M workers.
#   infra/local/run.sh start --apis 2 --workers 2 --dir /tmp/vg-topology   # Ctrl-C stops everything
#   infra/local/run.sh stop --dir /tmp/vg-topology
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
exec "$python" "$root/infra/local/topology.py" "$@"
