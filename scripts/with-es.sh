#!/usr/bin/env bash
# Runs a command with BORDERWATCH_ES_URL pointing at an Elasticsearch node: the one already
# given, one already running, or a throwaway node started by scripts/elasticsearch.sh and stopped
# afterwards (a node that was running before is left running).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${BORDERWATCH_ES_URL:-}" ] || [ ! -x "$here/elasticsearch.sh" ]; then
	exec "$@"
fi
# A node that was already running belongs to someone else: use it, and leave it running.
started=0
if "$here/elasticsearch.sh" status >/dev/null 2>&1; then
	:
elif "$here/elasticsearch.sh" start; then
	started=1
else
	if [ "${BORDERWATCH_REQUIRE_ES:-}" = 1 ]; then
		echo "with-es: could not start Elasticsearch and BORDERWATCH_REQUIRE_ES=1" >&2
		exit 1
	fi
	echo "with-es: Elasticsearch not available (needs Java 17 and Maven); integration tests will skip" >&2
	exec "$@"
fi
export BORDERWATCH_ES_URL="$("$here/elasticsearch.sh" url)"
status=0
"$@" || status=$?
if [ "$started" = 1 ]; then
	"$here/elasticsearch.sh" stop || true
fi
exit $status
