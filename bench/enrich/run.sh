#!/usr/bin/env bash
# Enrichment benchmarks. Each target is compared with a floor measured in the same run:
#   LookupGeoLite2   (City + ASN, decoded)      vs TreeOnlyGeoLite2 (the two tree walks alone)
#   TableLookup50k   (all range lists)          vs BartFloor50k (bart's Lookup alone)
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
awk '
/^Benchmark/ {
	name=$1; for (i=2;i<=NF;i++) if ($(i+1)=="cpu-ns/op") v[name]=v[name] " " $i
}
END {
	for (n in v) {
		k=split(substr(v[n],2), a, " "); asort(a); med[n]=a[int((k+1)/2)]
	}
	pairs["BenchmarkLookupGeoLite2/Hot1k"]="BenchmarkTreeOnlyGeoLite2/Hot1k"
	pairs["BenchmarkLookupGeoLite2/Spread64k"]="BenchmarkTreeOnlyGeoLite2/Spread64k"
	pairs["BenchmarkTableLookup50k"]="BenchmarkBartFloor50k"
	for (n in med) {
		f=pairs[n]; r=""
		if (f in med && med[f]>0) r=sprintf("  (%.2fx %s)", med[n]/med[f], f)
		printf "  %-40s %10.1f%s\n", n, med[n], r
	}
}' "$out" | sort
