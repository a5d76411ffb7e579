"""Fixtures: a real erp-sandbox on a free port (with --test-controls), fresh tenants and keys,
and a local webhook receiver."""

from __future__ import annotations

import http.server
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "spec" / "vectors"


def sandbox_bin() -> Path:
    env = os.environ.get("ERP_SANDBOX_BIN")
    return Path(env) if env else REPO / "target" / "debug" / "erp-sandbox"


class Sandbox:
    def __init__(self, url: str, admin_key: str) -> None:
        self.url = url
        self.admin_key = admin_key

    def call(
        self, method: str, path: str, key: Optional[str] = None, body: Any = None
    ) -> Tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        if key:
            req.add_header("x-api-key", key)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def new_key(self, scopes: Any = "*", tenant: Optional[str] = None) -> str:
        tenant = tenant or f"ten_{uuid.uuid4().hex[:12]}"
        status, body = self.call("POST", "/_test/keys", body={"tenant": tenant, "scopes": scopes})
        assert status == 201, body
        return str(body["api_key"])

    def fault(self, key: str, **spec: Any) -> None:
        status, body = self.call("POST", "/_test/faults", key=key, body=spec)
        assert status == 201, body

    def clear_faults(self, key: str) -> None:
        self.call("DELETE", "/_test/faults", key=key)

    def requests_of(self, key: str) -> List[Dict[str, Any]]:
        status, body = self.call("GET", "/_test/requests", key=key)
        assert status == 200, body
        return list(body["data"])


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    binary = sandbox_bin()
    if not binary.exists():
        pytest.fail(f"sandbox binary not found at {binary} (set ERP_SANDBOX_BIN)")
    tmp = tempfile.mkdtemp(prefix="erp-py-sandbox-")
    proc = subprocess.Popen(
        [
            str(binary),
            "--listen",
            "127.0.0.1:0",
            "--db",
            os.path.join(tmp, "s.db"),
            "--test-controls",
            "--rate-limit",
            "100000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: "queue.Queue[str]" = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    key = url = None
    deadline = time.time() + 30
    try:
        while url is None:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                raise RuntimeError("the sandbox did not start within 30 s") from None
            m = re.search(r"api key: (\S+)", line)
            if m:
                key = m.group(1)
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                url = m.group(1)
        assert key, "the sandbox printed no api key"
        yield Sandbox(url, key)
    finally:
        proc.kill()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def key(sandbox: Sandbox) -> str:
    """A key of a fresh tenant with every scope: each test sees only its own data."""
    return sandbox.new_key()


class Receiver:
    """A local HTTP server that records webhook deliveries."""

    def __init__(self) -> None:
        self.received: "queue.Queue[Tuple[bytes, Dict[str, str]]]" = queue.Queue()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(n)
                outer.received.put((body, {k: v for k, v in self.headers.items()}))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout: float = 15.0) -> Tuple[bytes, Dict[str, str]]:
        return self.received.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.close()
