#!/usr/bin/env bash
# The benchmark of issue 7 in one command (see README "Benchmarks" and docs/decisions/0015-benchmark-harness.md):
# builds the server and the harness, starts the server on a fresh database with the demo marketplace, runs every
# scenario, restarts for start-up time and idle memory, and writes bench/target/results/{results.json,comparison.md}.
#   bench/run.sh            the full run (about 10 minutes)
#   bench/run.sh --quick    short load phases: checks the harness works, its figures mean little
#   BENCH_ONLY=product-by-id,start-up bench/run.sh    only these scenarios (names as in results.json)
#   BENCH_DEMO_DATA=false BENCH_ONLY=dropship-import,dropship-stock-sync bench/run.sh    no demo marketplace (scenarios
#                           that make their own data)
#   BENCH_ONLY=bare-handler,product-by-id-uniform,search-mix bench/run.sh    the realistic storefront (issue 20);
#                           memory-after-load (the server's RSS, its peak and PostgreSQL's PSS) ends every run
#   BENCH_ONLY=search-mix-with-writes,no-cliff bench/run.sh    search while an ERP and shoppers write through the API,
#                           and twice the sustainable load of search and checkout beside cached reads (decision 69)
#   BENCH_ONLY=checkout-discounted bench/run.sh    issue 16: plain and discounted checkouts, both warmed, then alternating
#                           rounds; cost ratio and server CPU per checkout of each (decision 74)
#   BENCH_ONLY=checkout,pgbench-checkout-sql bench/run.sh    issue 20's checkout: pgbench of the checkout's SQL of the
#                           issue's day (bench/pgbench/checkout-baseline.sql) and of today's (checkout.sql), and the
#                           API's closed loop as a share of today's
#   BENCH_ONLY=flash-sale,bulk-stock-update,change-feed-catch-up bench/run.sh    issue 20's flash sale, bulk stock and
#                           feed catch-up (decision 70); they use the demo marketplace's SKUs, levels and products
#   BENCH_DEMO_DATA=false BENCH_ONLY=ledger-posting,statement-csv,ledger-reconciliation bench/run.sh    the
#                           settlement ledger (issue 14, decision 53): posting, a 100,000-line CSV statement, 1,000,000
#                           entries reconciled
#   Decision 145's pgbench comparisons (not scenarios: run by hand, the server stopped, against its embedded PostgreSQL
#   with the demo marketplace and pg_walinspect): psql -f bench/pgbench/checkout-plans.sql, then
#   bench/pgbench/checkout-onecall-setup.sql; PGPORT=… POSTMASTER_PID=… bench/pgbench/measure.sh SCRIPT CLIENTS SECONDS
#   for checkout.sql against checkout-onecall.sql / checkout-onecall-tx.sql (one round trip), and checkout-hot.sql against
#   checkout-hot-batch10.sql (ten hot checkouts in one transaction); checkout-onecall-teardown.sql and
#   DROP SCHEMA pgbench_checkout CASCADE after.
#   A name that is no scenario stops the run with the list of scenarios. pgbench-checkout-sql needs the demo data and
#   the checkout scenario in the same run (its API share is of that closed loop): name both, as above.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
QUICK=false
[[ "${1:-}" == "--quick" ]] && QUICK=true

# The pgbench scenario runs PostgreSQL's own pgbench (Debian's postgresql-client); without it, it reports not_run.
if ! command -v pgbench >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-client
fi

./mvnw -q -B package -DskipTests -Pbench -pl server,bench -am
rm -rf bench/target/results
# The server's JVM options: the README's run command's, from server/jvm.options (memory, decisions 47, 68 and 114), and
# the AOT cache the build made (decision 71; without it the JVM says so and starts without); BENCH_SERVER_JVM replaces
# them, e.g. BENCH_SERVER_JVM="-Xmx256m" to measure without the cache. BENCH_MALLOC_ARENA_MAX sets the server's glibc
# malloc arenas (the run command's 2 by default), e.g. BENCH_MALLOC_ARENA_MAX=1 (decision 97). BENCH_FIRST_START_MINUTES
# (10) is how long the first start, which makes the demo marketplace, may take: more on a loaded machine.
SERVER_JVM="${BENCH_SERVER_JVM-$(sed -e 's/#.*//' server/jvm.options | xargs) -XX:AOTCache=server/target/marketplace-server.aot}"
exec "$JAVA" -Xmx512m -Dbench.quick="$QUICK" -Dbench.only="${BENCH_ONLY:-}" -Dbench.server.jvm="$SERVER_JVM" \
     -Dbench.server.malloc-arena-max="${BENCH_MALLOC_ARENA_MAX:-2}" \
     -Dbench.demo-data="${BENCH_DEMO_DATA:-true}" -Dbench.first-start-minutes="${BENCH_FIRST_START_MINUTES:-10}" \
     -Dbench.server.jar=server/target/marketplace-server.jar -Dbench.results=bench/target/results \
     -jar bench/target/marketplace-bench.jar
