# Release builds, the embedded world map, and their checks.
#   make release         static CGO_ENABLED=0 binaries for linux/amd64 and linux/arm64 in dist/,
#                        each archive with the man page, shell completions and systemd units
#   make verify-release  builds the release and checks it (static, version and commit stamped)
#   make worldmap        regenerates report/worldmap/countries.txt from npm world-atlas

RELEASE_DIR           ?= dist
RELEASE_PLATFORMS     ?= linux/amd64 linux/arm64
WORLD_ATLAS_VERSION   ?= 2.0.2
ISO_COUNTRIES_VERSION ?= 7.14.0
NPM_CACHE             ?= $(HOME)/.cache/borderwatch/npm
# Fixed once per make run: VERSION and COMMIT would otherwise be asked of git at every use.
RELEASE_VERSION       := $(VERSION)
RELEASE_COMMIT        := $(COMMIT)
RELEASE_LDFLAGS       := -s -w -X main.version=$(RELEASE_VERSION) -X main.commit=$(RELEASE_COMMIT)

TEST_TARGETS += verify-release

.PHONY: release verify-release worldmap

release:
	rm -rf $(RELEASE_DIR) && mkdir -p $(RELEASE_DIR)
	$(GO) build -trimpath -ldflags '$(RELEASE_LDFLAGS)' -o $(RELEASE_DIR)/.host/borderwatch ./cmd/borderwatch
	set -e; for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; name=borderwatch-$(RELEASE_VERSION)-$$os-$$arch; dir=$(RELEASE_DIR)/$$name; \
		mkdir -p $$dir/completion; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(RELEASE_LDFLAGS)' -o $$dir/borderwatch ./cmd/borderwatch; \
		$(RELEASE_DIR)/.host/borderwatch man > $$dir/borderwatch.1; \
		for sh in bash zsh fish; do $(RELEASE_DIR)/.host/borderwatch completion $$sh > $$dir/completion/borderwatch.$$sh; done; \
		cp -R deploy $$dir/deploy; \
		cp README.md $$dir/ 2>/dev/null || true; \
		tar -C $(RELEASE_DIR) -czf $(RELEASE_DIR)/$$name.tar.gz $$name; \
	done
	rm -rf $(RELEASE_DIR)/.host
	cd $(RELEASE_DIR) && sha256sum *.tar.gz > SHA256SUMS
	@echo "release: $$(ls $(RELEASE_DIR)/*.tar.gz | tr '\n' ' ')"

# verify-release checks every binary of the release: built for the right platform with cgo
# off, no ELF interpreter (static), and stamped with this version and commit.
verify-release: release
	set -e; for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; bin=$(RELEASE_DIR)/borderwatch-$(RELEASE_VERSION)-$$os-$$arch/borderwatch; \
		info=$$($(GO) version -m $$bin); \
		echo "$$info" | grep -q "GOARCH=$$arch" || { echo "verify-release: $$bin is not $$arch"; exit 1; }; \
		echo "$$info" | grep -q "CGO_ENABLED=0" || { echo "verify-release: $$bin was built with cgo"; exit 1; }; \
		if command -v readelf >/dev/null; then \
			if readelf -l $$bin | grep -q INTERP; then echo "verify-release: $$bin is dynamically linked"; exit 1; fi; \
		fi; \
		if [ "$$arch" = "$$($(GO) env GOHOSTARCH)" ]; then \
			out=$$($$bin version); echo "$$out"; \
			case "$$out" in *"$(RELEASE_VERSION)"*"$(RELEASE_COMMIT)"*) ;; *) echo "verify-release: version output lacks $(RELEASE_VERSION)/$(RELEASE_COMMIT)"; exit 1;; esac; \
		fi; \
		test -s $(RELEASE_DIR)/borderwatch-$(RELEASE_VERSION)-$$os-$$arch/borderwatch.1; \
	done
	cd $(RELEASE_DIR) && sha256sum -c SHA256SUMS
	@echo "verify-release: ok"

worldmap:
	mkdir -p $(NPM_CACHE)
	cd $(NPM_CACHE) && npm pack --silent world-atlas@$(WORLD_ATLAS_VERSION) i18n-iso-countries@$(ISO_COUNTRIES_VERSION) >/dev/null
	rm -rf $(NPM_CACHE)/world-atlas $(NPM_CACHE)/i18n-iso-countries
	mkdir -p $(NPM_CACHE)/world-atlas $(NPM_CACHE)/i18n-iso-countries
	tar -xzf $(NPM_CACHE)/world-atlas-$(WORLD_ATLAS_VERSION).tgz -C $(NPM_CACHE)/world-atlas
	tar -xzf $(NPM_CACHE)/i18n-iso-countries-$(ISO_COUNTRIES_VERSION).tgz -C $(NPM_CACHE)/i18n-iso-countries
	$(GO) run ./report/worldmap/internal/gen \
		-atlas $(NPM_CACHE)/world-atlas/package/countries-110m.json \
		-codes $(NPM_CACHE)/i18n-iso-countries/package/codes.json \
		-o report/worldmap/countries.txt

# verify-deploy checks the systemd units: no warnings from systemd-analyze verify, and an
# exposure score (systemd-analyze security) of at most 2.5 on its 0-10 scale.
TEST_TARGETS += verify-deploy
DEPLOY_EXPOSURE_MAX ?= 25

.PHONY: verify-deploy
verify-deploy:
	@command -v systemd-analyze >/dev/null || { echo "verify-deploy: systemd-analyze missing; run scripts/ci/deps-report.sh"; exit 1; }
	set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	for f in deploy/systemd/*; do sed "s|/usr/local/bin/borderwatch|/bin/true|g" $$f > $$tmp/$$(basename $$f); done; \
	mv $$tmp/borderwatch-capture@.service $$tmp/borderwatch-capture@eth0.service; \
	out=$$(cd $$tmp && systemd-analyze verify --man=no ./*.service ./*.timer 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; echo "verify-deploy: systemd-analyze verify complained"; exit 1; fi; \
	for u in $$tmp/*.service; do \
		systemd-analyze security --offline=true --threshold=$(DEPLOY_EXPOSURE_MAX) $$u | tail -1; \
	done
	@echo "verify-deploy: ok"

# verify-daemon-live runs `borderwatch capture --interface` as a daemon in a network namespace
# and scrapes its /metrics and /healthz (needs root and iproute2; CI runs as root).
TEST_TARGETS += verify-daemon-live

.PHONY: verify-daemon-live
verify-daemon-live:
	BORDERWATCH_LIVE_TEST=1 $(GO) test -count=1 -run 'TestCaptureDaemonMetrics|TestDaemonMetrics' -v ./cmd/borderwatch/
