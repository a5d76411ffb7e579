#!/usr/bin/env bash
# `make dist`: packs every artifact into dist/ from the face builds (python-wheel, node-build,
# wasm-build, php-build, which the Makefile runs first), then prints the size table against the
# budgets of docs/design (Footprint) and fails if anything is over.
#
#   dist/erp-api-client-<v>.crate          cargo package -p erp-api-client
#   dist/erp_api_client-<v>-*.whl          the Python wheel (maturin)
#   dist/erp-api-client-<v>.tgz            npm pack: native addon, lib/, index files, wasm/
#   dist/erp-api-client-php-<v>.zip        the Composer package erp/api-client: src-php/,
#                                          include/, lib/<platform>/*.so (no Rust sources)
#
# The version is the workspace's ([workspace.package] in Cargo.toml); the crate and the wheel
# take it from there, the Composer archive gets it stamped into its composer.json, and
# scripts/dist-check.sh fails if bindings-node/package.json says otherwise.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
dist="$root/dist"
tmp="$(mktemp -d /tmp/erp-dist.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

version="$(python3 -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["workspace"]["package"]["version"])')"
echo "dist: erp-api-client $version"
rm -rf "$dist" && mkdir -p "$dist"

# --- Rust crate ---------------------------------------------------------------------------
cargo package -q -p erp-api-client --allow-dirty --no-verify
cp "target/package/erp-api-client-$version.crate" "$dist/"

# --- Python wheel -------------------------------------------------------------------------
shopt -s nullglob
wheels=(target/python/wheels/erp_api_client-"$version"-*.whl)
if [ "${#wheels[@]}" -ne 1 ]; then
  echo "dist: expected one wheel erp_api_client-$version-*.whl in target/python/wheels/ (run make python-wheel); found: $(ls target/python/wheels/ 2>/dev/null | tr '\n' ' ')" >&2
  exit 1
fi
cp "${wheels[0]}" "$dist/"

# --- npm tarball --------------------------------------------------------------------------
(cd bindings-node && npm pack --silent --pack-destination "$dist" >/dev/null)
tgz="$dist/erp-api-client-$(node -p 'require("./bindings-node/package.json").version').tgz"
[ -f "$tgz" ] || { echo "dist: npm pack did not produce $tgz" >&2; exit 1; }
mkdir "$tmp/npm" && tar -xzf "$tgz" -C "$tmp/npm"
npm_pkg="$tmp/npm/package"
for f in index.js index.mjs index.d.ts native.js lib/api.js lib/errors.js \
         wasm/erp-api-client.browser.mjs wasm/erp_api_client_wasm_bg.wasm; do
  [ -f "$npm_pkg/$f" ] || { echo "dist: $f missing from the npm tarball (bindings-node/package.json \"files\")" >&2; exit 1; }
done
addons=("$npm_pkg"/*.node)
[ "${#addons[@]}" -ge 1 ] || { echo "dist: no native .node in the npm tarball (run make node-build)" >&2; exit 1; }

# --- Composer package archive -------------------------------------------------------------
php_libs=(php-ext/lib/*/liberp_api_client_ffi.so)
[ "${#php_libs[@]}" -ge 1 ] || { echo "dist: no php-ext/lib/<platform>/liberp_api_client_ffi.so (run make php-build)" >&2; exit 1; }
stage="$tmp/php"
mkdir -p "$stage"
cp -r php-ext/src-php php-ext/include php-ext/lib php-ext/README.md "$stage/"
# The archive's composer.json: the repository's, with the workspace version (an artifact
# repository needs one; the repository's own file leaves it out, as Packagist recommends).
python3 - "$version" php-ext/composer.json "$stage/composer.json" <<'PY'
import json, sys
version, src, dst = sys.argv[1:]
data = json.load(open(src))
out = {}
for key, value in data.items():
    out[key] = value
    if key == "description":
        out["version"] = version
out.pop("autoload-dev", None)  # tests/ is not shipped
json.dump(out, open(dst, "w"), indent=4)
open(dst, "a").write("\n")
PY
php_zip="$dist/erp-api-client-php-$version.zip"
(cd "$stage" && zip -q -r -X "$php_zip" composer.json README.md src-php include lib)

# --- Sizes against the budgets ------------------------------------------------------------
mkdir "$tmp/whl" && (cd "$tmp/whl" && unzip -q "$dist/$(basename "${wheels[0]}")")
mkdir "$tmp/phpzip" && (cd "$tmp/phpzip" && unzip -q "$php_zip")

KB=1024; MB=$((1024 * 1024))
fail=0
printf '\n%-56s %12s %12s  %s\n' "artifact (from dist/)" "bytes" "budget" "status"
row() { # name size budget
  local status=ok
  if [ "$2" -gt "$3" ]; then status="OVER BUDGET"; fail=1; fi
  printf '%-56s %12d %12d  %s\n' "$1" "$2" "$3" "$status"
}
wasm_gz=$(gzip -9c "$npm_pkg/wasm/erp_api_client_wasm_bg.wasm" | wc -c)
js_gz=$(gzip -9c "$npm_pkg/wasm/erp-api-client.browser.mjs" | wc -c)
row "browser bundle (wasm + JS glue, gzip -9)" $((wasm_gz + js_gz)) $((100 * KB))
row "python wheel" "$(stat -c %s "${wheels[0]}")" $((2 * MB))
for a in "${addons[@]}"; do row "node addon $(basename "$a")" "$(stat -c %s "$a")" $((4 * MB)); done
for l in "$tmp"/phpzip/lib/*/liberp_api_client_ffi.so; do
  row "php library lib/$(basename "$(dirname "$l")")/$(basename "$l")" "$(stat -c %s "$l")" $((4 * MB))
done
row "python sources (.py + .pyi)" "$(find "$tmp/whl/erp_api_client" \( -name '*.py' -o -name '*.pyi' \) -exec cat {} + | wc -c)" $((100 * KB))
row "node JS + .d.ts sources" "$(cd "$npm_pkg" && cat index.js index.mjs native.js lib/*.js index.d.ts | wc -c)" $((100 * KB))
row "php sources (src-php/**/*.php)" "$(find "$tmp/phpzip/src-php" -name '*.php' -exec cat {} + | wc -c)" $((100 * KB))
printf '\n'
ls -l "$dist" | tail -n +2 | awk '{printf "  %10d  dist/%s\n", $5, $9}'
if [ "$fail" -ne 0 ]; then echo "dist: an artifact is over its size budget" >&2; exit 1; fi
echo "dist: all artifacts within budget"
