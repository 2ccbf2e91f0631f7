#!/usr/bin/env bash
# Compares two versions of the Elasticsearch output on one running node, alternating A B A B,
# and prints each run's JSON line plus the median node and client CPU per document of each.
#
#   bench/elasticsearch/ab.sh REV_A REV_B
#
# A revision is a git commit (built from `git archive` into a temporary directory, the working
# tree is not touched) or "." for the working tree. Each version installs its own templates
# (esbench gives every run its own index prefix), so a mapping or settings change is compared
# on the same node at the same time.
#
# Environment: BORDERWATCH_ES_URL (default http://127.0.0.1:9260, the node run.sh starts),
# BENCH_ES_PID (the node's pid, for node_proc_cpu_us_per_doc; default: the pid file of the
# "bench" instance), AB_ROUNDS (pairs, default 3), AB_KIND (sessions | auth, default sessions),
# BENCH_DOCS (documents per run, default 200000), BENCH_ARGS (more esbench flags for both).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { echo "usage: $0 REV_A REV_B" >&2; exit 2; }
url="${BORDERWATCH_ES_URL:-http://127.0.0.1:9260}"
pid="${BENCH_ES_PID:-$(cat "${BORDERWATCH_ES_RUN:-/var/tmp/borderwatch-es}/bench/es.pid" 2>/dev/null || echo 0)}"
rounds="${AB_ROUNDS:-3}"
kind="${AB_KIND:-sessions}"
docs="${BENCH_DOCS:-200000}"
read -r -a extra <<<"${BENCH_ARGS:-}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

build() { # build REV NAME
	if [ "$1" = . ]; then
		go build -o "$tmp/$2" ./bench/elasticsearch/esbench
	else
		mkdir -p "$tmp/src-$2"
		git archive "$1" | tar -x -C "$tmp/src-$2"
		(cd "$tmp/src-$2" && go build -o "$tmp/$2" ./bench/elasticsearch/esbench)
	fi
}
build "$1" A
build "$2" B
echo "# A=$1 B=$2 kind=$kind docs=$docs rounds=$rounds node=$url pid=$pid" >&2
for i in $(seq "$rounds"); do
	for v in A B; do
		"$tmp/$v" -mode throughput -url "$url" -kind "$kind" -n "$docs" -node-pid "$pid" "${extra[@]+"${extra[@]}"}" 2>/dev/null |
			sed "s/^{/{\"version\":\"$v\",\"round\":$i,/" | tee -a "$tmp/runs.json"
	done
done
python3 - "$tmp/runs.json" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
for v in "AB":
    r = [x for x in runs if x["version"] == v]
    med = lambda k: statistics.median(x[k] for x in r)
    print(f"# {v}: median node {med('node_proc_cpu_us_per_doc'):.1f} µs/doc (/proc), "
          f"{med('node_cpu_us_per_doc'):.1f} (_nodes/stats), client {med('client_cpu_us_per_doc'):.1f}, "
          f"{med('docs_per_s'):.0f} docs/s, load {[x['load_avg'] for x in r]}")
EOF
