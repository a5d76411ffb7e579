# The PHP face (issue 7): php-ext/ (C-ABI crate + Composer package erp/api-client).
# Included from the root Makefile (SHELL bash, -eu -o pipefail, run from the repo root).
#
#   make php-test   install tools if missing, build the library, check the header, validate
#                   composer.json, PHPUnit (vectors + sandbox), valgrind leak check, install
#                   into a throwaway Composer project and run the quickstart, size budgets
#   make php-demo   run examples/php/quickstart.php against ERP_BASE_URL / ERP_API_KEY
#   (benchmarks: `make bench` at the root runs bench/php/bench.php beside the other faces)

PHP_LIB_FILE       := liberp_api_client_ffi.so
PHP_CARGO_TARGET   := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
PHP_SANDBOX_BIN    := $(or $(ERP_SANDBOX_BIN),$(PHP_CARGO_TARGET)/debug/erp-sandbox)
PHP_LIB_MAX_BYTES  := 4194304
PHP_SRC_MAX_BYTES  := 102400
PHP_SUDO           := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PHP_ENV            := ERP_SANDBOX_BIN=$(PHP_SANDBOX_BIN) COMPOSER_ALLOW_SUPERUSER=1
# Size-optimized like the rest (opt-level "z"), except the hot paths: webhook verification
# and JSON (measured: verify of 1 KB 15.7 us -> 5.0 us, +45 KB) and the HTTP stack
# (218K -> 180K instructions per GET under callgrind, +195 KB).
PHP_O3_PACKAGES    := sha2 hmac serde_json erp-api-client reqwest hyper hyper-util tokio http httparse bytes url
PHP_CARGO_FLAGS    := $(foreach p,$(PHP_O3_PACKAGES),--config profile.release.package.$(p).opt-level=3)
PHP_PLATFORM_CMD   := php -r 'require "php-ext/src-php/Internal/Native.php"; echo Erp\ApiClient\Internal\Native::platform();'

.PHONY: php-test php-demo php-cli php-tools php-build php-header-check php-sandbox-bin

# What building and running the package needs (php, composer); php-tools adds what testing it
# needs (phpunit, valgrind, cbindgen).
php-cli:
	@if ! command -v php >/dev/null || ! command -v composer >/dev/null; then \
	  echo "php-cli: installing php8.2-cli composer"; \
	  $(PHP_SUDO) apt-get update; \
	  DEBIAN_FRONTEND=noninteractive $(PHP_SUDO) apt-get install -y php8.2-cli composer; \
	fi

php-tools: php-cli
	@if ! command -v php >/dev/null || ! command -v composer >/dev/null \
	    || ! command -v phpunit >/dev/null || ! command -v valgrind >/dev/null; then \
	  echo "php-tools: installing php8.2-cli composer phpunit valgrind"; \
	  $(PHP_SUDO) apt-get update; \
	  DEBIAN_FRONTEND=noninteractive $(PHP_SUDO) apt-get install -y php8.2-cli composer phpunit valgrind; \
	fi
	@if ! command -v cbindgen >/dev/null && ! test -x "$(HOME)/.cargo/bin/cbindgen"; then \
	  echo "php-tools: installing cbindgen (once)"; $(CARGO) install cbindgen; \
	fi

# Release build with unwinding, so catch_unwind on every export really catches
# (the workspace release profile says panic = "abort").
php-build: php-cli
	CARGO_PROFILE_RELEASE_PANIC=unwind $(CARGO) build --release -p erp-api-client-ffi $(PHP_CARGO_FLAGS)
	plat="$$($(PHP_PLATFORM_CMD))"; mkdir -p "php-ext/lib/$$plat"; \
	  cp "$(PHP_CARGO_TARGET)/release/$(PHP_LIB_FILE)" "php-ext/lib/$$plat/$(PHP_LIB_FILE)"; \
	  echo "php-build: php-ext/lib/$$plat/$(PHP_LIB_FILE)"

# The committed header must be exactly what cbindgen generates from the code.
php-header-check: php-tools
	tmp="$$(mktemp /tmp/erp_api_client.XXXXXX.h)"; trap 'rm -f "$$tmp"' EXIT; \
	  cbin="$$(command -v cbindgen || echo "$(HOME)/.cargo/bin/cbindgen")"; \
	  (cd php-ext && "$$cbin" --quiet --config cbindgen.toml --crate erp-api-client-ffi --output "$$tmp"); \
	  if ! diff -u php-ext/include/erp_api_client.h "$$tmp"; then \
	    echo "php-header-check: php-ext/include/erp_api_client.h is out of date; regenerate it with:" >&2; \
	    echo "  (cd php-ext && cbindgen --config cbindgen.toml --crate erp-api-client-ffi --output include/erp_api_client.h)" >&2; \
	    exit 1; \
	  fi; echo "php-header-check: include/erp_api_client.h matches cbindgen"

php-sandbox-bin:
	@test -x "$(PHP_SANDBOX_BIN)" || $(CARGO) build -p erp-sandbox

php-test: php-build php-header-check php-sandbox-bin
	cd php-ext && COMPOSER_ALLOW_SUPERUSER=1 composer validate --strict
	cd php-ext && $(PHP_ENV) phpunit -c phpunit.xml.dist
	$(PHP_ENV) php-ext/scripts/leak-check.sh
	$(PHP_ENV) php-ext/scripts/with-sandbox.sh php-ext/scripts/install-check.sh
	@lib="php-ext/lib/$$($(PHP_PLATFORM_CMD))/$(PHP_LIB_FILE)"; \
	  lib_size=$$(stat -c %s "$$lib"); \
	  src_size=$$(find php-ext/src-php -name '*.php' -exec cat {} + | wc -c); \
	  echo "php sizes: library $$lib_size bytes (budget $(PHP_LIB_MAX_BYTES), goal 2621440), PHP sources $$src_size bytes (budget $(PHP_SRC_MAX_BYTES))"; \
	  if [ "$$lib_size" -gt $(PHP_LIB_MAX_BYTES) ]; then echo "php: library over budget" >&2; exit 1; fi; \
	  if [ "$$src_size" -gt $(PHP_SRC_MAX_BYTES) ]; then echo "php: PHP sources over budget" >&2; exit 1; fi
	@echo "php-test: all checks passed"

php-demo: php-build
	@test -n "$${ERP_BASE_URL:-}" && test -n "$${ERP_API_KEY:-}" || { echo "php-demo: set ERP_BASE_URL and ERP_API_KEY" >&2; exit 1; }
	cd examples/php && COMPOSER_ALLOW_SUPERUSER=1 composer install --no-interaction --no-progress --quiet
	php examples/php/quickstart.php
