"""Side-by-side benchmark of the Python face against the usual Python HTTP clients.

Against a running sandbox (ERP_BASE_URL, ERP_API_KEY), one company is created and then:
  - sequential GETs of it: erp Client vs requests vs httpx.Client
  - N concurrent GETs with 64 in flight: erp AsyncClient vs aiohttp vs httpx.AsyncClient
  - verify() of a signed 1 KB body vs the stdlib hmac doing the same work
    (HMAC-SHA256 over "id.ts.body", base64, constant-time compare, json.loads)

    pip install requests httpx aiohttp
    ERP_BASE_URL=http://127.0.0.1:8080 ERP_API_KEY=sk_... python bench/python/bench.py [--quick]

    python bench/python/bench.py --trivial   # against a trivial local server instead

Clients missing from the environment are skipped.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional

import erp_api_client as erp

QUICK = "--quick" in sys.argv
SEQ = 300 if QUICK else 2000
CONC = 2000 if QUICK else 10000
IN_FLIGHT = 64


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    for _ in range(min(50, n)):
        fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


def report(title: str, rows: Dict[str, float], unit: str, base: str, lower_is_better: bool) -> None:
    print(f"\n{title}")
    ref = rows.get(base)
    for name, v in rows.items():
        ratio = ""
        if ref and name != base and v:
            r = (v / ref) if lower_is_better else (ref / v)
            ratio = f"  ({r:.2f}x {'slower' if lower_is_better else 'less'} than {base})"
            if r < 1:
                ratio = f"  ({1 / r:.2f}x {'faster' if lower_is_better else 'more'} than {base})"
        print(f"  {name:<22} {v:>10.1f} {unit}{ratio}")


def trivial_server() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    here = os.path.dirname(os.path.abspath(__file__))
    proc = subprocess.Popen(
        [sys.executable, os.path.join(here, "trivial_server.py"), str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    import atexit

    atexit.register(proc.kill)
    return f"http://127.0.0.1:{port}"


def main() -> None:
    if "--trivial" in sys.argv:
        base_url, key = trivial_server(), "sk_bench"
        client = erp.Client(key, base_url=base_url)
        cid = "cmp_1"
        print(f"against a trivial local server at {base_url}")
    else:
        base_url = os.environ["ERP_BASE_URL"].rstrip("/")
        key = os.environ["ERP_API_KEY"]
        client = erp.Client(key, base_url=base_url)
        cid = client.companies.create({"name": "Bench Co"})["id"]
        print(f"against the sandbox at {base_url}")
    url = f"{base_url}/api/v1/companies/{cid}"
    headers = {"x-api-key": key, "accept": "application/json"}

    seq: Dict[str, float] = {}
    seq["erp_api_client"] = per_call_us(lambda: client.companies.get(cid), SEQ)
    try:
        import requests

        s = requests.Session()
        seq["requests"] = per_call_us(lambda: s.get(url, headers=headers).json(), SEQ)
    except ImportError:
        pass
    try:
        import httpx

        hc = httpx.Client(headers=headers)
        seq["httpx"] = per_call_us(lambda: hc.get(url).json(), SEQ)
    except ImportError:
        pass
    report(f"sequential GET ({SEQ} calls)", seq, "us/call", "erp_api_client", True)

    conc: Dict[str, float] = {}

    async def erp_run() -> float:
        ac = erp.AsyncClient(key, base_url=base_url)
        res = ac.companies
        sem = asyncio.Semaphore(IN_FLIGHT)

        async def one() -> None:
            async with sem:
                await res.get(cid)

        await asyncio.gather(*(one() for _ in range(200)))
        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(CONC)))
        return CONC / (time.perf_counter() - t0)

    conc["erp_api_client async"] = asyncio.run(erp_run())
    try:
        import aiohttp

        async def aio_run() -> float:
            conn = aiohttp.TCPConnector(limit=IN_FLIGHT)
            async with aiohttp.ClientSession(connector=conn, headers=headers) as s:
                sem = asyncio.Semaphore(IN_FLIGHT)

                async def one() -> None:
                    async with sem:
                        async with s.get(url) as r:
                            await r.json()

                await asyncio.gather(*(one() for _ in range(200)))
                t0 = time.perf_counter()
                await asyncio.gather(*(one() for _ in range(CONC)))
                return CONC / (time.perf_counter() - t0)

        conc["aiohttp"] = asyncio.run(aio_run())
    except ImportError:
        pass
    try:
        import httpx

        async def httpx_run() -> float:
            n = max(500, CONC // 10)  # httpx is slow at this: fewer calls, same rate measure
            limits = httpx.Limits(max_connections=IN_FLIGHT)
            async with httpx.AsyncClient(headers=headers, limits=limits) as s:
                sem = asyncio.Semaphore(IN_FLIGHT)

                async def one() -> None:
                    async with sem:
                        (await s.get(url)).json()

                t0 = time.perf_counter()
                await asyncio.gather(*(one() for _ in range(n)))
                return n / (time.perf_counter() - t0)

        conc["httpx.AsyncClient"] = asyncio.run(httpx_run())
    except ImportError:
        pass
    report(
        f"concurrent GET ({CONC} calls, {IN_FLIGHT} in flight)",
        conc,
        "req/s",
        "erp_api_client async",
        False,
    )

    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    key_bytes = base64.b64decode(secret[len("whsec_") :])
    body = json.dumps({"type": "company.created", "data": {"pad": "x" * 940}}).encode()
    body = body[:1024] if len(body) > 1024 else body
    wh = erp.Webhook(secret)
    ts = int(time.time())
    signed = wh.sign("msg_bench", ts, body)

    def stdlib_verify() -> Optional[Any]:
        msg = b"msg_bench." + str(ts).encode() + b"." + body
        mac = base64.b64encode(hmac.new(key_bytes, msg, hashlib.sha256).digest()).decode()
        given = signed["webhook-signature"].split(",", 1)[1]
        if not hmac.compare_digest(mac, given) or abs(time.time() - ts) > 300:
            return None
        return json.loads(body)

    assert stdlib_verify() == wh.verify(body, signed)
    n = 20000 if QUICK else 200000
    ver: Dict[str, float] = {
        "erp Webhook.verify": per_call_us(lambda: wh.verify(body, signed), n),
        "stdlib hmac + json": per_call_us(stdlib_verify, n),
    }
    report(f"verify a {len(body)} B body", ver, "us/call", "erp Webhook.verify", True)


if __name__ == "__main__":
    main()
