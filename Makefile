# Warren: the commands people run. `make help` lists them.
SHELL := /bin/bash
BROKER_STATE ?= $(CURDIR)/.broker
export WARREN_BROKER_STATE := $(BROKER_STATE)

.PHONY: help demo test build release rawc bench broker-start broker-stop clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

demo: ## start a private broker and do a publish/consume round trip with the CLI
	bash scripts/demo

test: ## install what is needed, start a private broker, run all tests (what CI runs)
	bash scripts/test

build: ## debug build
	swift build

release: ## release build of warren
	bash scripts/install-deps
	swift build -c release --product warren

rawc: Benchmarks/rawc/rawc ## build the raw C rabbitmq-c loop used by the benchmarks

Benchmarks/rawc/rawc: Benchmarks/rawc/rawc.c
	cc -O2 -Wall -o $@ $< $$(pkg-config --cflags --libs librabbitmq)

bench: release rawc ## library benchmark: Warren vs the raw C loop, same broker, same run
	bash scripts/bench

broker-start: ## start the development broker (prints its URL)
	bash scripts/broker start

broker-stop: ## stop the development broker
	bash scripts/broker stop

clean: broker-stop ## remove build outputs and broker state
	rm -rf .build .build-tsan Benchmarks/rawc/rawc .broker .broker-test
