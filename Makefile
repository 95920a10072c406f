# Warren: the commands people run. `make help` lists them.
SHELL := /bin/bash
BROKER_STATE ?= $(CURDIR)/.broker
export WARREN_BROKER_STATE := $(BROKER_STATE)

.PHONY: help demo test build release rawc bench bench-all broker-start broker-stop clean check-deploy install install-systemd

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

demo: ## the isolation experiment: kill and freeze a consumer under load, async vs sync, with a report
	bash scripts/demo

test: ## install what is needed, start a private broker, run all tests (what CI runs)
	bash scripts/test

build: ## debug build
	swift build

release: ## release build of producer, consumer and warren (static Swift runtime, as deployed)
	bash scripts/install-deps
	swift build -c release --static-swift-stdlib --product producer
	swift build -c release --static-swift-stdlib --product consumer
	swift build -c release --static-swift-stdlib --product warren

rawc: Benchmarks/rawc/rawc ## build the raw C rabbitmq-c loop used by the benchmarks

Benchmarks/rawc/rawc: Benchmarks/rawc/rawc.c
	cc -O2 -Wall -o $@ $< $$(pkg-config --cflags --libs librabbitmq)

bench: rawc ## library benchmark: Warren vs raw C, pika and aio-pika, same broker, same run
	bash scripts/install-deps
	swift build -c release --product warren
	bash scripts/bench

bench-all: rawc ## every benchmark (library, producer, drain, backlog) and the charts in docs/charts (~45 min)
	bash scripts/bench-all

check-deploy: ## check docker-compose.yml, deploy/Dockerfile, the systemd units and the install script
	bash scripts/check-deploy

install-systemd: ## build and install binaries, systemd units and /etc/warren (PREFIX=/usr/local, DESTDIR=)
	bash scripts/install-systemd $(if $(PREFIX),--prefix $(PREFIX)) $(if $(DESTDIR),--destdir $(DESTDIR))

install: install-systemd ## same as install-systemd

broker-start: ## start the development broker (prints its URL)
	bash scripts/broker start

broker-stop: ## stop the development broker
	bash scripts/broker stop

clean: broker-stop ## remove build outputs and broker state
	rm -rf .build .build-tsan Benchmarks/rawc/rawc .broker .broker-test
