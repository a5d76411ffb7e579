"""The erp-api-client quickstart, in Python.

Run it against the sandbox (`make demo` does all of this for you):
    ERP_BASE_URL=http://127.0.0.1:8080 ERP_API_KEY=sk_... python examples/python/quickstart.py

It creates companies with a strict batch, lists them with a filter, registers a webhook to a
receiver it runs itself on 127.0.0.1, creates a company, receives and verifies the signed
delivery, and shows the delivery history.
"""

from __future__ import annotations

import http.server
import os
import queue
import sys
import threading
import time
import uuid
from typing import Dict, Tuple

from erp_api_client import Client, ErpError, Webhook

Received = Tuple[bytes, Dict[str, str]]


def start_receiver() -> Tuple[http.server.ThreadingHTTPServer, str, "queue.Queue[Received]"]:
    """A webhook receiver on 127.0.0.1 that hands each delivery to the main thread."""
    inbox: "queue.Queue[Received]" = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            inbox.put((body, dict(self.headers.items())))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hooks", inbox


def main() -> int:
    started = time.monotonic()
    base_url = os.environ.get("ERP_BASE_URL")
    api_key = os.environ.get("ERP_API_KEY")
    if not base_url or not api_key:
        print("set ERP_BASE_URL and ERP_API_KEY", file=sys.stderr)
        return 2
    client = Client(api_key=api_key, base_url=base_url)

    # 1. Create three companies atomically: all or nothing.
    batch = client.batch()
    for name in ("Acme GmbH", "Globex AG", "Initech KG"):
        batch.add("POST", "/companies", {"name": name, "country": "DE"})
    result = batch.execute(mode="strict", idempotency_key=f"quickstart-{uuid.uuid4()}")
    print(
        f"batch {result['id']}: {result['successful']} of {result['total']} operations "
        f"succeeded ({result['status']}, {result['duration_ms']} ms)"
    )

    # 2. List them back with a filter, newest first.
    page = client.companies.filter(country="DE").sort("-created_at").limit(5).list()
    print("companies in DE (newest first):", ", ".join(c["name"] for c in page))

    # 3. Run a receiver on 127.0.0.1 and register a webhook that points at it.
    server, hook_url, inbox = start_receiver()
    hook = client.webhooks.register(hook_url, ["company.created"])
    print(f"webhook {hook['id']} registered for company.created -> {hook_url}")
    try:
        # 4. Create a company: the API emits company.created and delivers it, signed.
        company = client.companies.create({"name": "Umbrella SE", "country": "DE"})
        print(f"created company {company['id']} ({company['name']})")

        # 5. Receive the delivery and verify its signature before trusting it.
        try:
            body, headers = inbox.get(timeout=15)
        except queue.Empty:
            print("no webhook delivery arrived within 15 s", file=sys.stderr)
            return 1
        event = Webhook(hook["secret"]).verify(body, headers)
        print(
            f"received {event['type']} {event['id']} for {event['data']['id']}: "
            "signature verified"
        )

        # 6. The delivery history, as the API recorded it.
        time.sleep(0.2)
        for d in client.webhooks.deliveries(hook["id"]):
            last = d.get("last_status_code") or "-"
            print(
                f"delivery {d['id']}: {d['event_type']} {d['status']} after "
                f"{d['attempt_count']} attempt(s), last status {last}"
            )
    finally:
        client.webhooks.delete(hook["id"])
        server.shutdown()
    ms = int((time.monotonic() - started) * 1000)
    print(f"python quickstart: done in {ms} ms (1 webhook delivery verified)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ErpError as e:
        print(f"quickstart failed: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
