#!/usr/bin/env bash
# Runs a command with BORDERWATCH_ES_URL pointing at an Elasticsearch node: the one already
# given, or a throwaway node started by scripts/elasticsearch.sh and stopped afterwards.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${BORDERWATCH_ES_URL:-}" ] || [ ! -x "$here/elasticsearch.sh" ]; then
	exec "$@"
fi
if ! "$here/elasticsearch.sh" start; then
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
"$here/elasticsearch.sh" stop || true
exit $status
