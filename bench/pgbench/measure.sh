#!/usr/bin/env bash
# One pgbench run of SCRIPT with CLIENTS for SECONDS (further arguments go to pgbench, e.g. -r) against a PostgreSQL
# on 127.0.0.1:$PGPORT whose postmaster is $POSTMASTER_PID, with pg_walinspect installed (decision 145). Prints one
# line: transactions/s, transactions, failures, and per transaction PostgreSQL's CPU (the postmaster with its ended
# children and its live ones, as PgbenchCheckout counts it), WAL bytes, commits, WAL records, their bytes without and
# with full-page images, pgbench's own CPU, the 1-minute load average at the end. A CHECKPOINT before each run, so that every run starts
# with the same full-page images to write. pgbench's report goes to ${REPORT_DIR:-/tmp}/SCRIPT-cCLIENTS.txt.
#   PGPORT=5432 POSTMASTER_PID=1234 bench/pgbench/measure.sh bench/pgbench/checkout.sql 32 30
set -euo pipefail
script=$1; clients=$2; seconds=$3; shift 3
sql() { psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qAtc "$1" | tail -1; }
ticks() { # clock ticks: the postmaster's own and its reaped children's (fields 14-17 of stat), its live children's
  local total; total=$(awk '{split(substr($0, index($0, ")") + 2), f, " "); print f[12] + f[13] + f[14] + f[15]}' \
      "/proc/$POSTMASTER_PID/stat")
  for child in $(ps -o pid= --ppid "$POSTMASTER_PID"); do
    total=$((total + $(awk '{split(substr($0, index($0, ")") + 2), f, " "); print f[12] + f[13]}' \
        "/proc/$child/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"; }
settled() { # no client backend left: an ended backend's CPU is in the postmaster's only once it has reaped it
  for _ in $(seq 1 100); do
    ps -o cmd= --ppid "$POSTMASTER_PID" | grep -Eq '^postgres: postgres |<defunct>' || return 0
    sleep 0.1
  done; }
commits() { sql "select pg_stat_force_next_flush(); select xact_commit from pg_stat_database where datname = 'postgres'"; }
sql checkpoint
commits0=$(commits); lsn0=$(sql "select pg_current_wal_insert_lsn()"); settled; ticks0=$(ticks)
report=$(/usr/bin/time -f "pgbench CPU %U %S" pgbench -h 127.0.0.1 -p "$PGPORT" -U postgres -n -M prepared -c "$clients" -j $((clients < 2 ? clients : 2)) \
    -T "$seconds" "$@" -f "$script" postgres 2>&1) || { echo "$report" | tail -20; exit 1; }
settled; ticks1=$(ticks); lsn1=$(sql "select pg_current_wal_insert_lsn()")
commits1=$(commits)
wal=$(sql "select '$lsn1'::pg_lsn - '$lsn0'::pg_lsn, sum(count), sum(record_size), sum(combined_size)
           from pg_get_wal_stats('$lsn0', '$lsn1')" | tr '|' ' ')
echo "$report" > "${REPORT_DIR:-/tmp}/$(basename "$script" .sql)-c$clients.txt"
awk -v script="$(basename "$script" .sql)" -v clients="$clients" -v report="$report" -v ticks=$((ticks1 - ticks0)) \
    -v hz="$(getconf CLK_TCK)" -v commits=$((commits1 - commits0)) -v wal="$wal" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
  BEGIN {
    match(report, /tps = [0-9.]+ \(without/); tps = substr(report, RSTART + 6, RLENGTH - 15) + 0
    match(report, /actually processed: [0-9]+/); tx = substr(report, RSTART + 20, RLENGTH - 20) + 0
    match(report, /failed transactions: [0-9]+/); failed = substr(report, RSTART + 21, RLENGTH - 21) + 0
    match(report, /pgbench CPU [0-9.]+ [0-9.]+/); split(substr(report, RSTART + 12, RLENGTH - 12), client, " ")
    split(wal, w, " ")
    printf "%-22s c=%-2d tps=%6.1f tx=%6d failed=%d pgCpuMs/tx=%6.2f walB/tx=%6.0f commits/tx=%5.2f walRecords/tx=%5.1f " \
        "recordB/tx=%6.0f withFpiB/tx=%6.0f pgbenchCpuMs/tx=%5.2f load=%s\n", script, clients, tps, tx, failed,
        ticks * 1000 / hz / tx, w[1] / tx, commits / tx, w[2] / tx, w[3] / tx, w[4] / tx,
        (client[1] + client[2]) * 1000 / tx, load
  }'
