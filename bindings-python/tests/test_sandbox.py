"""Every operation through Client and AsyncClient against a real sandbox, each exception class
from a real response, retries / Retry-After / idempotency through the test controls, threads,
fork, and no secret in repr/str."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from typing import Any, Dict, List

import pytest

import erp_api_client as erp

# ------------------------------------------------------------------ helpers


def client(sandbox: Any, key: str, **kw: Any) -> erp.Client:
    return erp.Client(key, base_url=sandbox.url, **kw)


def aclient(sandbox: Any, key: str, **kw: Any) -> erp.AsyncClient:
    return erp.AsyncClient(key, base_url=sandbox.url, **kw)


BODIES: Dict[str, Dict[str, Any]] = {
    "companies": {"name": "Acme", "country": "DE", "status": "active"},
    "vendors": {"name": "Parts Inc", "payment_terms_days": 30},
    "inventory_items": {"sku": "SKU-1", "name": "Widget", "quantity": 3, "unit_price": 9.5},
}


# ------------------------------------------------------------------ sync: every operation


def test_sync_crud_on_every_resource(sandbox: Any, key: str) -> None:
    c = client(sandbox, key)
    cus = c.customers.create({"name": "Cust", "customer_account": "CUST-001"})
    assert cus["id"].startswith("cus_")
    bodies = dict(BODIES)
    bodies["customers"] = {"name": "Other", "customer_account": "CUST-002"}
    bodies["sales_orders"] = {"customer_id": cus["id"], "amount": 12.5, "currency": "EUR"}
    for name, body in bodies.items():
        res = c.resource(name)
        created = res.create(body)
        assert isinstance(created, dict) and created["id"]
        got = getattr(c, name).get(created["id"])
        assert got["id"] == created["id"]
        updated = res.update(created["id"], {"status": got.get("status") or "active"})
        assert updated["id"] == created["id"]
        page = res.limit(10).list()
        assert isinstance(page, erp.Page)
        assert created["id"] in [r["id"] for r in page.data]
        deleted = res.delete(created["id"])
        assert deleted["deleted"] is True
        with pytest.raises(erp.NotFoundError):
            res.get(created["id"])


def test_sync_filter_sort_pages_and_iter(sandbox: Any, key: str) -> None:
    c = client(sandbox, key)
    for i in range(7):
        c.companies.create({"name": f"C{i}", "status": "active" if i % 2 else "inactive"})
    page = c.companies.filter(status="active").sort("name").limit(2).list()
    assert len(page) == 2 and page.has_more and page.next_cursor
    assert [r["name"] for r in page] == ["C1", "C3"]
    nxt = c.companies.filter(status="active").sort("name").limit(2).cursor(page.next_cursor).list()
    assert [r["name"] for r in nxt.data] == ["C5"] and not nxt.has_more
    names = [r["name"] for r in c.companies.sort("name").limit(3).iter()]
    assert names == [f"C{i}" for i in range(7)]
    assert len(list(c.companies.limit(2))) == 7


def test_sync_batches(sandbox: Any, key: str) -> None:
    c = client(sandbox, key)
    r = (
        c.batch()
        .add("POST", "/companies", {"name": "A"})
        .add("POST", "/companies", {"name": "B"})
        .execute(mode="strict", idempotency_key=f"b-{uuid.uuid4()}")
    )
    assert r["status"] == "completed" and r["successful"] == 2
    # strict: one failure rolls everything back
    r = (
        c.batch()
        .add("POST", "/companies", {"name": "C"})
        .add("GET", "/companies/cmp_missing")
        .execute(mode="strict")
    )
    assert r["failed"] == 2
    assert r["results"][0]["error"]["code"] == "ROLLED_BACK"
    assert r["results"][1]["error"]["code"] == "NOT_FOUND"
    # lenient, chunked, with progress
    seen: List[Dict[str, int]] = []
    b = c.batch()
    for i in range(5):
        b.add("POST", "/companies", {"name": f"L{i}"})
    r = b.execute(mode="lenient", chunk_size=2, progress=seen.append)
    assert r["successful"] == 5 and len(r["results"]) == 5
    assert [p["chunks_done"] for p in seen][-1] == 3 and seen[-1]["operations_done"] == 5
    # async batch: submit + wait
    h = c.batch().add("POST", "/companies", {"name": "Z"}).submit()
    assert h.id.startswith("bat_")
    assert h.status()["status"] in ("pending", "processing", "completed")
    done = h.wait()
    assert done["status"] == "completed" and done["successful"] == 1
    assert c.batch_handle(h.id).status()["status"] == "completed"


def test_sync_webhooks_end_to_end(sandbox: Any, key: str, receiver: Any) -> None:
    c = client(sandbox, key)
    types = c.event_types()
    assert "company.created" in str(types)
    hook = c.webhooks.register(
        receiver.url,
        ["company.created"],
        filters={"country": "DE"},
        retry_policy={"max_retries": 2, "backoff_ms": 100},
    )
    secret = hook["secret"]
    assert secret.startswith("whsec_")
    assert hook["id"] in [h["id"] for h in c.webhooks.list()]
    assert c.webhooks.get(hook["id"])["url"] == receiver.url
    c.companies.create({"name": "Filtered out", "country": "FR"})
    created = c.companies.create({"name": "Hooked", "country": "DE"})
    body, headers = receiver.next()
    event = erp.Webhook(secret).verify(body, headers)
    assert event["type"] == "company.created"
    assert event["data"]["id"] == created["id"]
    # test delivery, deliveries, delivery, retry, stats
    t = c.webhooks.test(hook["id"])
    assert t["event_type"] == "webhook.test"
    body, headers = receiver.next()
    assert erp.Webhook(secret).verify(body, headers)["type"] == "webhook.test"
    deadline = time.time() + 10
    while True:
        dl = c.webhooks.deliveries(hook["id"], status="succeeded")
        if len(dl) >= 2 or time.time() > deadline:
            break
        time.sleep(0.1)
    assert len(dl) >= 2
    one = c.webhooks.delivery(hook["id"], dl.data[0]["id"])
    assert one["attempts"]
    again = c.webhooks.retry_delivery(hook["id"], dl.data[0]["id"])
    assert again["id"]
    stats = c.webhooks.stats(hook["id"])
    assert isinstance(stats, dict)
    # rotate: the old secret stops verifying new deliveries, both verify during rotation
    rotated = c.webhooks.rotate_secret(hook["id"])
    assert rotated["secret"] != secret
    c.webhooks.test(hook["id"])
    while True:
        body, headers = receiver.next()
        if b"webhook.test" in body:
            break
    erp.Webhook([rotated["secret"], secret]).verify(body, headers)
    updated = c.webhooks.update(hook["id"], active=False, events=["company.created", "company.updated"])
    assert updated["active"] is False
    # suppression: a write with suppress_webhooks sends nothing to that hook
    c.webhooks.update(hook["id"], active=True)
    c.companies.create({"name": "Quiet", "country": "DE"}, suppress_webhooks=[hook["id"]])
    c.companies.create({"name": "Loud", "country": "DE"})
    while True:
        body, headers = receiver.next()
        assert b"Quiet" not in body
        if b"company.created" in body:
            break
    assert b"Loud" in body
    assert c.webhooks.delete(hook["id"])
    with pytest.raises(erp.NotFoundError):
        c.webhooks.get(hook["id"])


# ------------------------------------------------------------------ async: every operation


def test_async_every_operation(sandbox: Any, key: str, receiver: Any) -> None:
    async def main() -> None:
        async with aclient(sandbox, key) as c:
            cus = await c.customers.create({"name": "Cust", "customer_account": "A-1"})
            bodies = dict(BODIES)
            bodies["customers"] = {"name": "Other"}
            bodies["sales_orders"] = {"customer_id": cus["id"], "amount": 3}
            for name, body in bodies.items():
                res = c.resource(name)
                created = await res.create(body)
                assert (await getattr(c, name).get(created["id"]))["id"] == created["id"]
                await res.update(created["id"], {"name": "renamed"} if "name" in body else {"amount": 4})
                page = await res.list()
                assert created["id"] in [r["id"] for r in page]
                assert (await res.delete(created["id"]))["deleted"] is True
                with pytest.raises(erp.NotFoundError):
                    await res.get(created["id"])
            # concurrency: many in flight on one loop
            made = await asyncio.gather(
                *(c.companies.create({"name": f"N{i:02d}"}) for i in range(30))
            )
            assert len({m["id"] for m in made}) == 30
            names = [r["name"] async for r in c.companies.sort("name").limit(7)]
            assert names == [f"N{i:02d}" for i in range(30)]
            # batch + submit/wait
            r = await c.batch().add("POST", "/companies", {"name": "B"}).execute(mode="strict")
            assert r["successful"] == 1
            h = await c.batch().add("POST", "/companies", {"name": "S"}).submit()
            assert (await h.status())["id"] == h.id
            assert (await h.wait())["status"] == "completed"
            # webhooks
            assert "company.created" in str(await c.event_types())
            hook = await c.webhooks.register(receiver.url, ["company.created"])
            assert (await c.webhooks.get(hook["id"]))["id"] == hook["id"]
            assert len(await c.webhooks.list()) == 1
            await c.companies.create({"name": "Hooked"})
            body, headers = await asyncio.get_running_loop().run_in_executor(None, receiver.next)
            assert erp.Webhook(hook["secret"]).verify(body, headers)["type"] == "company.created"
            t = await c.webhooks.test(hook["id"])
            await asyncio.get_running_loop().run_in_executor(None, receiver.next)
            await asyncio.sleep(0.3)
            dl = await c.webhooks.deliveries(hook["id"])
            assert len(dl) >= 1
            assert (await c.webhooks.delivery(hook["id"], t["id"]))["id"] == t["id"]
            assert (await c.webhooks.retry_delivery(hook["id"], t["id"]))["id"]
            assert isinstance(await c.webhooks.stats(hook["id"]), dict)
            assert (await c.webhooks.rotate_secret(hook["id"]))["secret"] != hook["secret"]
            assert (await c.webhooks.update(hook["id"], active=False))["active"] is False
            await c.webhooks.delete(hook["id"])
            with pytest.raises(erp.NotFoundError):
                await c.webhooks.get(hook["id"])

    asyncio.run(main())


def test_async_cancellation_does_not_hang(sandbox: Any, key: str) -> None:
    async def main() -> None:
        c = aclient(sandbox, key, max_retries=0)
        sandbox.fault(key, count=1, status=503, delay_ms=3000)
        task = asyncio.ensure_future(c.companies.list())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        sandbox.clear_faults(key)
        assert isinstance(await c.companies.list(), erp.Page)

    asyncio.run(main())


# ------------------------------------------------------------------ errors from real responses


def test_each_exception_class_from_a_real_response(sandbox: Any, key: str) -> None:
    c = client(sandbox, key, max_retries=0)
    with pytest.raises(erp.BadRequestError) as e1:
        c.companies.filter(bogus_field="x").list()
    assert e1.value.status == 400 and e1.value.request_id
    with pytest.raises(erp.UnauthorizedError) as e2:
        erp.Client("sk_wrong", base_url=sandbox.url).companies.list()
    assert e2.value.status == 401 and "sk_wrong" not in str(e2.value)
    readonly = sandbox.new_key(scopes=["companies:read"])
    with pytest.raises(erp.ForbiddenError):
        client(sandbox, readonly).companies.create({"name": "x"})
    with pytest.raises(erp.NotFoundError) as e4:
        c.companies.get("cmp_nope")
    assert e4.value.code == "NOT_FOUND"
    c.inventory_items.create({"sku": "DUP", "name": "a"})
    with pytest.raises(erp.ConflictError):
        c.inventory_items.create({"sku": "DUP", "name": "b"})
    with pytest.raises(erp.ValidationFailedError) as e6:
        c.companies.create({"country": "germany"})
    assert e6.value.details
    sandbox.fault(key, count=1, status=429, retry_after=7)
    with pytest.raises(erp.RateLimitedError) as e7:
        c.companies.list()
    assert e7.value.retry_after == 7.0
    sandbox.fault(key, count=1, status=500)
    with pytest.raises(erp.ServerError):
        c.companies.list()
    with pytest.raises(erp.ConnectionError) as e9:
        erp.Client(key, base_url="http://127.0.0.1:9", max_retries=0).companies.list()
    assert isinstance(e9.value, ConnectionError)  # the builtin too
    sandbox.fault(key, count=1, delay_ms=2000)
    with pytest.raises(erp.TimeoutError):
        c.companies.with_options(timeout=0.3).list()
    with pytest.raises(erp.WebhookVerificationError):
        erp.Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(b"{}", {})
    with pytest.raises(erp.InvalidRequestError):
        c.companies.limit(1000).list()
    with pytest.raises(erp.ConfigurationError):
        erp.Client(key)
    with pytest.raises(erp.ConfigurationError):
        erp.Client(base_url=sandbox.url)
    sandbox.clear_faults(key)


def test_async_errors(sandbox: Any, key: str) -> None:
    async def main() -> None:
        c = aclient(sandbox, key, max_retries=0)
        with pytest.raises(erp.NotFoundError):
            await c.companies.get("cmp_nope")
        with pytest.raises(erp.InvalidRequestError):
            await c.companies.limit(0).list()

    asyncio.run(main())


# ------------------------------------------------------------------ retries and idempotency


def test_retries_reuse_the_idempotency_key(sandbox: Any, key: str) -> None:
    c = client(sandbox, key, max_retries=3)
    sandbox.call("DELETE", "/_test/requests", key=key)
    sandbox.fault(key, count=2, status=503, retry_after=0)
    created = c.companies.create({"name": "Retried"})
    assert created["name"] == "Retried"
    posts = [r for r in sandbox.requests_of(key) if r["method"] == "POST"]
    assert len(posts) == 3
    keys = {r.get("idempotency_key") for r in posts}
    assert len(keys) == 1 and None not in keys
    assert len(c.companies.filter(name="Retried").list()) == 1


def test_retry_after_is_honoured(sandbox: Any, key: str) -> None:
    c = client(sandbox, key, max_retries=1)
    sandbox.fault(key, count=1, status=429, retry_after=1)
    t0 = time.monotonic()
    c.companies.list()
    assert time.monotonic() - t0 >= 0.95


def test_no_retry_when_disabled_and_connection_drop(sandbox: Any, key: str) -> None:
    c = client(sandbox, key, max_retries=0)
    sandbox.fault(key, count=1, status=503)
    with pytest.raises(erp.ServerError):
        c.companies.list()
    sandbox.fault(key, count=1, drop_connection=True)
    assert isinstance(client(sandbox, key, max_retries=2).companies.list(), erp.Page)
    sandbox.clear_faults(key)


def test_idempotency_key_replay_and_reuse(sandbox: Any, key: str) -> None:
    c = client(sandbox, key)
    k = f"idem-{uuid.uuid4()}"
    a = c.companies.create({"name": "Once"}, idempotency_key=k)
    b = c.companies.with_options(idempotency_key=k).create({"name": "Once"})
    assert a["id"] == b["id"]
    with pytest.raises(erp.ValidationFailedError) as e:
        c.companies.create({"name": "Different"}, idempotency_key=k)
    assert e.value.code == "IDEMPOTENCY_KEY_REUSED"


# ------------------------------------------------------------------ threads, fork, secrets


def test_threads_share_one_client(sandbox: Any, key: str) -> None:
    c = client(sandbox, key)
    errors: List[BaseException] = []
    ids: List[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            for i in range(10):
                r = c.companies.create({"name": f"T{n}-{i}"})
                with lock:
                    ids.append(r["id"])
                c.companies.get(r["id"])
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(set(ids)) == 80


def test_gil_is_released_while_waiting(sandbox: Any, key: str) -> None:
    c = client(sandbox, key, max_retries=0)
    sandbox.fault(key, count=1, status=503, delay_ms=800)
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    t = threading.Thread(target=spin)
    t.start()
    with pytest.raises(erp.ServerError):
        c.companies.list()
    stop.set()
    t.join()
    assert ticks > 1000


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_fork_child_uses_client(sandbox: Any, key: str) -> None:
    c = client(sandbox, key)
    c.companies.create({"name": "Parent"})  # runtime + pool exist before the fork
    ac = aclient(sandbox, key)

    async def alist(name: str) -> erp.Page:
        return await ac.companies.filter(name=name).list()

    assert asyncio.run(alist("Parent")).data
    it = c.companies.iter()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            os.close(r)
            page = c.companies.filter(name="Parent").list()
            child = c.companies.create({"name": "Child"})
            apage = asyncio.run(alist("Child"))
            try:
                next(it)
                stale = "no error"
            except erp.ErpError as e:
                stale = "fork" if "fork" in str(e) else repr(e)
            os.write(w, f"{len(page)} {child['name']} {len(apage)} {stale}".encode())
            code = 0
        except BaseException as e:  # pragma: no cover
            os.write(w, f"error {e!r}".encode())
        finally:
            os._exit(code)
    os.close(w)
    deadline = time.time() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.time() > deadline:  # pragma: no cover
            os.kill(pid, 9)
            pytest.fail("the child hung")
        time.sleep(0.05)
    out = os.read(r, 1000).decode()
    os.close(r)
    assert os.waitstatus_to_exitcode(status) == 0, out
    assert out == "1 Child 1 fork"
    assert len(c.companies.filter(name="Child").list()) == 1  # parent still works


def test_no_secret_in_repr_or_errors(sandbox: Any, key: str) -> None:
    c = client(sandbox, key)
    for obj in (c, c.companies, c.webhooks, c.batch(), aclient(sandbox, key)):
        assert key not in repr(obj) and key not in str(obj)
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    wh = erp.Webhook(secret)
    assert secret not in repr(wh) and "MfKQ9r8" not in repr(wh)
    with pytest.raises(erp.ErpError) as e:
        erp.Client("bad key with spaces", base_url=sandbox.url)
    assert "bad key" not in str(e.value)
    with pytest.raises(erp.UnauthorizedError) as e2:
        erp.Client("sk_not_valid_123", base_url=sandbox.url).companies.list()
    assert "sk_not_valid_123" not in str(e2.value) + repr(e2.value)


def test_ctrl_c_interrupts_a_blocking_call(sandbox: Any, key: str) -> None:
    import _thread

    c = client(sandbox, key, max_retries=0)
    sandbox.fault(key, count=1, status=503, delay_ms=5000)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        c.companies.list()
    assert time.monotonic() - t0 < 2.0
    timer.join()
    sandbox.clear_faults(key)


def test_submit_wait_reports_progress(sandbox: Any, key: str) -> None:
    c = client(sandbox, key)
    seen: List[Dict[str, int]] = []
    b = c.batch().lenient()
    for i in range(3):
        b.add("POST", "/companies", {"name": f"P{i}"})
    h = b.submit(progress=seen.append)
    result = h.wait()
    assert result["total"] == 3 and result["successful"] == 3
    assert seen and seen[-1]["operations_done"] == 3
    assert repr(h) == f'BatchHandle(id="{h.id}")'


def test_csv_import_reports_rows_and_resumes_from_a_checkpoint(sandbox: Any, key: str) -> None:
    c = client(sandbox, key)
    rows = ["sku,name,quantity,unit_price"]
    for i in range(1, 26):
        if i == 7:
            rows.append("SKU-7,Seven,lots,1")  # not a number: caught locally
        elif i == 12:
            rows.append("SKU-3,Dup,1,1")  # duplicate sku: 409 from the API
        else:
            rows.append(f"SKU-{i},Item {i},{i},{i}.5")
    csv = "\n".join(rows) + "\n"

    # Validation only (through the asyncio client too): nothing is sent.
    async def check() -> Dict[str, Any]:
        async with aclient(sandbox, key) as ac:
            with pytest.raises(erp.InvalidRequestError, match="batch_size"):
                await ac.batch().from_csv("inventory-items", csv, batch_size=0)
            return dict(await ac.batch().from_csv("inventory-items", csv, validate_only=True))

    checked = asyncio.run(check())
    assert (checked["rows_total"], checked["imported"], checked["failed"]) == (25, 0, 1)
    assert checked["validate_only"] is True
    assert [(e["row"], e["error"]["code"]) for e in checked["errors"]] == [(7, "INVALID_VALUE")]
    assert len(c.inventory_items.list()) == 0, "validate_only sends nothing"
    with pytest.raises(erp.InvalidRequestError, match="unknown resource"):
        c.batch().from_csv("invoices", "a\n1\n")

    # First run, in chunks of 10, reporting progress after each chunk.
    seen: List[Dict[str, int]] = []
    first = c.batch().from_csv(
        "inventory-items", csv, batch_size=10, idempotency_key="stock-import", progress=seen.append
    )
    assert [p["rows_done"] for p in seen] == [10, 20, 25]
    assert seen[-1]["rows_total"] == 25
    assert (first["imported"], first["failed"]) == (23, 2)
    assert [(e["row"], e["error"]["code"]) for e in first["errors"]] == [
        (7, "INVALID_VALUE"),
        (12, "CONFLICT"),
    ]
    assert first["checkpoint"] == 25 and first["validate_only"] is False

    # Resuming from row 10 re-sends rows 11..25 with the same chunk keys: replayed, not duplicated.
    resumed = c.batch().from_csv(
        "inventory_items", csv, batch_size=10, idempotency_key="stock-import", resume_from=10
    )
    assert resumed["rows_skipped"] == 10
    assert resumed["imported"] == 14
    items = list(c.inventory_items.limit(100).iter())
    assert len(items) == 23
    item5 = next(r for r in items if r["sku"] == "SKU-5")
    assert item5["quantity"] == 5 and item5["unit_price"] == 5.5


def test_blocking_client_is_shared_across_threads(sandbox: Any, key: str) -> None:
    # Each thread calls through its own connection pool (a blocking call runs entirely on the
    # calling thread): a client shared by a pool of threads, threads that come and go, and an
    # iterator or a batch handle made in one thread and used in another all work.
    import concurrent.futures
    import threading

    c = client(sandbox, key)
    ids = [c.companies.create({"name": f"T{i}"})["id"] for i in range(3)]
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        got = list(ex.map(lambda i: c.companies.get(ids[i % 3])["id"], range(200)))
    assert got == [ids[i % 3] for i in range(200)]

    errors: List[BaseException] = []

    def short_lived() -> None:
        try:
            assert c.companies.get(ids[0])["id"] == ids[0]
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    for _ in range(3):
        threads = [threading.Thread(target=short_lived) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors

    it = iter(c.companies.limit(1))
    first = next(it)
    rest: List[Any] = []
    t = threading.Thread(target=lambda: rest.extend(it))
    t.start()
    t.join(30)
    assert len([first, *rest]) == len(list(c.companies))

    seen: List[Dict[str, int]] = []
    h = c.batch().add("POST", "/companies", {"name": "H"}).submit(progress=seen.append)
    out: List[Any] = []
    t = threading.Thread(target=lambda: out.append(h.wait()))
    t.start()
    t.join(30)
    assert out and out[0]["successful"] == 1 and seen
