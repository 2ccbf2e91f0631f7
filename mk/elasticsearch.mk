# Elasticsearch output.
#   make es-start          start the throwaway test node (scripts/elasticsearch.sh, port 9250)
#   make es-stop           stop it
#   make test-es           the Elasticsearch tests (sink, spool, CLI) against a node that
#                          scripts/with-es.sh starts, failing instead of skipping without one
#   make bench-es          documents/s into a local node and the heap during a 5-minute outage
#                          (bench/elasticsearch/run.sh; not part of make test)
#   make fuzz-es           fuzz the spool reader and the spool record decoder, ES_FUZZTIME each
#   make fuzz-smoke        (also) runs fuzz-es

ES_FUZZTIME ?= 15s

.PHONY: es-start es-stop test-es bench-es fuzz-es

fuzz-smoke: fuzz-es

es-start:
	./scripts/elasticsearch.sh start

es-stop:
	./scripts/elasticsearch.sh stop

test-es:
	BORDERWATCH_REQUIRE_ES=1 ./scripts/with-es.sh $(GO) test -count=1 ./sink/... ./cmd/borderwatch/ -run 'Elasticsearch|ES|Setup|Reader|Security|Secret|Node|Kill9|TooLarge|TooMany|Unreachable|Mapping|IndexMode|Spool|Open|Doc'

bench-es:
	./bench/elasticsearch/run.sh

fuzz-es:
	$(GO) test -run '^$$' -fuzz '^FuzzOpen$$' -fuzztime=$(ES_FUZZTIME) ./sink/spool
	$(GO) test -run '^$$' -fuzz '^FuzzUnmarshalDoc$$' -fuzztime=$(ES_FUZZTIME) ./sink/elasticsearch
