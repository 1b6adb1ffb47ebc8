#!/usr/bin/env bash
# The soak of issue 21 (docs/decisions/0051-three-nodes-crash-points-cluster-rate-limits.md): three server nodes on
# one PostgreSQL under mixed load while node 2 is SIGKILLed and restarted twice; afterwards stock, order states,
# ledger, webhooks and memory are checked and throughput / errors / p99 per phase written to
# server/target/soak-report.md.
#   bench/soak.sh          the issue's 10 minutes (run it on a quiet machine)
#   bench/soak.sh 60       one minute: proves the soak works, its figures mean little
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
