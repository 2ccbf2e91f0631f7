#!/usr/bin/env bash
# Live capture with 1 and 2 AF_PACKET workers (root): two network namespaces joined by a veth
# pair; SENDERS tcpreplay processes send a generated capture at top speed from one (preloaded
# in memory with -K), borderwatch captures on the other end with --workers N.
#
# Two figures per run:
#   - read/s: frames read per second of replay. Without kernel drops the sender was the limit
#     and this is a lower bound, not the capture's capacity.
#   - the capture's own cost: CPU seconds (user + sys, /proc/PID/stat) the borderwatch process
#     spent between the start and the end of the replay, per frame read. Its inverse is the
#     packet rate one core sustains; with N workers on N free cores the capacity is
#     N / (CPU s per frame), so the scaling ratio 2 workers : 1 worker is
#     2 × cpu_per_frame(1) / cpu_per_frame(2) (1.0 per worker = perfect).
#
#   sudo bench/capture/live.sh            # LOOPS=20 RUNS=3 SENDERS=2
#   sudo BW=/path/to/borderwatch bench/capture/live.sh   # measure that binary (A/B runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
LOOPS=${LOOPS:-20}
RUNS=${RUNS:-3}
SENDERS=${SENDERS:-2}
CACHE=${BENCH_DIR:-$HOME/.cache/borderwatch/bench}
BIN="$CACHE/bin"
mkdir -p "$BIN"
[ "$(id -u)" = 0 ] || { echo "live.sh needs root (network namespaces, AF_PACKET)" >&2; exit 1; }
command -v tcpreplay >/dev/null || { apt-get update -qq && apt-get install -y -qq tcpreplay >/dev/null; }
BW=${BW:-$BIN/borderwatch}
[ "$BW" != "$BIN/borderwatch" ] || go build -trimpath -o "$BW" ./cmd/borderwatch
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

cpu_ticks() { awk '{print $14 + $15, $15}' "/proc/$1/stat"; } # utime + stime, stime; clock ticks
ctx_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}'; }
TCK=$(getconf CLK_TCK)

run() { # workers → "read drops seconds cpu_seconds sys_seconds context_switches"
	local log; log=$(mktemp)
	ip netns exec $C "$BW" --log-format text capture --interface bwb-c --workers "$1" \
		--output ndjson >/dev/null 2>"$log" &
	local pid=$! # ip netns exec execs borderwatch: this is its pid
	sleep 1
	local t0 s0 c0; read -r t0 s0 < <(cpu_ticks $pid); c0=$(ctx_switches $pid)
	local outs=() s
	for ((s = 0; s < SENDERS; s++)); do
		outs+=("$(mktemp)")
		ip netns exec $S tcpreplay -q -K --topspeed --loop="$LOOPS" -i bwb-s "$PCAP" >"${outs[s]}" 2>&1 &
	done
	wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
	sleep 1
	local t1 s1 c1; read -r t1 s1 < <(cpu_ticks $pid); c1=$(ctx_switches $pid)
	kill -INT $pid; wait $pid || true
	local secs; secs=$(cat "${outs[@]}" | sed -n 's/.*sent in \([0-9.]*\) seconds.*/\1/p' | sort -g | tail -1)
	rm -f "${outs[@]}"
	local line; line=$(grep 'msg="capture stopped"' "$log" | tail -1)
	local read; read=$(echo "$line" | sed -n 's/.* received=\([0-9]*\).*/\1/p')
	local drops; drops=$(echo "$line" | sed -n 's/.* kernel_drops=\([0-9]*\).*/\1/p')
	rm -f "$log"
	echo "$read $drops $secs $(echo "($t1 - $t0) / $TCK" | bc -l) $(echo "($s1 - $s0) / $TCK" | bc -l) $((c1 - c0))"
}
# sys_ns/frame: the system part of the CPU time; ctxsw/kframe: the process's context switches
# (all threads, voluntary and not) per 1000 frames, i.e. wake-ups of the workers and pipeline
printf '%-8s %12s %12s %10s %12s %8s %14s %14s %13s\n' workers read kernel_drops seconds 'read/s' cpu_s 'ns_cpu/frame' 'sys_ns/frame' 'ctxsw/kframe'
declare -A RATE CPF
for ((i = 1; i <= RUNS; i++)); do
	for w in 1 2; do
		read -r rd dr sec cpu sys ctx < <(run $w)
		rate=$(echo "$rd / $sec" | bc)
		cpf=$(echo "$cpu * 1000000000 / $rd" | bc)
		spf=$(echo "$sys * 1000000000 / $rd" | bc)
		cpk=$(echo "$ctx * 1000 / $rd" | bc -l)
		RATE[$w]+="$rate "
		CPF[$w]+="$cpf "
		printf '%-8s %12s %12s %10s %12s %8.2f %14s %14s %13.1f\n' "$w" "$rd" "$dr" "$sec" "$rate" "$cpu" "$cpf" "$spf" "$cpk"
	done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
r1=$(echo "${RATE[1]}" | median); r2=$(echo "${RATE[2]}" | median)
c1=$(echo "${CPF[1]}" | median); c2=$(echo "${CPF[2]}" | median)
printf '\nmedian read/s: 1 worker %s, 2 workers %s, ratio %.2f (bounded by the senders on this machine)\n' "$r1" "$r2" "$(echo "$r2 / $r1" | bc -l)"
printf 'median CPU per frame: 1 worker %s ns, 2 workers %s ns; one core sustains %.0f frames/s\n' "$c1" "$c2" "$(echo "1000000000 / $c1" | bc -l)"
printf 'capacity ratio 2 workers : 1 worker on free cores = 2 x %s / %s = %.2f (target >= 1.6)\n' "$c1" "$c2" "$(echo "2 * $c1 / $c2" | bc -l)"
echo "date $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), senders $SENDERS, loops $LOOPS"
