#!/usr/bin/env bash
# Usage: with-sandbox.sh CMD...
# Starts $ERP_SANDBOX_BIN (default <repo>/target/debug/erp-sandbox) on a free port with a
# temporary database (plus $ERP_SANDBOX_ARGS), exports ERP_BASE_URL and ERP_API_KEY, runs CMD, and always stops it.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${ERP_SANDBOX_BIN:-$repo/target/debug/erp-sandbox}"
dir="$(mktemp -d /tmp/erp-php-sandbox.XXXXXX)"
"$bin" --listen 127.0.0.1:0 --db "$dir/s.db" --test-controls ${ERP_SANDBOX_ARGS:-} >"$dir/out" 2>"$dir/err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do
  grep -q 'listening on' "$dir/out" && break
  kill -0 "$pid" 2>/dev/null || { echo "the sandbox exited:" >&2; cat "$dir/err" >&2; exit 1; }
  sleep 0.1
done
ERP_API_KEY="$(sed -n 's/^api key: //p' "$dir/out")"
ERP_BASE_URL="$(sed -n 's/^listening on //p' "$dir/out")"
export ERP_API_KEY ERP_BASE_URL
"$@"
