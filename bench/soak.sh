#!/usr/bin/env bash
# The soak of issue 21 (docs/decisions/0063-soak-with-faults-and-payout-crash.md, after 0051; partner traffic and
# memory slopes: 0080): three server nodes on one PostgreSQL under mixed load (storefront listings and searches,
# carts, checkouts, payments, fulfilment and returns, ERP stock updates, a stock feed reader, a webhook receiver, a
# points partner's credits in and members' exchanges out against its WireMock API, inventory leases committed,
# released and lapsed) while node 2 is SIGKILLed and restarted twice and the nodes' database connections are cut
# once; afterwards stock, order states, the provider's and the partner's books, points, leases, ledger, feed,
# webhooks and memory (heap after forced full collections and RSS of the two nodes never killed, with their slopes)
# are checked and throughput / errors / p99 per phase and per kind of request written to
# server/target/soak-report.md.
#   bench/soak.sh          the issue's 10 minutes (run it on a quiet machine)
#   bench/soak.sh 60       one minute: proves the soak works, its figures mean little
#
# Both cluster tests are opt-in and skipped by ./mvnw -B verify (JUnit's @EnabledIfSystemProperty):
#   ClusterSoakIT   -Dsoak.seconds=N       (this script)
#   ClusterCrashIT  -Dcluster.crash=true   a node halted at each crash point (checkout, capture, refund, webhook,
#                                          payout) and restarted; about five minutes:
#     ./mvnw -B -q verify -pl server -am -Dtest=none -Dit.test=ClusterCrashIT -Dcluster.crash=true \
#         -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
SECONDS_OF_LOAD="${1:-600}"
rm -f server/target/failsafe-reports/failsafe-summary.xml
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
./mvnw -B -q verify -pl server -am -Dtest=none -Dit.test=ClusterSoakIT -Dsoak.seconds="$SECONDS_OF_LOAD" \
    -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
cat server/target/soak-report.md
