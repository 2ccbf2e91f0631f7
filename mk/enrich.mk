# Enrichment (GeoIP, range lists, internal networks, allowlists).
#   make geolite2       fetch the real GeoLite2 databases into the test cache (scripts/ci/deps-enrich.sh)
#   make bench-enrich   enrichment benchmarks on one core, CPU time per operation (bench/enrich/run.sh)
#   make fuzz-enrich    fuzz the range-list parser and the GeoIP database reader for ENRICH_FUZZTIME each
#   make fuzz-smoke     (also) runs fuzz-enrich
#   make demo-data      rebuild the bundled demo GeoIP data from enrich/geoip/demodb/source.json

ENRICH_FUZZTIME ?= 15s

.PHONY: geolite2 bench-enrich fuzz-enrich demo-data

geolite2:
	./scripts/ci/deps-enrich.sh

bench-enrich: geolite2
	./bench/enrich/run.sh

fuzz-enrich:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime=$(ENRICH_FUZZTIME) -fuzzminimizetime=5s ./enrich/iprange
	$(GO) test -run '^$$' -fuzz '^FuzzDatabase$$' -fuzztime=$(ENRICH_FUZZTIME) -fuzzminimizetime=5s ./enrich/geoip

fuzz-smoke: fuzz-enrich

demo-data:
	$(GO) generate ./enrich/geoip/demodb
