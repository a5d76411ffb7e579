#!/usr/bin/env bash
# Starts erp-sandbox on a free 127.0.0.1 port with a temporary database, exports
# ERP_BASE_URL and ERP_API_KEY, runs the given command, and always stops the sandbox.
#   scripts/with-sandbox.sh [--bin PATH] [--] command args...
set -euo pipefail
bin="${ERP_SANDBOX_BIN:-target/debug/erp-sandbox}"
if [ "${1:-}" = "--bin" ]; then bin="$2"; shift 2; fi
[ "${1:-}" = "--" ] && shift
[ -x "$bin" ] || { echo "with-sandbox: $bin not found; build it with: cargo build -p erp-sandbox" >&2; exit 2; }

dir=$(mktemp -d)
out="$dir/stdout"
read -r -a extra <<<"${SANDBOX_ARGS:-}"   # word-split, never glob-expanded (`--cors-origin *`)
"$bin" --listen 127.0.0.1:0 --db "$dir/sandbox.db" "${extra[@]}" >"$out" 2>"$dir/stderr" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

for _ in $(seq 1 200); do
  grep -q '^listening on ' "$out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "with-sandbox: the sandbox exited:" >&2; cat "$dir/stderr" >&2; exit 1; }
  sleep 0.05
done
ERP_BASE_URL=$(sed -n 's/^listening on //p' "$out" | head -n1)
ERP_API_KEY=$(sed -n 's/^api key: //p' "$out" | head -n1)
[ -n "$ERP_BASE_URL" ] && [ -n "$ERP_API_KEY" ] || { echo "with-sandbox: no address or key printed" >&2; cat "$out" "$dir/stderr" >&2; exit 1; }
export ERP_BASE_URL ERP_API_KEY
"$@"
