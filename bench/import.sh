#!/usr/bin/env bash
# Import benchmark: a 20 MB CSV (12 columns, an encrypted index and five
# encrypted fields), the same rows as an XLSX and a 20 MB XLSX of varied
# customer rows, imported through the real job path (`screenpop import`),
# next to the floor of our own storage: the CSV's rows as the import stored
# them, copied into a second table of the same fields by one INSERT …
# SELECT (same indexes, foreign key and trigger; no Go, no network). psql's
# \copy of the CSV is printed for reference. Prints wall time, rows/s, the
# importing process's CPU and peak RSS, the server's CPU, and the ratios to
# the floor.
#
#   bench/import.sh            # a throwaway PostgreSQL, or $DATABASE_URL's server
#
# Targets: CSV within 1.3x the floor (median of -runs pairs, default 5); XLSX within 2x of the CSV; the 20 MB
# XLSX under 10 s; peak RSS under 200 MB.
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
