# Every command a person needs. The README shows the two that matter: `make run`, `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
PRODUCTS ?= 10000
ENV := . .data/env

.PHONY: run test deps build migrate seed generate compose bench audit fuzz clean
.PHONY: bench-gateways
.PHONY: bench-checkout bench-search graphiql

## run: start Postgres and Redis, migrate, seed the demo store if empty, serve everything
run: deps build
	$(ENV); bin/shopgraph migrate
	$(ENV); bin/shopgraph seed --if-empty --products $(PRODUCTS)
	$(ENV); exec bin/shopgraph serve

## test: start Postgres and Redis, vet, and run every test with the race detector (the GraphiQL
## test drives Chromium, installed with apt when missing, through playwright-core from npm)
test: deps
	@bash scripts/browser-tools.sh
	$(ENV); $(GO) vet ./...
	$(ENV); CI=$${CI:-1} $(GO) test -race -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=20s

## fuzz: fuzz the gateway's parse-validate-plan path (FUZZTIME=10m for a long run)
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseValidatePlan -fuzztime $(FUZZTIME) ./gateway/plan

deps:
	@bash scripts/deps.sh >/dev/null
	@bash scripts/test-tools.sh
	@bash scripts/stripe-mock.sh

build:
	$(GO) build -o bin/shopgraph ./cmd/shopgraph

migrate: deps build
	$(ENV); bin/shopgraph migrate

seed: deps build migrate
	$(ENV); bin/shopgraph seed --products $(PRODUCTS)

## generate: regenerate gqlgen code for every subgraph, then the supergraph
generate:
	$(GO) generate ./...
	$(GO) run ./cmd/shopgraph compose

compose:
	$(GO) run ./cmd/shopgraph compose

## graphiql: refresh the GraphiQL assets the binary embeds from npm (versions in scripts/graphiql.sh)
graphiql:
	bash scripts/graphiql.sh

## bench: Go benchmarks for the hot paths (allocations reported)
bench: deps
	$(ENV); $(GO) test -run '^$$' -bench . -benchmem ./...

## audit: run the Federation Gateway Audit against our gateway
audit:
	bash scripts/audit.sh

clean:
	rm -rf bin

## bench-gateways: ShopGraph's gateway beside Hive Gateway (also with the Rust planner) and Apollo
## Gateway on the same subgraphs and load, both modes; writes docs/benchmarks.md and the chart.
## Shorter runs: make bench-gateways BENCH_FLAGS='-d 5s -warmup 2s'
BENCH_FLAGS ?=
bench-gateways:
	mkdir -p .data/bench
	$(GO) build -o .data/bench/shopgraph ./cmd/shopgraph
	$(GO) build -o .data/bench/subgraphs ./bench/cmd/subgraphs
	$(GO) build -o .data/bench/gateways ./bench/cmd/gateways
	$(GO) build -o .data/bench/gateway-pprof ./bench/cmd/gateway-pprof
	bash bench/peers/install.sh || echo "bench: the peer gateways did not install; they will be skipped"
	$$(command -v taskset >/dev/null && echo taskset -c 0) .data/bench/gateways $(BENCH_FLAGS)

## bench-checkout: checkouts, then a flash sale, through the gateway of a running store (`make run`)
## and its in-process subgraphs, Postgres and Redis. Bigger runs:
## make bench-checkout CHECKOUT_FLAGS='-n 2000 -c 64' FLASH_FLAGS='-units 200 -attempts 5000'
CHECKOUT_URL ?= http://127.0.0.1:4000/graphql
CHECKOUT_FLAGS ?= -n 1000 -c 32
FLASH_FLAGS ?= -units 100 -attempts 2000 -c 64
bench-checkout:
	$(GO) run ./bench/checkout -url $(CHECKOUT_URL) $(CHECKOUT_FLAGS)
	$(GO) run ./bench/checkout -url $(CHECKOUT_URL) -flash $(FLASH_FLAGS)

## bench-search: the search mix straight to the search subgraph and through the gateway of a
## running store (`make run`, or a bigger one: make seed PRODUCTS=1000000), then freshness from
## restocks. SEARCH_FLAGS='-n 500 -fresh 50' for longer runs.
SEARCH_URL ?= http://127.0.0.1:4000
SEARCH_FLAGS ?= -n 200 -fresh 30
bench-search:
	$(GO) run ./bench/search -url $(SEARCH_URL) $(SEARCH_FLAGS)

## bench-edge: persisted GETs without cache, from the in-process and Redis tiers, and the partner endpoint, against the running store
bench-edge: build
	$(ENV); $(GO) run ./bench/edge -bin bin/shopgraph
