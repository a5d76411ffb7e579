"""`make bench`, Python side: the Python face beside what Python developers use instead.

Run by bench/run.py against a sandbox (ERP_BASE_URL, ERP_API_KEY, the record BENCH_ID);
writes one JSON row per figure to BENCH_OUT:

- sequential GETs of one record: erp Client vs requests.Session vs httpx.Client;
- GETs with 64 in flight: erp AsyncClient vs aiohttp vs httpx.AsyncClient (httpx gets a
  tenth of the calls: it is that slow at this; the rate is what is compared);
- a strict batch of 1000 creates, end to end (p50, p95);
- a 10,000-row CSV import (`batch.from_csv`, default chunking);
- verify() of the 1 KB delivery in BENCH_BODY_FILE vs the stdlib doing the same checks
  (HMAC-SHA256 of "id.ts.body", base64, hmac.compare_digest, timestamp, json.loads).

BENCH_SCALE (default 1) scales the call counts (bench/run.py --quick uses 0.1).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import statistics
import sys
import time
from typing import Any, Callable, Dict, List, Tuple

import aiohttp
import httpx
import requests

import erp_api_client as erp

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
IN_FLIGHT = 64
ROWS: List[Dict[str, Any]] = []


def n_of(n: int) -> int:
    return max(10, int(n * SCALE))


def row(workload: str, client: str, metric: str, value: float, n: int) -> None:
    print(f"  python {workload:<10} {client:<26} {metric:<12} {value:>12.2f}  (n={n})", file=sys.stderr)
    ROWS.append(
        {"face": "python", "workload": workload, "client": client, "metric": metric, "value": value, "n": n}
    )


def interleaved_us(fns: Dict[str, Callable[[], Any]], n: int, rounds: int = 5) -> Dict[str, float]:
    """Microseconds per call of each fn, in interleaved rounds so drift hits all alike."""
    for f in fns.values():
        for _ in range(50):
            f()
    total = {k: 0.0 for k in fns}
    per_round = max(1, n // rounds)
    for _ in range(rounds):
        for k, f in fns.items():
            t0 = time.perf_counter()
            for _ in range(per_round):
                f()
            total[k] += time.perf_counter() - t0
    return {k: v / (per_round * rounds) * 1e6 for k, v in total.items()}


async def gather_n(one: Callable[[], Any], n: int) -> None:
    """n calls of `one`, IN_FLIGHT at a time."""
    sem = asyncio.Semaphore(IN_FLIGHT)

    async def guarded() -> None:
        async with sem:
            await one()

    await asyncio.gather(*(guarded() for _ in range(n)))


def csv_text(run: int, n: int) -> str:
    """The CSV every face imports (bench/rust has the same): skus unique per face and run."""
    lines = ["sku,name,quantity,unit_price"]
    lines += [f"python-{run}-{i},Item {i},{i % 100},{i % 50}.25" for i in range(n)]
    return "\n".join(lines) + "\n"


def main() -> None:
    base = os.environ["ERP_BASE_URL"].rstrip("/")
    key = os.environ["ERP_API_KEY"]
    cid = os.environ["BENCH_ID"]
    url = f"{base}/api/v1/companies/{cid}"
    headers = {"x-api-key": key, "accept": "application/json"}
    client = erp.Client(key, base_url=base, max_retries=0)

    # 1. sequential GETs
    n = n_of(5000)
    rs = requests.Session()
    hc = httpx.Client(headers=headers)
    seq = interleaved_us(
        {
            "erp_api_client": lambda: client.companies.get(cid),
            "requests": lambda: rs.get(url, headers=headers).json(),
            "httpx": lambda: hc.get(url).json(),
        },
        n,
    )
    for k, v in seq.items():
        row("seq_get", k, "us_per_call", v, n)

    # 2. 64 in flight, interleaved rounds (httpx gets a tenth of the calls per round)
    n = n_of(10000)
    rounds = 5

    async def conc_all() -> Dict[str, float]:
        ac = erp.AsyncClient(key, base_url=base, max_retries=0)
        res = ac.companies
        conn = aiohttp.TCPConnector(limit=IN_FLIGHT)
        async with aiohttp.ClientSession(connector=conn, headers=headers) as aio, httpx.AsyncClient(
            headers=headers, limits=httpx.Limits(max_connections=IN_FLIGHT)
        ) as hx:

            async def aio_one() -> Any:
                async with aio.get(url) as r:
                    return await r.json()

            async def hx_one() -> Any:
                return (await hx.get(url)).json()

            fns: Dict[str, Tuple[Callable[[], Any], int]] = {
                "erp_api_client AsyncClient": (lambda: res.get(cid), n // rounds),
                "aiohttp": (aio_one, n // rounds),
                "httpx.AsyncClient": (hx_one, max(20, n // rounds // 10)),
            }
            secs = {k: 0.0 for k in fns}
            for f, _ in fns.values():
                await gather_n(f, 200)  # warm the pools
            for _ in range(rounds):
                for k, (f, count) in fns.items():
                    t0 = time.perf_counter()
                    await gather_n(f, count)
                    secs[k] += time.perf_counter() - t0
            return {k: count * rounds / secs[k] for k, (_, count) in fns.items()}

    for k, v in asyncio.run(conc_all()).items():
        row("conc_get", k, "req_per_s", v, n if not k.startswith("httpx") else max(20, n // rounds // 10) * rounds)

    # 3. strict batch of 1000 creates, end to end (building the batch included)
    runs = min(20, n_of(20))
    times = []
    for r in range(runs + 2):
        t0 = time.perf_counter()
        b = client.batch().strict()
        for i in range(1000):
            b.add("POST", "/companies", {"name": f"python-{r}-{i}"})
        res = b.execute()
        dt = (time.perf_counter() - t0) * 1e3
        assert res["successful"] == 1000, res
        if r >= 2:
            times.append(dt)
    times.sort()
    row("batch_1000", "erp_api_client", "p50_ms", times[len(times) * 50 // 100], runs)
    row("batch_1000", "erp_api_client", "p95_ms", times[min(len(times) - 1, len(times) * 95 // 100)], runs)

    # 4. 10,000-row CSV import
    times = []
    for r in range(3):
        text = csv_text(r, 10000)
        t0 = time.perf_counter()
        out = client.batch().from_csv("inventory-items", text)
        times.append((time.perf_counter() - t0) * 1e3)
        assert (out["imported"], out["failed"]) == (10000, 0), out
    row("csv_10k", "erp_api_client", "ms", statistics.median(times), 10000)

    # 5. verify a 1 KB delivery
    secret = os.environ["BENCH_SECRET"]
    with open(os.environ["BENCH_BODY_FILE"], "rb") as f:
        body = f.read()
    key_bytes = base64.b64decode(secret[len("whsec_") :])
    wh = erp.Webhook(secret)
    signed = wh.sign("msg_bench", int(time.time()), body)

    def stdlib(parse: bool) -> Any:
        h = signed
        ts = int(h["webhook-timestamp"])
        if abs(time.time() - ts) > 300:
            raise ValueError("timestamp")
        msg = f"{h['webhook-id']}.{h['webhook-timestamp']}.".encode() + body
        mac = base64.b64encode(hmac.new(key_bytes, msg, hashlib.sha256).digest()).decode()
        if not any(hmac.compare_digest(mac, s.split(",", 1)[1]) for s in h["webhook-signature"].split(" ")):
            raise ValueError("no match")
        return json.loads(body) if parse else None

    assert stdlib(True) == wh.verify(body, signed)
    n = n_of(200000)
    fns: Dict[str, Callable[[], Any]] = {
        "erp Webhook.verify": lambda: wh.verify(body, signed),
        "stdlib hmac + json.loads": lambda: stdlib(True),
        "stdlib hmac (signature only)": lambda: stdlib(False),
    }
    if hasattr(wh, "verify_signature"):
        fns["erp Webhook.verify_signature"] = lambda: wh.verify_signature(body, signed)
    for k, v in interleaved_us(fns, n).items():
        row("verify", k, "us_per_call", v, n)

    with open(os.environ["BENCH_OUT"], "w") as f:
        json.dump(ROWS, f, indent=1)


if __name__ == "__main__":
    main()
