# Detection rules.
#   make verify-rules-scenario  regenerate the committed sample scenario and check it is unchanged
#                               (the generator is deterministic); runs in make test
#   make scenario-rules         rewrite testdata/scenarios from the generator
#   make bench-rules            throughput per core, per rule, memory per user (bench/rules/throughput.sh)
#   make bench-rules-state      state file size after a month of 10 000 users (bench/rules/state-size.sh)
#   make fuzz-rules             fuzz the ECS replay decoder, the roster parser and state loading for RULES_FUZZTIME each
#   make fuzz-smoke             (also) runs fuzz-rules

RULES_FUZZTIME ?= 15s

TEST_TARGETS += verify-rules-scenario

.PHONY: verify-rules-scenario scenario-rules bench-rules bench-rules-state fuzz-rules

fuzz-smoke: fuzz-rules

verify-rules-scenario:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) run ./rules/scenario/gen -out "$$tmp" >/dev/null && \
	for f in scenario.ndjson.gz roster.csv cases.json; do \
		cmp -s "$$tmp/$$f" testdata/scenarios/$$f || { echo "testdata/scenarios/$$f is stale: run make scenario-rules"; exit 1; }; \
	done && echo "testdata/scenarios matches its generator"

scenario-rules:
	$(GO) run ./rules/scenario/gen -out testdata/scenarios

bench-rules:
	./bench/rules/throughput.sh

bench-rules-state:
	./bench/rules/state-size.sh

fuzz-rules:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime=$(RULES_FUZZTIME) ./rules/replay
	$(GO) test -run '^$$' -fuzz '^FuzzReadRoster$$' -fuzztime=$(RULES_FUZZTIME) ./rules
	$(GO) test -run '^$$' -fuzz '^FuzzLoadState$$' -fuzztime=$(RULES_FUZZTIME) ./rules
