#!/usr/bin/env bash
# Compares `borderwatch logs` with `jq -c .` on the same generated Okta System Log file
# (NDJSON, ~1.8 KB per event), and the logs source alone (bench/logs/readonly: reading,
# detection and parsing without enrichment, rules or output), alternating A B A B, and prints medians and ratios; then checks
# that borderwatch's memory stays flat when the file doubles.
#
#   bench/logs/run.sh                 # 200000 events, 3 runs each
#   N=1000000 RUNS=5 bench/logs/run.sh
#
# BW=/path/to/borderwatch uses a binary built beforehand.
# Needs Go, jq, bc and GNU time (installed with apt-get when missing and running as root).
set -euo pipefail
N=${N:-200000}
RUNS=${RUNS:-3}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${WORK:-$(mktemp -d)}"
trap '[ -z "${WORK:-}" ] && rm -rf "$work"' EXIT

need() {
	command -v "$1" >/dev/null 2>&1 && return
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
	else
		echo "bench: $1 is missing (apt-get install $2)" >&2
		exit 1
	fi
}
need jq jq
need bc bc
[ -x /usr/bin/time ] || need /usr/bin/time time

cd "$root"
echo "building borderwatch and generating $N events in $work ..." >&2
if [ -n "${BW:-}" ]; then
	cp "$BW" "$work/borderwatch" # a binary built beforehand
else
	go build -trimpath -o "$work/borderwatch" ./cmd/borderwatch
fi
go build -trimpath -o "$work/readonly" ./bench/logs/readonly
go run ./bench/logs/gen -n "$N" -o "$work/okta.ndjson"
cat "$work/okta.ndjson" "$work/okta.ndjson" >"$work/okta2x.ndjson"
size=$(stat -c %s "$work/okta.ndjson")

# run NAME CMD...: one timed run, appends "wall cpu rss_kb" to $work/NAME.times
run() {
	local name=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >/dev/null 2>"$work/$name.err" || {
		echo "bench: $name failed:" >&2
		tail -5 "$work/$name.err" >&2
		exit 1
	}
	awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$work/t" >>"$work/$name.times"
}
bw=("$work/borderwatch" --log-level error logs --output ndjson --output-file "$work/out.ndjson")

for _ in $(seq "$RUNS"); do
	rm -f "$work/out.ndjson"
	run bw_detect "${bw[@]}" "$work/okta.ndjson"
	run jq sh -c 'jq -c . "$1" >"$2"' jq "$work/okta.ndjson" "$work/jq.out"
	rm -f "$work/out.ndjson"
	run bw_format "${bw[@]}" --format okta "$work/okta.ndjson"
	run readonly "$work/readonly" "$work/okta.ndjson"
done
rm -f "$work/out.ndjson"
run bw_2x "${bw[@]}" "$work/okta2x.ndjson"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$work/$1.times" | median; }

jq_wall=$(col jq 1)
jq_cpu=$(col jq 2)
printf '\n%d events, %.0f MB, %d runs each (medians), %s, %s\n\n' "$N" "$(echo "$size / 1048576" | bc -l)" "$RUNS" "$(nproc) cores" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf '| %-48s | %8s | %8s | %8s | %12s | %9s | %9s |\n' job "wall s" "cpu s" "RSS MB" "events/cpu-s" "jq/this wall" "jq/this cpu"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..50})" "----------" "----------" "----------" "--------------" "-----------" "-----------"
for name in jq bw_detect bw_format readonly; do
	w=$(col $name 1)
	c=$(col $name 2)
	r=$(col $name 3)
	case $name in
	jq) label="jq -c . (parse and re-serialize)" ;;
	bw_detect) label="borderwatch logs (detect, enrich, rules, ndjson)" ;;
	bw_format) label="borderwatch logs --format okta" ;;
	readonly) label="logs source alone (read, detect, parse)" ;;
	esac
	printf '| %-48s | %8.2f | %8.2f | %8.0f | %12.0f | %9.2fx | %9.2fx |\n' "$label" "$w" "$c" "$(echo "$r / 1024" | bc -l)" \
		"$(echo "$N / $c" | bc -l)" "$(echo "$jq_wall / $w" | bc -l)" "$(echo "$jq_cpu / $c" | bc -l)"
done
r1=$(col bw_detect 3)
r2=$(col bw_2x 3)
printf '\nmemory: %.0f MB RSS for %d events, %.0f MB for %d events (ratio %.2f; flat means close to 1)\n' \
	"$(echo "$r1 / 1024" | bc -l)" "$N" "$(echo "$r2 / 1024" | bc -l)" "$((2 * N))" "$(echo "$r2 / $r1" | bc -l)"
