# Browser / edge face (bindings-wasm): included from the root Makefile, run from the repo root.
#   make wasm-test   builds the wasm bundle into bindings-node/wasm/ (failing above 100 KB
#                    gzip), runs the Node face's vector and sandbox suites over the wasm build,
#                    then a real headless Chromium against the sandbox.
#   make wasm-demo   runs examples/browser in headless Chromium against ERP_BASE_URL /
#                    ERP_API_KEY (the sandbox must allow the page's origin: --cors-origin).

WASM_DIR := bindings-wasm
WASM_DEFAULT_SANDBOX := $(CURDIR)/target/debug/erp-sandbox
ERP_SANDBOX_BIN ?= $(WASM_DEFAULT_SANDBOX)

.PHONY: wasm-tools wasm-build wasm-test wasm-demo

wasm-tools:
	@rustup target add wasm32-unknown-unknown >/dev/null
	@if [ ! -x $(WASM_DIR)/tools/node_modules/.bin/esbuild ] || \
	    [ $(WASM_DIR)/tools/package-lock.json -nt $(WASM_DIR)/tools/node_modules/.package-lock.json ]; then \
	  cd $(WASM_DIR)/tools && npm ci --no-audit --no-fund --loglevel=error; fi
	@[ -x /usr/bin/chromium ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

wasm-build: wasm-tools
	bash $(WASM_DIR)/build.sh

wasm-test: wasm-build
	@if [ "$(ERP_SANDBOX_BIN)" = "$(WASM_DEFAULT_SANDBOX)" ]; then $(CARGO) build -q -p erp-sandbox; fi
	cd bindings-node && ERP_SANDBOX_BIN="$(ERP_SANDBOX_BIN)" ERP_API_CLIENT_BACKEND=wasm \
	  node --require ../$(WASM_DIR)/test/use-wasm.cjs --test test/vectors.test.js test/sandbox.test.js
	ERP_SANDBOX_BIN="$(ERP_SANDBOX_BIN)" node --test $(WASM_DIR)/test/browser.test.mjs
	@echo "wasm-test: passed"

wasm-demo: wasm-build
	node examples/browser/run.mjs
