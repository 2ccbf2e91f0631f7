# Log ingestion core and the JSON formats (logs/, logs/okta, entra, gworkspace, m365,
# cloudtrail, duo, generic).
#   make bench-logs        the `borderwatch logs` vs `jq -c .` comparison (bench/logs/run.sh;
#                          LOGS_BENCH_N events, not part of make test)
#   make bench-okta        Okta parser and source benchmarks, one core; events/cpu-s is the
#                          per-core figure
#   make fuzz-logs         fuzz the framers and every JSON parser for LOGS_FUZZTIME each
#   make fuzz-smoke        (also) runs fuzz-logs

LOGS_FUZZ_PKGS  := ./logs/okta ./logs/entra ./logs/gworkspace ./logs/m365 ./logs/cloudtrail ./logs/duo ./logs/generic
LOGS_FUZZTIME   ?= 15s
LOGS_BENCH_N    ?= 200000
LOGS_BENCHTIME  ?= 2s

.PHONY: bench-logs bench-okta fuzz-logs

bench-logs:
	N=$(LOGS_BENCH_N) ./bench/logs/run.sh

bench-okta:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime=$(LOGS_BENCHTIME) -cpu 1 ./logs/okta

fuzz-logs:
	$(GO) test -run '^$$' -fuzz '^FuzzFramers$$' -fuzztime=$(LOGS_FUZZTIME) ./logs
	set -e; for p in $(LOGS_FUZZ_PKGS); do \
		$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime=$(LOGS_FUZZTIME) $$p; \
	done
	set -e; for f in FuzzFastMatchesTree FuzzJavaPairs FuzzStr; do \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime=$(LOGS_FUZZTIME) ./logs/okta; \
	done

fuzz-smoke: fuzz-logs
