#!/usr/bin/env bash
# Live capture rate with 1 and 2 AF_PACKET workers (root): two network namespaces joined by a
# veth pair; tcpreplay sends a generated capture at top speed from one, borderwatch captures on
# the other end with --workers N. The packet rate a configuration sustains is the frames it
# read per second of replay; kernel drops show it was saturated (without drops the sender was
# the limit and the figure is a lower bound).
#
#   sudo bench/capture/live.sh            # LOOPS=20 RUNS=3
set -euo pipefail
cd "$(dirname "$0")/../.."
LOOPS=${LOOPS:-20}
RUNS=${RUNS:-3}
CACHE=${BENCH_DIR:-$HOME/.cache/borderwatch/bench}
BIN="$CACHE/bin"
mkdir -p "$BIN"
[ "$(id -u)" = 0 ] || { echo "live.sh needs root (network namespaces, AF_PACKET)" >&2; exit 1; }
command -v tcpreplay >/dev/null || { apt-get update -qq && apt-get install -y -qq tcpreplay >/dev/null; }
go build -trimpath -o "$BIN/borderwatch" ./cmd/borderwatch
go build -trimpath -o "$BIN/synthgen" ./capture/internal/synth/cmd/synthgen
PCAP="$CACHE/live-20MB.pcap"
[ -s "$PCAP" ] || "$BIN/synthgen" -kind bench -size 20000000 -concurrent 500 -o "$PCAP"

S=bwbench-send C=bwbench-cap
cleanup() { ip netns del $S 2>/dev/null || true; ip netns del $C 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add $S && ip netns add $C
ip link add bwb-s netns $S type veth peer name bwb-c netns $C
for ns in $S $C; do
	ip netns exec $ns sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
	ip -n $ns link set lo up
done
ip -n $S link set bwb-s up && ip -n $C link set bwb-c up

run() { # workers → "read drops seconds"
	local log; log=$(mktemp)
	ip netns exec $C "$BIN/borderwatch" --log-format text capture --interface bwb-c --workers "$1" \
		--output ndjson >/dev/null 2>"$log" &
	local pid=$!
	sleep 1
	local out; out=$(ip netns exec $S tcpreplay -q --topspeed --loop="$LOOPS" -i bwb-s "$PCAP" 2>&1)
	sleep 1
	kill -INT $pid; wait $pid || true
	local secs; secs=$(echo "$out" | sed -n 's/.*sent in \([0-9.]*\) seconds.*/\1/p' | head -1)
	local line; line=$(grep 'msg="capture stopped"' "$log" | tail -1)
	local read; read=$(echo "$line" | sed -n 's/.* received=\([0-9]*\).*/\1/p')
	local drops; drops=$(echo "$line" | sed -n 's/.* kernel_drops=\([0-9]*\).*/\1/p')
	rm -f "$log"
	echo "$read $drops $secs"
}
printf '%-8s %12s %12s %10s %14s\n' workers read kernel_drops seconds 'read/s'
declare -A RATE
for ((i = 1; i <= RUNS; i++)); do
	for w in 1 2; do
		read -r rd dr sec < <(run $w)
		rate=$(echo "$rd / $sec" | bc)
		RATE[$w]+="$rate "
		printf '%-8s %12s %12s %10s %14s\n' "$w" "$rd" "$dr" "$sec" "$rate"
	done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
r1=$(echo "${RATE[1]}" | median); r2=$(echo "${RATE[2]}" | median)
printf '\nmedian read/s: 1 worker %s, 2 workers %s, ratio %.2f (target >= 1.6)\n' "$r1" "$r2" "$(echo "$r2 / $r1" | bc -l)"
echo "date $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
