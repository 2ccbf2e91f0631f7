# borderwatch build and test entry points.
#   make            build bin/borderwatch
#   make test       vet, staticcheck, unit + integration tests, and every area's extra checks
#   make demo       run the bundled demo
# Areas add targets in mk/<area>.mk and append the ones `make test` must run to TEST_TARGETS.

GO        ?= go
BIN       ?= bin/borderwatch
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
STATICCHECK_VERSION ?= v0.8.2
export CGO_ENABLED ?= 0

TEST_TARGETS :=

.PHONY: all build test test-go vet staticcheck demo clean fuzz-smoke
all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/borderwatch

vet:
	$(GO) vet ./...

staticcheck:
	@command -v staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck ./...

-include mk/*.mk

# test-go runs every Go test once; scripts/with-es.sh starts a throwaway Elasticsearch node
# for the integration tests unless BORDERWATCH_ES_URL points at one already.
test-go:
	./scripts/with-es.sh $(GO) test -count=1 -timeout 15m ./...

test: vet staticcheck build test-go $(TEST_TARGETS)
	@echo "make test: all checks passed"

demo: build
	./$(BIN) logs testdata/demo/okta.ndjson

clean:
	rm -rf bin
