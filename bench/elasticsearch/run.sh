#!/usr/bin/env bash
# Measures the Elasticsearch output (not part of make test):
#   1. documents/s into a local node for session and auth documents (goal >= 20 000/s on a
#      2-core machine with the node on the same machine);
#   2. the Go heap during an outage at full input rate: the spool grows, the heap does not.
#
#   bench/elasticsearch/run.sh [throughput|outage|all]
#
# Environment: BORDERWATCH_ES_URL (use this node; otherwise a node named "bench" is started on
# port 9260 with BENCH_ES_HEAP, default 1g, and stopped afterwards), BENCH_DOCS (documents per
# kind, default 200000), BENCH_WORKERS (default 2), BENCH_OUTAGE (outage length, default 5m),
# BENCH_WARMUP (documents sent to warm a node the script started, default 500000),
# BENCH_ES_PID (the node's process id when BORDERWATCH_ES_URL is given: its CPU is also read
# from /proc), BENCH_ARGS (more esbench flags, e.g. "-ids time -refresh 5s"; esbench -h lists
# them). Results are JSON lines on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
what="${1:-all}"
docs="${BENCH_DOCS:-200000}"
workers="${BENCH_WORKERS:-2}"
outage="${BENCH_OUTAGE:-5m}"
bin="$(mktemp -d)/esbench"
go build -o "$bin" ./bench/elasticsearch/esbench

started=0
url="${BORDERWATCH_ES_URL:-}"
if [ -z "$url" ] && [ "$what" != outage ]; then
	scripts/elasticsearch.sh start --name bench --port 9260 --heap "${BENCH_ES_HEAP:-1g}"
	url="$(scripts/elasticsearch.sh url --name bench --port 9260)"
	started=1
fi
pid="${BENCH_ES_PID:-}"
if [ "$started" = 1 ]; then
	pid="$(scripts/elasticsearch.sh env --name bench --port 9260 | sed -n 's/^PID_FILE=//p' | xargs cat)"
fi
read -r -a extra <<<"${BENCH_ARGS:-}"
cleanup() {
	if [ "$started" = 1 ]; then scripts/elasticsearch.sh stop --name bench || true; fi
	rm -rf "$(dirname "$bin")"
}
trap cleanup EXIT

echo "# $(nproc) cores, $(go version | cut -d' ' -f3), node ${url:-none}" >&2
if [ "$what" = all ] || [ "$what" = throughput ]; then
	if [ "$started" = 1 ]; then
		# A node just started needs several hundred thousand documents before its JIT has
		# compiled the indexing path (measured: 178 -> 89 -> 78 µs per document over the first
		# three runs of 400 000); this pass is not reported.
		echo "# warming the new node with ${BENCH_WARMUP:-500000} documents" >&2
		"$bin" -mode throughput -url "$url" -kind sessions -n "${BENCH_WARMUP:-500000}" -warmup 0 >/dev/null
	fi
	for kind in sessions auth; do
		"$bin" -mode throughput -url "$url" -kind "$kind" -n "$docs" -workers "$workers" -node-pid "${pid:-0}" "${extra[@]+"${extra[@]}"}"
	done
fi
if [ "$what" = all ] || [ "$what" = outage ]; then
	"$bin" -mode outage -kind auth -duration "$outage"
fi
