"""Typed usage of erp_api_client: checked with `mypy --strict` (never run)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from erp_api_client import (
    AsyncClient,
    BatchHandle,
    Client,
    ErpError,
    NotFoundError,
    Page,
    RateLimitedError,
    Webhook,
    WebhookVerificationError,
)
from erp_api_client.types import (
    BatchProgress,
    BatchResult,
    ImportProgress,
    ImportResult,
    PreparedRequest,
    WebhookEndpoint,
)


def sync_usage(client: Client) -> List[str]:
    page: Page = client.companies.filter(status="active").sort("-created_at").limit(10).list()
    names: List[str] = [str(c["name"]) for c in page]
    cursor: Optional[str] = page.next_cursor
    if cursor is not None:
        client.companies.cursor(cursor).list()
    for record in client.customers.iter():
        names.append(str(record["id"]))
    created: Dict[str, Any] = client.companies.create({"name": "Acme"}, idempotency_key="k")
    client.companies.with_options(timeout=5.0, max_retries=1).update(created["id"], {"a": 1})
    client.companies.delete(created["id"], suppress_webhooks=["whk_1"])
    dry: PreparedRequest = client.companies.prepare("list")
    names.append(dry["url"])

    def on_progress(p: BatchProgress) -> None:
        print(p["operations_done"], p["operations_total"])

    result: BatchResult = (
        client.batch()
        .add("POST", "/companies", {"name": "A"})
        .execute(mode="strict", stop_on_error=False, max_parallel=2, progress=on_progress)
    )
    names.extend(str(r["status"]) for r in result["results"])
    handle: BatchHandle = client.batch().add("DELETE", "/companies/cmp_1").submit()

    def on_rows(p: ImportProgress) -> None:
        print(p["rows_done"], p["rows_total"], p["imported"], p["failed"])

    imported: ImportResult = client.batch().from_csv(
        "inventory-items",
        "sku,name\nA-1,Bolt\n",
        batch_size=100,
        resume_from=0,
        idempotency_key="stock-1",
        progress=on_rows,
    )
    names.extend(f"{e['row']}: {e['error']['code']}" for e in imported["errors"])
    names.append(str(imported["checkpoint"]))
    final: BatchResult = handle.wait()
    names.append(final["status"])
    hook: WebhookEndpoint = client.webhooks.register(
        "https://example.com/h", ["company.created"], filters={"country": "DE"}
    )
    client.webhooks.deliveries(hook["id"], status="failed")
    try:
        client.companies.get("cmp_missing")
    except NotFoundError as e:
        names.append(e.code)
    except RateLimitedError as e:
        wait: Optional[float] = e.retry_after
        names.append(str(wait))
    except ErpError as e:
        names.append(e.message)
    return names


async def async_usage(client: AsyncClient) -> int:
    page: Page = await client.companies.filter({"status": "active"}).list()
    total = len(page)
    async for record in client.companies.limit(100):
        total += len(record)
    results = await asyncio.gather(*(client.companies.get(str(c["id"])) for c in page))
    total += len(results)
    r: BatchResult = await client.batch().add("POST", "/companies", {"name": "B"}).execute()
    total += r["successful"]
    handle = await client.batch().add("POST", "/companies", {"name": "C"}).submit()
    total += (await handle.wait())["total"]
    checked: ImportResult = await client.batch().from_csv(
        "companies", "name\nAcme\n", validate_only=True
    )
    total += checked["rows_total"]
    hook: WebhookEndpoint = await client.webhooks.register("https://example.com/h", "company.created")
    await client.webhooks.delete(hook["id"])
    return total


def verify(secret: str, body: bytes, headers: Dict[str, str]) -> Optional[Dict[str, Any]]:
    try:
        return Webhook([secret], tolerance=300).verify(body, headers)
    except WebhookVerificationError as e:
        print(e.reason)
        return None


def signature_ok(secret: str, body: bytes, headers: Dict[str, str]) -> bool:
    try:
        Webhook(secret).verify_signature(body, headers)
    except WebhookVerificationError:
        return False
    return True


def main() -> None:
    client = Client(api_key="sk_x", base_url="http://127.0.0.1:8080", timeout=10.0)
    sync_usage(client)
    asyncio.run(async_usage(AsyncClient(bearer_token="t", base_url="http://127.0.0.1:8080")))
    signed: Dict[str, str] = Webhook("whsec_x").sign("msg_1", 1, b"{}")
    verify("whsec_x", b"{}", signed)
    signature_ok("whsec_x", b"{}", signed)
