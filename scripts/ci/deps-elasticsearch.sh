#!/usr/bin/env bash
# Installs what the Elasticsearch tests need and prefetches the node: Java 17 (the node's
# runtime), Maven (downloads the test distribution from Maven Central), unzip and curl, then
# downloads and unpacks Elasticsearch into the cache (BORDERWATCH_CACHE, ~/.cache/borderwatch)
# so that the first test run does not spend its time downloading 97 MB.
# Idempotent; run as root on Debian.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
need=()
ls /usr/lib/jvm/java-17-openjdk*/bin/java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends "${need[@]}"
fi
"$here/../elasticsearch.sh" fetch
echo "deps-elasticsearch: Elasticsearch ${BW_ES_VERSION:-8.19.7} ready in ${BORDERWATCH_ES_RUN:-/var/tmp/borderwatch-es}/dist"
