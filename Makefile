# screenpop — the two commands are `make run` and `make test`.
# Both install what a fresh machine lacks (PostgreSQL server binaries,
# Chromium for the browser tests) with apt-get when run as root, and
# otherwise stop and print the command to run.

SHELL := /bin/bash
GO    ?= go
BIN   := bin/screenpop
PKGS  := ./...
# Test packages share the two cores; one package's tests run serially.
TEST_FLAGS ?= -race -count=1 -timeout 20m
# The brief fuzz runs in `make test` bound the minimisation of new inputs:
# by default it may run for a minute, past -fuzztime, and the run then ends
# with "context deadline exceeded" (an XLSX input takes milliseconds, and
# minimising one byte by byte takes far longer than the 10 s budget).
FUZZ_MIN := -fuzzminimizetime 50x

.PHONY: run build test attack lint bench deps-postgres deps-chromium web-assets clean help

help:
	@echo "make run    build and start screenpop (embedded PostgreSQL under ./var unless DATABASE_URL is set)"
	@echo "make test   run every test against real PostgreSQL and a real browser"
	@echo "make attack run only the attack suite (web/attack_*_test.go) and print its counts"
	@echo "make build  build $(BIN)"
	@echo "make lint   gofmt, go vet, staticcheck and the import-direction test (make test runs it first)"
	@echo "make bench  run the benchmarks and print their figures"

build: web-assets
	$(GO) build -o $(BIN) ./cmd/screenpop

# Front-end libraries come from npm (package-lock.json) and are embedded from
# web/static/vendor/, which is generated and not committed.
# axe-core stays in node_modules: only the browser tests inject it.
VENDOR := web/static/vendor/Sortable.min.js web/static/vendor/feather-sprite.svg
web-assets: $(VENDOR)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

web/static/vendor/Sortable.min.js: node_modules/.package-lock.json
	mkdir -p web/static/vendor
	cp node_modules/sortablejs/Sortable.min.js $@

# The icons: one SVG sprite of Feather's set, used as <use href="…#name">.
web/static/vendor/feather-sprite.svg: node_modules/.package-lock.json
	mkdir -p web/static/vendor
	cp node_modules/feather-icons/dist/feather-sprite.svg $@

run: deps-postgres build
	./$(BIN) serve

# `make test` is what CI runs (.ci/run): lint first, then every test.
test: lint deps-postgres deps-chromium web-assets
	$(GO) run ./testkit/testpg -- $(GO) test $(TEST_FLAGS) $(PKGS)
	$(GO) test -run '^$$' -fuzz '^FuzzCSVReader$$' -fuzztime 10s $(FUZZ_MIN) ./importer/
	$(GO) test -run '^$$' -fuzz '^FuzzXLSXReader$$' -fuzztime 10s $(FUZZ_MIN) ./importer/

# The attack suite (one file per attack class, web/attack_*_test.go) runs in
# `make test`; this prints its "attack class → attempts → refused" lines.
attack: deps-postgres web-assets
	$(GO) run ./testkit/testpg -- $(GO) test -count=1 -run '^TestAttack' -v ./web/ | grep -E 'attack summary|^(ok|FAIL|--- FAIL)'

# staticcheck is a pinned tool, built once into bin/tools from the Go module
# proxy like any module.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := bin/tools/staticcheck-$(STATICCHECK_VERSION)
$(STATICCHECK):
	mkdir -p bin/tools
	GOBIN=$(abspath bin/tools) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv bin/tools/staticcheck $@

# lint: formatting, vet, staticcheck and the import direction
# (internal/layers: tables, pages and importer import nothing of engine/, web
# reaches no storage). The web package embeds the npm assets, so they come
# first.
lint: web-assets $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './var/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)
	$(GO) test -count=1 ./internal/layers/

# The pop benchmarks share one million-customer data set (testkit/benchdata),
# kept in a PostgreSQL cluster of its own under var/bench-pops: built once
# (a few minutes), reused by every later run. bench/popbench starts that
# cluster, runs the sustained pops against `screenpop serve` (10, 50 and 200
# concurrent, 30 s each; POPBENCH_FLAGS adds flags such as -profile), then
# the Go benchmarks of the packages (tables, pages, web) with
# SCREENPOP_BENCH_DSN naming the same data set. Packages run one at a time
# (-p 1): on a small machine, two packages' benchmarks at once measure each
# other.
bench: deps-postgres web-assets
	mkdir -p bin
	$(GO) build -o bin/screenpop ./cmd/screenpop
	$(GO) build -o bin/popbench ./bench/popbench
	bin/popbench -binary bin/screenpop $(POPBENCH_FLAGS) -- $(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -timeout 60m $(PKGS)
	GO=$(GO) bash bench/import.sh

# --- what a fresh machine lacks -------------------------------------------

# PostgreSQL server binaries (initdb, postgres) for the embedded cluster and
# the test server. Not needed when DATABASE_URL points at a server, except
# for the tests' throwaway cluster.
deps-postgres:
	@if [ -n "$$SCREENPOP_PG_BINDIR" ] && [ -x "$$SCREENPOP_PG_BINDIR/initdb" ]; then exit 0; fi; \
	if command -v pg_config >/dev/null && [ -x "$$(pg_config --bindir)/initdb" ]; then exit 0; fi; \
	if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi; \
	$(call apt_install,postgresql)

deps-chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	$(call apt_install,chromium fonts-noto-cjk)

# apt_install installs Debian packages as root, or says exactly what to run.
define apt_install
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing $(1) with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $(1) >/dev/null; \
	else \
		echo "missing: $(1). Run:  sudo apt-get install -y $(1)   then run make again."; exit 1; \
	fi
endef

clean:
	rm -rf bin var/test-postgres* var/test-artifacts web/static/vendor node_modules
