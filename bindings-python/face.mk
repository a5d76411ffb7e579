# Python face (issue 4): included from the root Makefile (which defines SHELL, VENV, VPY, CARGO).
#   make python-test   build the release wheel, install it into .venv, run pytest (vectors +
#                      sandbox), stubtest + mypy --strict, and enforce the size budgets.
#   make python-demo   run examples/python/quickstart.py against ERP_BASE_URL / ERP_API_KEY.

PY_DIR := bindings-python
# Own target dir: the wheel is built with panic=unwind (PyO3 turns panics into exceptions),
# which must not invalidate the workspace's panic=abort release builds.
PY_CARGO_TARGET ?= $(CURDIR)/target/python
PY_WHEEL_DIR := $(PY_CARGO_TARGET)/wheels
PY_SANDBOX_BIN ?= $(if $(ERP_SANDBOX_BIN),$(ERP_SANDBOX_BIN),$(CURDIR)/target/debug/erp-sandbox)
PY_WHEEL_MAX_BYTES := 2097152
PY_SOURCE_MAX_BYTES := 102400

.PHONY: python-test python-demo python-wheel python-tools python-size

$(VENV)/.python-face-tools: | $(VPY)
	$(VPY) -m pip install --quiet "maturin>=1.16,<2" "pytest>=7" "mypy>=1.10"
	touch $@

python-tools: $(VENV)/.python-face-tools

# The hot paths at opt-level 3, as in the Node and PHP faces: the workspace's "z" makes
# HMAC-SHA256 several times slower, and Webhook.verify_signature() should be no slower than
# hmac + hashlib; the rest stays small.
PY_CARGO_FLAGS := $(foreach p,sha2 hmac erp-api-client,--config 'profile.release.package.$(p).opt-level=3')

python-wheel: python-tools
	rm -rf $(PY_WHEEL_DIR)
	CARGO_TARGET_DIR=$(PY_CARGO_TARGET) CARGO_PROFILE_RELEASE_PANIC=unwind \
		$(VENV)/bin/maturin build --release -m $(PY_DIR)/Cargo.toml --out $(PY_WHEEL_DIR) $(PY_CARGO_FLAGS)
	$(VPY) -m pip install --quiet --force-reinstall --no-deps $(PY_WHEEL_DIR)/*.whl

python-size: python-wheel
	@wheel=$$(ls $(PY_WHEEL_DIR)/*.whl); size=$$(stat -c %s "$$wheel"); \
	echo "python wheel: $$size bytes (budget $(PY_WHEEL_MAX_BYTES), goal 1258291) $$wheel"; \
	test "$$size" -le $(PY_WHEEL_MAX_BYTES) || { echo "python wheel over budget"; exit 1; }
	@src=$$(cat $(PY_DIR)/erp_api_client/*.py $(PY_DIR)/erp_api_client/*.pyi | wc -c); \
	echo "python sources: $$src bytes (budget $(PY_SOURCE_MAX_BYTES))"; \
	test "$$src" -le $(PY_SOURCE_MAX_BYTES) || { echo "python sources over budget"; exit 1; }

python-test: python-size
	@[ -x "$(PY_SANDBOX_BIN)" ] || $(CARGO) build -p erp-sandbox
	ERP_SANDBOX_BIN=$(PY_SANDBOX_BIN) $(VPY) -m pytest -q -p no:cacheprovider $(PY_DIR)/tests
	$(VPY) -m mypy.stubtest erp_api_client
	$(VPY) -m mypy --strict --no-incremental $(PY_DIR)/typecheck/typed_usage.py examples/python/quickstart.py
	@echo "python-test: passed"

python-demo: python-wheel
	@[ -n "$${ERP_BASE_URL:-}" ] && [ -n "$${ERP_API_KEY:-}" ] || { echo "set ERP_BASE_URL and ERP_API_KEY"; exit 1; }
	$(VPY) examples/python/quickstart.py
