#!/usr/bin/env bash
# Import benchmark: a 20 MB CSV (12 columns, an encrypted index and five
# encrypted fields) and the same rows as an XLSX, imported through the real
# job path (`screenpop import`), next to the floor of our own storage
# (PostgreSQL inserting the already-encoded rows) and psql's \copy of the
# CSV. Prints wall time, rows/s, CPU and each import's peak RSS.
#
#   bench/import.sh            # a throwaway PostgreSQL, or $DATABASE_URL's server
#
# Targets: CSV toward 1.3x the floor; XLSX within 2x of the CSV and under
# 10 s; peak RSS under 200 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
PSQL=${PSQL:-$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)}
mkdir -p bin
$GO build -o bin/screenpop ./cmd/screenpop
$GO build -o bin/importbench ./bench/importbench
if [ -z "${DATABASE_URL:-}" ]; then
	exec $GO run ./testkit/testpg --data-dir var/bench-postgres -- bin/importbench -binary bin/screenpop -psql "$PSQL" "$@"
fi
exec bin/importbench -binary bin/screenpop -psql "$PSQL" "$@"
