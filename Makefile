# krill — build, test and demo targets. `make demo` and `make test` work on a fresh Debian machine.
SHELL := /bin/bash
SWIFT ?= swift
DEB_PACKAGES := libopenblas-dev libpng-dev libjpeg-dev libyaml-dev libssl-dev libcairo2-dev \
                fonts-dejavu-core libsvm-dev libgif-dev libfftw3-dev pkg-config
KRILL := .build/release/krill
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all setup build test demo bench bench-scale clean contact-sheet check-report torture fuzz

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
	$(SWIFT) test --skip-build --disable-swift-testing

## torture: the fault-injection test with 200 trials (SIGKILL at random moments until the
## run completes, then a byte-for-byte comparison with an undisturbed run); make test runs 20
torture: setup
	$(SWIFT) build --build-tests
	KRILL_TORTURE_TRIALS=$${KRILL_TORTURE_TRIALS:-200} $(SWIFT) test --skip-build --disable-swift-testing --filter FaultInjectionTests

## fuzz: libFuzzer + AddressSanitizer on the experiment loader, the PNG and JPEG decoders and
## the NPY and CSV readers, FUZZ_SECONDS each (default 60). New inputs go to
## Fuzz/.corpus-<harness>/, crashes to Fuzz/findings/; make test replays Fuzz/Corpus/.
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES := experiment png jpeg npy csv
fuzz: setup
	@# A clean build: incremental sanitizer builds here were seen to lose the coverage counters of
	@# the library modules (205 instead of 5,100), which blinds the fuzzer.
	rm -rf Fuzz/.build && cd Fuzz && $(SWIFT) build --sanitize=fuzzer --sanitize=address
	@mkdir -p Fuzz/findings; status=0; for h in $(FUZZ_HARNESSES); do \
	  mkdir -p Fuzz/.corpus-$$h; echo "fuzz: $$h for $(FUZZ_SECONDS) s"; \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/Fuzz/lsan.supp Fuzz/.build/debug/fuzz-$$h -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=Fuzz/findings/$$h- \
	    Fuzz/.corpus-$$h Fuzz/Corpus/$$h 2>&1 | grep -E "^(stat::|Done|==|.*Fatal error|.*Test unit written)" || status=1; \
	done; ls Fuzz/findings | grep -q . && { echo "fuzz: findings in Fuzz/findings/"; exit 1; } || echo "fuzz: no findings"

## bench-scale: krill at ZooScanNet scale (bench/scale.sh): per-stage time, peak memory and
## disk at 25,000 and 250,000 synthetic JPEGs, the fingerprint of a 1.4-million-file tree,
## rescale beside ImageMagick and Pillow. Hours and ~10 GB of disk; SIZES/TREE scale it down.
bench-scale: build
	bash bench/scale.sh

## demo: build, then run experiments/demo.yaml on the built-in synthetic plankton
demo: build
	$(KRILL) run experiments/demo.yaml
	@echo "demo: results in artifacts/runs/demo/latest/ (open report.html there)"

## bench: krill's speed side by side with the peers a lab would otherwise use (medians and
## ratios). Installs PyTorch (CPU), TensorFlow, scikit-learn and openTSNE into bench/.venv
## the first time (a few GB from PyPI).
bench: build
	$(KRILL) bench synth
	$(KRILL) bench decode
	$(KRILL) bench gemm
	rm -rf artifacts/bench-fingerprint && $(KRILL) synth artifacts/bench-fingerprint --classes 13 --per-class 1540 --size 64 >/dev/null
	$(KRILL) bench fingerprint artifacts/bench-fingerprint
	bash bench/peers/setup.sh
	bash bench/peers/setup_evaluators.sh
	bash bench/convnet.sh 2
	bench/.venv/bin/python bench/peers/evaluators.py --krill $(KRILL) --repeat 3
	bench/.venv/bin/python bench/peers/export_check.py --krill $(KRILL)
	bench/.venv/bin/python bench/peers/embed_speed.py --krill $(KRILL) --repeat 3

## check-report: run smoke.yaml and open its report.html in headless Chromium (installs chromium if missing)
check-report: build
	rm -rf artifacts/check-report
	$(KRILL) run experiments/smoke.yaml --artifacts artifacts/check-report
	bash tools/check_report.sh artifacts/check-report/runs/smoke/latest/report.html

## contact-sheet: re-record docs/synthetic-contact-sheet.png
contact-sheet: build
	$(KRILL) synth --contact-sheet docs/synthetic-contact-sheet.png --classes 13 --sheet-columns 8 --size 64 --seed 7

clean:
	rm -rf .build artifacts
