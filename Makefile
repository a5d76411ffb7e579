# erp-api-client: the two commands are `make demo` and `make test`.
# Every target installs what it needs on a fresh machine (Rust components and targets, a local
# Python venv under .venv/, npm packages, Debian packages for PHP and Chromium).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
export CARGO_TERM_COLOR ?= never

.PHONY: test demo demo-build tools venv fmt fmt-check clippy clippy-wasm cargo-test spec-check \
	rust-test bench-sandbox docs-test dist dist-check bench bench-quick bench-tools

test: rust-test spec-check python-test node-test wasm-test php-test docs-test dist-check
	@echo "make test: all checks passed"

# The language faces: each fragment defines <lang>-test and <lang>-demo.
include bindings-python/face.mk
include bindings-node/face.mk
include bindings-wasm/face.mk
include php-ext/face.mk

rust-test: tools fmt-check clippy clippy-wasm cargo-test

tools:
	@rustup component add rustfmt clippy >/dev/null 2>&1 || true
	@rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true

$(VPY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.spec-tools: | $(VPY)
	$(VPY) -m pip install --quiet "openapi-spec-validator>=0.7,<1" pyyaml
	touch $@

venv: $(VENV)/.spec-tools

fmt-check:
	$(CARGO) fmt --all --check

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The core and the browser face as they are built for the browser.
clippy-wasm:
	$(CARGO) clippy -p erp-api-client -p erp-api-client-wasm --target wasm32-unknown-unknown -- -D warnings

cargo-test:
	$(CARGO) test --workspace

spec-check: venv
	$(VENV)/bin/openapi-spec-validator spec/openapi.yaml
	$(VPY) spec/vectors/gen_signatures.py --check
	$(VPY) spec/check_vectors.py

# One sandbox, the same quickstart in Rust, Python, Node, the browser (headless) and PHP.
demo: demo-build
	SANDBOX_ARGS="--cors-origin *" scripts/with-sandbox.sh scripts/demo-run.sh

demo-build: tools
	$(CARGO) build -q -p erp-sandbox -p erp-quickstart
	$(MAKE) -s python-wheel node-build wasm-build php-build
	@mkdir -p examples/node/node_modules
	@ln -sfn ../../../bindings-node examples/node/node_modules/erp-api-client
	cd examples/php && COMPOSER_ALLOW_SUPERUSER=1 composer install --no-interaction --no-progress --quiet

# Every code block of the guides in docs/ (python, js, php, rust), run against one sandbox.
docs-test:
	SANDBOX_ARGS="--cors-origin *" scripts/with-sandbox.sh .venv/bin/python scripts/run-doc-blocks.py

# Every face against what its users would use instead, against one sandbox: writes
# bench/RESULTS.md (not part of `make test`). bench-quick is a smoke run with a tenth of the calls.
bench: bench-build
	$(VPY) bench/run.py

bench-quick: bench-build
	$(VPY) bench/run.py --quick --out target/bench-quick.md

bench-build: tools bench-tools python-wheel node-build php-build
	$(CARGO) build --profile perf -p erp-sandbox -p erp-bench
	$(CARGO) test --profile perf -p erp-sandbox --test bench --no-run

$(VENV)/.bench-tools: | $(VPY)
	$(VPY) -m pip install --quiet "requests>=2.31,<3" "httpx>=0.27,<1" "aiohttp>=3.9,<4"
	touch $@

bench-tools: $(VENV)/.bench-tools
	@if ! command -v wrk >/dev/null || ! command -v php >/dev/null || ! php -m | grep -qx curl; then \
	  echo "bench-tools: installing wrk php8.2-cli php8.2-curl"; \
	  $(PHP_SUDO) apt-get update; \
	  DEBIAN_FRONTEND=noninteractive $(PHP_SUDO) apt-get install -y wrk php8.2-cli php8.2-curl; \
	fi

bench-sandbox:
	$(CARGO) test -p erp-sandbox --release --test bench -- --ignored --nocapture --test-threads 1

# Every artifact packed into dist/ (crate, wheel, npm tarball, Composer archive) with the size
# table against the budgets; dist-check installs each one from dist/ into a clean temporary
# environment (venv, npm project, Composer project, cargo project) and checks the versions.
dist: python-wheel node-build wasm-build php-build
	scripts/dist.sh

dist-check: dist
	scripts/dist-check.sh
