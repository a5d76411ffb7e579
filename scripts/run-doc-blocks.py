#!/usr/bin/env python3
"""Runs every code block of the guides in docs/ against a running sandbox.

    SANDBOX_ARGS="--cors-origin *" scripts/with-sandbox.sh .venv/bin/python scripts/run-doc-blocks.py [FILE.md ...]

(`make docs-test` does exactly that.) Python 3.11, standard library only.

Conventions for the guides
--------------------------
* Fenced blocks tagged ```python, ```js, ```php and ```rust are run; every other tag
  (```text, ```json, ```sh, ```html, ```ts, ...) is shown but not run. Browser blocks
  (```html) are not run here: the browser build is tested by `make wasm-test` (headless
  Chromium), and it has the same API as the Node build that runs the ```js blocks.
* Adding `norun` after the language (```python norun) shows a block without running it.
* A block is a whole program: it imports what it uses and reads the sandbox address and key
  from the environment, `ERP_BASE_URL` and `ERP_API_KEY` (set by scripts/with-sandbox.sh).
  Blocks do not share state; each creates what it needs.
* Blocks run one after another against one sandbox (so a block that registers a webhook
  sees only the events it causes). A block passes when it exits 0 within 60 s. Use `assert` (or `throw`, `panic!`) to check
  what the guide claims.

How each language runs
----------------------
* python: `.venv/bin/python block.py` (the erp_api_client wheel is installed there by
  `make python-test`).
* js: `node block.mjs` (ESM, top-level await) from a temporary directory whose
  `node_modules/erp-api-client` is a symlink to bindings-node/ (the built Node addon).
* php: `php -d zend.assertions=1 block.php` (so `assert` checks) from a temporary
  directory whose `vendor/autoload.php` is the package's PSR-4 autoloader over
  php-ext/src-php (the library in php-ext/lib), so blocks start with `require __DIR__ . '/vendor/autoload.php';` as in a Composer project.
* rust: each block is the body of `async fn main() -> Result<(), Box<dyn std::error::Error>>`
  (under `#[tokio::main]`; `Ok(())` is appended) and becomes one binary of a cargo project
  in target/doc-blocks/project with a path dependency on core/, the crates tokio,
  serde_json and futures-util, and the workspace's Cargo.lock. All rust blocks are built
  by one `cargo build` into target/doc-blocks/target, so later runs are incremental.

Output: one line per block (`docs/FILE.md:LINE LANG ok|FAILED`, with the failure's output
indented below), then `N passed, N failed`. Exit status 1 if any block failed.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RUN_LANGS = {"python", "js", "php", "rust"}
TIMEOUT = 60
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$")


@dataclass
class Block:
    path: Path
    line: int  # line of the opening fence
    lang: str
    code: str
    ok: bool = False
    output: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def where(self) -> str:
        try:
            shown = self.path.relative_to(ROOT)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}"


def extract(path: Path) -> list[Block]:
    """Fenced blocks of one Markdown file that are to be run."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang, rest = m.group(1), m.group(2), m.group(3).lower(), m.group(4)
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines):
            close = lines[i].strip()
            if close.startswith(fence[0] * len(fence)) and close.strip(fence[0]) == "":
                break
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        if lang in RUN_LANGS and "norun" not in rest.split():
            blocks.append(Block(path, start + 1, lang, "\n".join(body) + "\n"))
    return blocks


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = TIMEOUT) -> tuple[bool, str]:
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout, text=True)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return False, out + f"\n(timed out after {timeout} s)"
    return p.returncode == 0, p.stdout + ("" if p.returncode == 0 else f"\n(exit status {p.returncode})")


# --- python, js, php ----------------------------------------------------------------------

PHP_AUTOLOAD = """<?php
// The package's PSR-4 autoloading (what Composer generates for erp/api-client).
spl_autoload_register(static function (string $class): void {
    $prefix = 'Erp\\\\ApiClient\\\\';
    if (str_starts_with($class, $prefix)) {
        $file = %s . '/' . str_replace('\\\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
"""


def setup_scratch(tmp: Path) -> None:
    nm = tmp / "node_modules"
    nm.mkdir()
    os.symlink(ROOT / "bindings-node", nm / "erp-api-client")
    (tmp / "vendor").mkdir()
    src = repr(str(ROOT / "php-ext" / "src-php"))
    (tmp / "vendor" / "autoload.php").write_text(PHP_AUTOLOAD % src)


def run_script(b: Block, n: int, tmp: Path, env: dict[str, str]) -> None:
    python = ROOT / ".venv" / "bin" / "python"
    ext, cmd = {
        "python": (".py", [str(python if python.exists() else sys.executable)]),
        "js": (".mjs", ["node"]),
        "php": (".php", ["php", "-d", "zend.assertions=1", "-d", "assert.exception=1",
                            "-d", "display_errors=stderr", "-d", "error_reporting=-1"]),
    }[b.lang]
    f = tmp / f"block_{n}{ext}"
    f.write_text(b.code)
    b.ok, b.output = run(cmd + [f.name], tmp, env)


# --- rust ---------------------------------------------------------------------------------

CARGO_TOML = """[package]
name = "doc-blocks"
version = "0.0.0"
edition = "2021"
publish = false

# Not a member of the repository's workspace.
[workspace]

[dependencies]
erp-api-client = {{ path = {core!r} }}
tokio = {{ version = "1", features = ["rt-multi-thread", "macros", "time", "net", "sync"] }}
serde_json = "1"
futures-util = "0.3"

{bins}
"""

RUST_WRAP = """// {where}
#![allow(unused_imports, unused_variables, unreachable_code, clippy::all)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {{
{code}
    #[allow(unreachable_code)]
    Ok(())
}}
"""


def build_rust(blocks: list[Block], env: dict[str, str]) -> None:
    if not blocks:
        return
    base = ROOT / "target" / "doc-blocks"
    proj, target = base / "project", base / "target"
    (proj / "src" / "bin").mkdir(parents=True, exist_ok=True)
    for old in (proj / "src" / "bin").glob("*.rs"):
        old.unlink()
    bins = []
    for n, b in enumerate(blocks):
        name = f"block_{n}"
        b.extra["bin"] = name
        code = "\n".join("    " + l if l else l for l in b.code.splitlines())
        (proj / "src" / "bin" / f"{name}.rs").write_text(RUST_WRAP.format(where=b.where, code=code))
        bins.append(f'[[bin]]\nname = "{name}"\npath = "src/bin/{name}.rs"\n')
    toml = CARGO_TOML.format(core=str(ROOT / "core"), bins="\n".join(bins)).replace("'", '"')
    if not (proj / "Cargo.toml").exists() or (proj / "Cargo.toml").read_text() != toml:
        (proj / "Cargo.toml").write_text(toml)
    lock = ROOT / "Cargo.lock"
    if lock.exists() and not (proj / "Cargo.lock").exists():
        shutil.copy(lock, proj / "Cargo.lock")
    exe_dir = target / "debug"
    for b in blocks:  # never run a stale binary of an earlier build
        (exe_dir / b.extra["bin"]).unlink(missing_ok=True)
    cenv = dict(env, CARGO_TARGET_DIR=str(target), CARGO_TERM_COLOR="never")
    ok, out = run(["cargo", "build", "--quiet", "--keep-going", "--bins"], proj, cenv, timeout=900)
    for b in blocks:
        exe = exe_dir / b.extra["bin"]
        if not exe.exists():
            b.ok = False
            mine = [chunk for chunk in re.split(r"\n(?=error|warning)", out)
                    if f"src/bin/{b.extra['bin']}.rs" in chunk and chunk.startswith("error")]
            b.output = "compile error:\n" + ("\n".join(mine) or out)
            b.extra["built"] = False
        else:
            b.extra["built"] = True
            b.extra["exe"] = exe


def run_rust(b: Block, env: dict[str, str]) -> None:
    if b.extra.get("built"):
        b.ok, b.output = run([str(b.extra["exe"])], ROOT, env)


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    started = time.monotonic()
    for var in ("ERP_BASE_URL", "ERP_API_KEY"):
        if not os.environ.get(var):
            print(f"run-doc-blocks: {var} is not set (run me under scripts/with-sandbox.sh)",
                  file=sys.stderr)
            return 2
    files = [Path(a).resolve() for a in argv] or sorted(DOCS.rglob("*.md"))
    blocks = [b for f in files for b in extract(f)]
    env = dict(os.environ)
    rust = [b for b in blocks if b.lang == "rust"]
    others = [b for b in blocks if b.lang != "rust"]
    with tempfile.TemporaryDirectory(prefix="doc-blocks-") as t, \
            concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        tmp = Path(t)
        setup_scratch(tmp)
        # The rust blocks compile while the others run. Blocks run one at a time: they share
        # one sandbox, and a block that registers a webhook must see only its own events.
        rust_build = pool.submit(build_rust, rust, env)
        for n, b in enumerate(others):
            run_script(b, n, tmp, env)
        rust_build.result()
        for b in rust:
            run_rust(b, env)
    passed = failed = 0
    for b in blocks:
        print(f"{b.where} {b.lang} {'ok' if b.ok else 'FAILED'}")
        if b.ok:
            passed += 1
        else:
            failed += 1
            tail = b.output.strip().splitlines()[-40:]
            print("\n".join("    " + l for l in tail))
    counts = {}
    for b in blocks:
        counts[b.lang] = counts.get(b.lang, 0) + 1
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"blocks: {summary or 'none'} ({time.monotonic() - started:.1f} s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
