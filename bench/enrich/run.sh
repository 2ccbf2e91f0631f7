#!/usr/bin/env bash
# Enrichment benchmarks. Each target is compared with a floor measured in the same run:
#   LookupGeoLite2   (City + ASN, decoded)      vs TreeOnlyGeoLite2 (the two tree walks alone)
#   TableLookup50k   (all range lists)          vs BartFastFloor50k (bart.Fast's Lookup alone;
#                                                  BartFloor50k is bart.Table's, for reference)
#   LookupCacheHit / EnrichCacheHit             (absolute; 0 allocs is the target)
# Needs the GeoLite2 files (make geolite2). One core (-cpu 1); cpu-ns/op is the process CPU
# time per operation, steadier than ns/op when other work shares the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCHTIME="${BENCHTIME:-2s}"
COUNT="${COUNT:-3}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench . -benchmem -benchtime="$BENCHTIME" -count="$COUNT" -cpu 1 \
	./enrich ./enrich/geoip ./enrich/iprange | tee "$out"
echo
echo "median cpu-ns/op (ratio to its floor)"
# One "name value" line per run, then the median per name (portable awk, no gawk needed).
awk '/^Benchmark/ { for (i = 2; i < NF; i++) if ($(i+1) == "cpu-ns/op") print $1, $i }' "$out" |
	sort -k1,1 -k2,2g |
	awk '
	{ n[$1]++; v[$1, n[$1]] = $2 }
	END {
		for (k in n) med[k] = v[k, int((n[k] + 1) / 2)]
		floor["BenchmarkLookupGeoLite2/Hot1k"] = "BenchmarkTreeOnlyGeoLite2/Hot1k"
		floor["BenchmarkLookupGeoLite2/Spread64k"] = "BenchmarkTreeOnlyGeoLite2/Spread64k"
		floor["BenchmarkTableLookup50k"] = "BenchmarkBartFastFloor50k"
		for (k in med) {
			r = ""
			if ((k in floor) && med[floor[k]] > 0) r = sprintf("  (%.2fx %s)", med[k] / med[floor[k]], floor[k])
			printf "  %-40s %10.1f%s\n", k, med[k], r
		}
	}' | sort
