# krill — build, test and demo targets. `make demo` and `make test` work on a fresh Debian machine.
SHELL := /bin/bash
SWIFT ?= swift
DEB_PACKAGES := libopenblas-dev libpng-dev libjpeg-dev libyaml-dev libssl-dev libcairo2-dev \
                fonts-dejavu-core libsvm-dev libgif-dev pkg-config
KRILL := .build/release/krill
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all setup build test demo bench clean contact-sheet

all: build

## setup: install the Debian packages the build needs (idempotent, silent when all are present)
setup:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "krill setup: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## build: release build of the krill binary
build: setup
	$(SWIFT) build -c release --product krill

## test: build and run every test (debug build; end-to-end tests use the built binary)
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2

## demo: build, generate the synthetic plankton set and inspect it
demo: build
	$(KRILL) synth artifacts/demo/synthetic --classes 12 --per-class 40 --size 96 --seed 42
	$(KRILL) inspect artifacts/demo/synthetic
	$(KRILL) synth artifacts/demo/contact-sheet.png --contact-sheet --per-class 6 --size 96 --seed 42
	@echo "demo: images in artifacts/demo/synthetic, contact sheet in artifacts/demo/contact-sheet.png"

## bench: speed of the synthetic generator, the decoder and GEMM
bench: build
	$(KRILL) bench synth
	$(KRILL) bench decode
	$(KRILL) bench gemm

## contact-sheet: re-record docs/synthetic-contact-sheet.png
contact-sheet: build
	$(KRILL) synth docs/synthetic-contact-sheet.png --contact-sheet --classes 13 --per-class 6 --size 64 --seed 7

clean:
	rm -rf .build artifacts
