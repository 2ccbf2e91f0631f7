#!/usr/bin/env bash
# Capture benchmark: borderwatch against the Go read floor and the flow tools on one generated
# pcap (≥ 1 GB by default), CPU seconds (user+sys) and wall seconds, median of RUNS runs taken
# round-robin (A B C ... A B C ...), then ratios. The machine is shared: CPU time is the
# figure to compare; wall time is context.
#
#   bench/capture/run.sh                 # SIZE=1073741824 RUNS=3
#   SIZE=300000000 RUNS=3 bench/capture/run.sh
#   SKIP_TSHARK=1 bench/capture/run.sh   # tshark needs minutes and GBs of memory on 1 GB
#   PIN=none bench/capture/run.sh        # let every job use all cores
#
# The targets are for one core: every job runs pinned to core PIN (default 1, or 0 on a
# one-core machine) with taskset, so a Go program's runtime sizes itself to that core
# (GOMAXPROCS 1) and no tool's helper threads run beside it on another.
#
# Every tool does the same work as far as it can: softflowd runs in the foreground (-d; its
# debug mode -D would log every flow, 20 MB on stderr), tracks IPv6 (-6) and every flow of the
# file at once (-m; its default of 8 192 would expire flows early) and exports bidirectional
# IPFIX records (-v 10 -b) to the discard port.
#
# floor is the reference: a bare zero-copy pcapgo read loop. As context: floor-ours and
# floor-mmap run the same loop over borderwatch's reader, buffered (the default) and mapped;
# bw-mmap is borderwatch with capture.map_files, not the default because on the reference
# machine it costs more CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-3}
if [ "$(nproc)" -gt 1 ]; then PIN=${PIN:-1}; else PIN=${PIN:-0}; fi
pin=()
[ "$PIN" = none ] || pin=(taskset -c "$PIN")
CACHE=${BENCH_DIR:-$HOME/.cache/borderwatch/bench}
BIN="$CACHE/bin"
mkdir -p "$CACHE" "$BIN"
export DEBIAN_FRONTEND=noninteractive
need=()
for tool in tshark:tshark softflowd:softflowd nfpcapd:nfdump argus:argus-server; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
go build -trimpath -o "$BIN/borderwatch" ./cmd/borderwatch
go build -trimpath -o "$BIN/bench-floor" ./bench/capture/floor
go build -trimpath -o "$BIN/synthgen" ./capture/internal/synth/cmd/synthgen
PCAP="$CACHE/bench-$SIZE.pcap"
if [ ! -s "$PCAP" ]; then
	echo "generating $PCAP"
	"$BIN/synthgen" -kind bench -size "$SIZE" -o "$PCAP.tmp" && mv "$PCAP.tmp" "$PCAP"
fi
ls -l "$PCAP"
cat "$PCAP" >/dev/null # warm the page cache
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A CMDS=(
	[floor]="$BIN/bench-floor $PCAP"
	[floor-ours]="$BIN/bench-floor -reader buffered $PCAP"
	[floor-mmap]="$BIN/bench-floor -reader mapped $PCAP"
	[borderwatch]="$BIN/borderwatch --log-level error capture --read $PCAP --output ndjson"
	[bw-mmap]="env BORDERWATCH_CAPTURE_MAP_FILES=true $BIN/borderwatch --log-level error capture --read $PCAP --output ndjson"
	[softflowd]="softflowd -r $PCAP -n 127.0.0.1:9 -d -6 -m 1048576 -v 10 -b"
	[nfpcapd]="nfpcapd -r $PCAP -w $work/nf"
	[argus]="argus -r $PCAP -w $work/argus.out"
	[tshark]="tshark -n -r $PCAP -T fields -e tls.handshake.extensions_server_name -e dns.qry.name"
)
ORDER=(floor floor-ours floor-mmap borderwatch bw-mmap softflowd nfpcapd argus)
[ "${SKIP_TSHARK:-}" = 1 ] || ORDER+=(tshark)
declare -A CPU WALL
for ((i = 1; i <= RUNS; i++)); do
	for name in "${ORDER[@]}"; do
		rm -rf "$work/nf" "$work/argus.out"; mkdir -p "$work/nf"
		cat "$PCAP" >/dev/null # every job starts from a warm page cache (reclaim may run between jobs)
		/usr/bin/time -f "%U %S %e" -o "$work/t" "${pin[@]}" ${CMDS[$name]} >/dev/null 2>"$work/err" || { echo "$name failed:"; tail -5 "$work/err"; exit 1; }
		read -r u s e <"$work/t"
		CPU[$name]+="$(echo "$u + $s" | bc) "
		WALL[$name]+="$e "
	done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '\n%-12s %10s %10s %10s\n' job cpu_s wall_s 'cpu/floor'
fl=$(echo "${CPU[floor]}" | median)
for name in "${ORDER[@]}"; do
	c=$(echo "${CPU[$name]}" | median); w=$(echo "${WALL[$name]}" | median)
	printf '%-12s %10.2f %10.2f %10.1f\n' "$name" "$c" "$w" "$(echo "$c / $fl" | bc -l)"
done
bw=$(echo "${CPU[borderwatch]}" | median)
echo
printf 'borderwatch / floor     %6.2f  (target <= 3)\n' "$(echo "$bw / $fl" | bc -l)"
printf 'softflowd / borderwatch %6.2f  (target >= 2)\n' "$(echo "$(echo "${CPU[softflowd]}" | median) / $bw" | bc -l)"
if [ -n "${CPU[tshark]:-}" ]; then
	printf 'tshark / borderwatch    %6.2f  (target >= 30)\n' "$(echo "$(echo "${CPU[tshark]}" | median) / $bw" | bc -l)"
fi
echo "date $(date -u +%FT%TZ), $(nproc) cores, jobs pinned to core: $PIN, load $(cut -d' ' -f1-3 /proc/loadavg), file $(stat -c %s "$PCAP") bytes"
