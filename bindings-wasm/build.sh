#!/usr/bin/env bash
# Builds the browser/edge bundle: cargo (wasm32, size profile) -> wasm-bindgen (exact crate
# version) -> wasm-opt -Oz (npm binaryen; Debian's breaks wasm-bindgen output).
# Output: bindings-wasm/pkg/{erp_api_client_wasm.js,erp_api_client_wasm_bg.wasm,...}
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
wbg_version="$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' "$here/Cargo.toml")"

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | cut -d' ' -f2)" != "$wbg_version" ]; then
  echo "installing wasm-bindgen-cli $wbg_version (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$wbg_version" >/dev/null
fi
if [ ! -x "$here/tools/node_modules/.bin/wasm-opt" ]; then
  (cd "$here/tools" && npm ci --no-audit --no-fund --loglevel=error)
fi

cargo build -p erp-api-client-wasm --target wasm32-unknown-unknown --profile wasm-release
raw="$target_dir/wasm32-unknown-unknown/wasm-release/erp_api_client_wasm.wasm"
pkg="$here/pkg"
rm -rf "$pkg" && mkdir -p "$pkg/web" "$pkg/node"
wasm-bindgen --target web --out-dir "$pkg/web" --out-name erp_api_client_wasm "$raw"
wasm-bindgen --target nodejs --out-dir "$pkg/node" --out-name erp_api_client_wasm "$raw"
"$here/tools/node_modules/.bin/wasm-opt" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  "$pkg/web/erp_api_client_wasm_bg.wasm" -o "$pkg/web/erp_api_client_wasm_bg.wasm"
cp "$pkg/web/erp_api_client_wasm_bg.wasm" "$pkg/node/erp_api_client_wasm_bg.wasm"

# The browser/edge entry of the npm package: glue + the shared JS API, one minified ESM file
# next to the .wasm.
out="$root/bindings-node/wasm"
rm -rf "$out" && mkdir -p "$out"
"$here/tools/node_modules/.bin/esbuild" "$here/js/browser-entry.mjs" --bundle --minify \
  --format=esm --platform=neutral --target=es2022 --log-level=warning \
  --outfile="$out/erp-api-client.browser.mjs"
cp "$pkg/web/erp_api_client_wasm_bg.wasm" "$out/"

# Size budget: wasm + JS glue, gzip -9, at most 100 KB (goal 60 KB).
wasm_gz=$(gzip -9c "$out/erp_api_client_wasm_bg.wasm" | wc -c)
js_gz=$(gzip -9c "$out/erp-api-client.browser.mjs" | wc -c)
total=$((wasm_gz + js_gz))
printf 'browser bundle: wasm %d bytes (%d gzip), JS %d bytes (%d gzip), total %d bytes gzip -9 (budget 102400, goal 61440)\n' \
  "$(stat -c %s "$out/erp_api_client_wasm_bg.wasm")" "$wasm_gz" "$(stat -c %s "$out/erp-api-client.browser.mjs")" "$js_gz" "$total"
if [ "$total" -gt 102400 ]; then echo "browser bundle over the 100 KB budget" >&2; exit 1; fi
