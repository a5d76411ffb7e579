# Node face (bindings-node): included from the root Makefile, run from the repo root.
#   make node-test   installs the npm tools, builds the napi addon, runs every test
#                    (vectors + sandbox integration), type-checks a usage file with
#                    `tsc --strict`, and enforces the size budgets.
#   make node-demo   runs examples/node/quickstart.mjs against ERP_BASE_URL / ERP_API_KEY.

NODE_DIR := bindings-node
CARGO ?= cargo
# A target dir of its own: the addon is built with panic=unwind (so a Rust panic becomes an
# ErpError instead of aborting Node), which must not thrash other release builds.
NODE_CARGO_TARGET ?= $(CURDIR)/target/node
NODE_DEFAULT_SANDBOX := $(CURDIR)/target/debug/erp-sandbox
ERP_SANDBOX_BIN ?= $(NODE_DEFAULT_SANDBOX)
NODE_ADDON_MAX_BYTES := 4194304
NODE_SRC_MAX_BYTES := 102400
NODE_SOURCES := index.js index.mjs native.js lib/api.js lib/errors.js index.d.ts

.PHONY: node-test node-demo node-build node-tools node-size

# `npm install` from the committed package-lock.json (same versions as `npm ci`): `npm ci`
# refuses the lock because the registry mirror has no other-platform optional packages of
# @napi-rs/cli's dependencies, so they cannot be recorded in it.
node-tools:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || \
	  { apt-get update && apt-get install -y nodejs npm; }
	@if [ ! -f $(NODE_DIR)/node_modules/.package-lock.json ] || \
	    [ $(NODE_DIR)/package-lock.json -nt $(NODE_DIR)/node_modules/.package-lock.json ]; then \
	  cd $(NODE_DIR) && npm install --no-audit --no-fund --loglevel=error; \
	fi

# The hot paths at opt-level 3 (the workspace's "z" makes HMAC-SHA256 and JSON several times
# slower, and verify() should be no slower than node:crypto); the rest stays small (+85 KB).
NODE_CARGO_FLAGS := $(foreach p,sha2 hmac serde_json erp-api-client napi,\
  --config 'profile.release.package.$(p).opt-level=3')

node-build: node-tools
	cd $(NODE_DIR) && CARGO_TARGET_DIR=$(NODE_CARGO_TARGET) CARGO_PROFILE_RELEASE_PANIC=unwind \
	  npx napi build --release --platform --no-js --dts native.d.ts -- $(NODE_CARGO_FLAGS)

node-size: node-build
	@addon=$$(ls $(NODE_DIR)/*.node | head -n1); size=$$(stat -c %s "$$addon"); \
	  echo "node addon: $$addon $$size bytes (budget $(NODE_ADDON_MAX_BYTES))"; \
	  [ "$$size" -le $(NODE_ADDON_MAX_BYTES) ] || { echo "node addon over budget"; exit 1; }
	@size=$$(cd $(NODE_DIR) && cat $(NODE_SOURCES) | wc -c); \
	  echo "node JS + .d.ts sources: $$size bytes (budget $(NODE_SRC_MAX_BYTES))"; \
	  [ "$$size" -le $(NODE_SRC_MAX_BYTES) ] || { echo "node sources over budget"; exit 1; }

node-test: node-build node-size
	@# the default sandbox path is (re)built here (incremental); an explicit ERP_SANDBOX_BIN is used as is
	@if [ "$(ERP_SANDBOX_BIN)" = "$(NODE_DEFAULT_SANDBOX)" ]; then $(CARGO) build -p erp-sandbox; fi
	cd $(NODE_DIR) && ERP_SANDBOX_BIN="$(ERP_SANDBOX_BIN)" node --test test/*.test.js test/*.test.mjs
	cd $(NODE_DIR) && npx tsc --noEmit --strict -p test/types
	@echo "node-test: passed"

node-demo: node-build
	@mkdir -p examples/node/node_modules
	@ln -sfn ../../../$(NODE_DIR) examples/node/node_modules/erp-api-client
	node examples/node/quickstart.mjs
