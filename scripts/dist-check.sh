#!/usr/bin/env bash
# `make dist-check` (part of `make test`): every artifact in dist/ installs and imports in a clean
# temporary environment, and every face carries the one version of the workspace.
#   versions  Cargo.toml [workspace.package] is the one place; package.json must match it,
#             pyproject.toml must take it from Cargo (dynamic), composer.json must not set one
#             (dist.sh stamps it into the archive)
#   python    fresh venv, pip install dist/*.whl (no index), import, sign + verify
#   node      fresh npm project, npm install dist/*.tgz, require() + import, sign + verify
#   php       throwaway Composer project, path repository to the unpacked dist/ zip (no
#             Packagist), autoload, sign + verify through the bundled library
#   rust      temp cargo project with a path dependency on the unpacked dist/*.crate, build, run
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
dist="$root/dist"
tmp="$(mktemp -d /tmp/erp-dist-check.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
secs() { echo $(( $(date +%s) - t0 ))s; }

version="$(python3 -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["workspace"]["package"]["version"])')"
secret='whsec_iynPBYhG5AYEtJHRosmnh07BimJ7HFWIBSPHE2gZY4c='
body='{"id":"evt_1","type":"company.created","data":{"id":"cmp_1"}}'
export ERP_CHECK_SECRET="$secret" ERP_CHECK_BODY="$body" ERP_CHECK_VERSION="$version"

# --- One version, set in one place: Cargo.toml [workspace.package] ------------------------
bad=0
mismatch() { echo "dist-check: version mismatch: $1 (workspace version $version is set in Cargo.toml [workspace.package]); fix $2" >&2; bad=1; }
pkg_version="$(node -p 'require("./bindings-node/package.json").version')"
[ "$pkg_version" = "$version" ] || mismatch "bindings-node/package.json has \"version\": \"$pkg_version\"" bindings-node/package.json
lock_version="$(node -p 'require("./bindings-node/package-lock.json").version')"
[ "$lock_version" = "$version" ] || mismatch "bindings-node/package-lock.json has \"version\": \"$lock_version\"" "bindings-node/package-lock.json (npm install in bindings-node after fixing package.json)"
python3 - <<'PY' || bad=1
import json, os, sys, tomllib
v = os.environ["ERP_CHECK_VERSION"]
py = tomllib.load(open("bindings-python/pyproject.toml", "rb"))["project"]
if "version" in py or "version" not in py.get("dynamic", []):
    print(f"dist-check: version: bindings-python/pyproject.toml must not set a version but take it from Cargo "
          f"(dynamic = [\"version\"]); fix bindings-python/pyproject.toml", file=sys.stderr); sys.exit(1)
composer = json.load(open("php-ext/composer.json"))
if composer.get("version", v) != v:
    print(f"dist-check: version mismatch: php-ext/composer.json has \"version\": \"{composer['version']}\" (workspace "
          f"version {v} is set in Cargo.toml [workspace.package]); fix php-ext/composer.json (or drop the field: "
          f"dist.sh stamps the workspace version into the archive)", file=sys.stderr); sys.exit(1)
for toml in ["core/Cargo.toml", "bindings-python/Cargo.toml", "bindings-node/Cargo.toml", "bindings-wasm/Cargo.toml", "php-ext/Cargo.toml"]:
    pkg = tomllib.load(open(toml, "rb"))["package"]
    if pkg.get("version") != {"workspace": True}:
        print(f"dist-check: version: {toml} must say version.workspace = true; fix {toml}", file=sys.stderr); sys.exit(1)
PY
[ "$bad" -eq 0 ] || exit 1

shopt -s nullglob
one() { # pattern description -> the one matching file in dist/
  local m=("$dist"/$1)
  [ "${#m[@]}" -eq 1 ] || { echo "dist-check: expected one $2 dist/$1, found ${#m[@]} (run make dist)" >&2; exit 1; }
  echo "${m[0]}"
}
crate="$(one "erp-api-client-$version.crate" crate)"
wheel="$(one "erp_api_client-$version-*.whl" wheel)"
tgz="$(one "erp-api-client-$version.tgz" "npm tarball")"
phpzip="$(one "erp-api-client-php-$version.zip" "Composer archive")"
echo "dist-check: versions agree ($version); artifacts: $(cd "$dist" && ls | tr '\n' ' ')"

# --- Python: fresh venv --------------------------------------------------------------------
t0=$(date +%s)
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --no-index --disable-pip-version-check "$wheel"
(cd "$tmp" && "$tmp/venv/bin/python" - <<'PY')
import os, time
import erp_api_client
from erp_api_client import Webhook, WebhookVerificationError
assert erp_api_client.__version__ == os.environ["ERP_CHECK_VERSION"], erp_api_client.__version__
assert "site-packages" in erp_api_client.__file__, erp_api_client.__file__
body = os.environ["ERP_CHECK_BODY"].encode()
hook = Webhook(os.environ["ERP_CHECK_SECRET"])
headers = hook.sign("evt_1", int(time.time()), body)
event = hook.verify(body, headers)
assert event["type"] == "company.created" and event["id"] == "evt_1", event
try:
    hook.verify(body.replace(b"cmp_1", b"cmp_2"), headers)
    raise SystemExit("a tampered body verified")
except WebhookVerificationError as e:
    assert e.reason == "no_matching_signature", e.reason
PY
echo "dist-check: python  ok  wheel installed into a fresh venv, signed + verified ($(secs))"

# --- Node: fresh npm project ---------------------------------------------------------------
t0=$(date +%s)
mkdir "$tmp/node" && cd "$tmp/node"
echo '{"name":"erp-dist-check","version":"1.0.0","private":true}' >package.json
npm install --no-audit --no-fund --loglevel=error "$tgz" >/dev/null
node -e '
const { Webhook, WebhookVerificationError, VERSION } = require("erp-api-client")
const assert = require("node:assert")
assert.ok(require.resolve("erp-api-client").includes("node_modules"))
assert.strictEqual(VERSION, process.env.ERP_CHECK_VERSION)
const hook = new Webhook(process.env.ERP_CHECK_SECRET)
const body = Buffer.from(process.env.ERP_CHECK_BODY)
const headers = hook.sign("evt_1", Math.floor(Date.now() / 1000), body)
const event = hook.verify(body, headers)
assert.strictEqual(event.type, "company.created")
assert.throws(() => hook.verify(Buffer.from(process.env.ERP_CHECK_BODY.replace("cmp_1", "cmp_2")), headers),
  (e) => e instanceof WebhookVerificationError && e.reason === "no_matching_signature")
'
node --input-type=module -e '
import assert from "node:assert"
import { Webhook, VERSION } from "erp-api-client"
import api from "erp-api-client"
assert.strictEqual(VERSION, process.env.ERP_CHECK_VERSION)
assert.strictEqual(api.Webhook, Webhook)
const hook = new Webhook(process.env.ERP_CHECK_SECRET)
const headers = hook.sign("evt_1", Math.floor(Date.now() / 1000), process.env.ERP_CHECK_BODY)
assert.strictEqual(hook.verify(process.env.ERP_CHECK_BODY, headers).id, "evt_1")
'
# The browser build is in the package, where the "browser" condition resolves.
node --conditions=browser --input-type=module -e '
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
const entry = fileURLToPath(import.meta.resolve("erp-api-client"))
if (!entry.endsWith("wasm/erp-api-client.browser.mjs") || !existsSync(entry.replace(/[^/]+$/, "erp_api_client_wasm_bg.wasm")))
  throw new Error("browser entry: " + entry)
'
cd "$root"
echo "dist-check: node    ok  tarball installed into a fresh npm project, require + import, signed + verified ($(secs))"

# --- PHP: throwaway Composer project, path repository to the unpacked archive ---------------
t0=$(date +%s)
# A path repository (a copy, not a symlink) to the unpacked archive: Composer's artifact
# repository would need PHP's zip extension, which the PHP face does not otherwise need.
mkdir -p "$tmp/php/archive" && (cd "$tmp/php/archive" && unzip -q "$phpzip")
cat >"$tmp/php/composer.json" <<JSON
{
    "name": "acme/dist-check",
    "type": "project",
    "license": "proprietary",
    "repositories": [
        {"type": "path", "url": "$tmp/php/archive", "options": {"symlink": false}},
        {"packagist.org": false}
    ],
    "require": {"erp/api-client": "$version"}
}
JSON
cat >"$tmp/php/check.php" <<'PHP'
<?php
require __DIR__ . '/vendor/autoload.php';

use Erp\ApiClient\Exception\WebhookVerificationException;
use Erp\ApiClient\Webhook;

$hook = new Webhook(getenv('ERP_CHECK_SECRET'));
$body = getenv('ERP_CHECK_BODY');
$headers = $hook->sign('evt_1', time(), $body);
$event = $hook->verify($body, $headers);
if ($event['type'] !== 'company.created') { fwrite(STDERR, "unexpected event\n"); exit(1); }
try {
    $hook->verify(str_replace('cmp_1', 'cmp_2', $body), $headers);
    fwrite(STDERR, "a tampered body verified\n"); exit(1);
} catch (WebhookVerificationException $e) {
    if ($e->getReason() !== 'no_matching_signature') { fwrite(STDERR, "reason {$e->getReason()}\n"); exit(1); }
}
PHP
(
  cd "$tmp/php"
  export COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME="$tmp/php/.composer" COMPOSER_NO_INTERACTION=1
  composer install --no-progress --quiet
  test -f vendor/erp/api-client/src-php/Webhook.php
  ls vendor/erp/api-client/lib/*/liberp_api_client_ffi.so >/dev/null
  if [ -e vendor/erp/api-client/src ] || [ -e vendor/erp/api-client/Cargo.toml ]; then
    echo "dist-check: the Composer archive carries Rust sources" >&2; exit 1
  fi
  env -u ERP_API_CLIENT_LIB php check.php
)
echo "dist-check: php     ok  archive installed into a Composer project (path repository, unpacked archive), signed + verified ($(secs))"

# --- Rust: temp cargo project on the packaged crate -----------------------------------------
t0=$(date +%s)
mkdir -p "$tmp/rust/check/src" && tar -xzf "$crate" -C "$tmp/rust"
cat >"$tmp/rust/check/Cargo.toml" <<TOML
[package]
name = "erp-dist-check"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
erp-api-client = { path = "../erp-api-client-$version" }

[workspace]
TOML
cat >"$tmp/rust/check/src/main.rs" <<'RS'
use erp_api_client::Webhook;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("ERP_CHECK_SECRET")?;
    let body = std::env::var("ERP_CHECK_BODY")?;
    let hook = Webhook::new(&secret)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let headers = hook.sign("evt_1", now, body.as_bytes());
    let event = hook.verify(body.as_bytes(), &headers)?;
    assert_eq!(event["type"], "company.created");
    let tampered = body.replace("cmp_1", "cmp_2");
    assert!(hook.verify(tampered.as_bytes(), &headers).is_err(), "a tampered body verified");
    Ok(())
}
RS
# The workspace's lock file pins the same dependency versions the repository is tested with
# (cargo drops the entries this project does not use); the target dir persists across runs
# so only the first build compiles the dependencies.
cp Cargo.lock "$tmp/rust/check/Cargo.lock"
(cd "$tmp/rust/check" && CARGO_TARGET_DIR="$root/target/dist-check" cargo run -q)
echo "dist-check: rust    ok  packaged crate built by a fresh cargo project, signed + verified ($(secs))"
echo "dist-check: all artifacts install and import from dist/"
