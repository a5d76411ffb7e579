"""Every case of every file in spec/vectors/, through the Python face."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest

import erp_api_client as erp
from erp_api_client import _native

VECTORS = Path(__file__).resolve().parents[2] / "spec" / "vectors"


def load(name: str) -> Dict[str, Any]:
    return dict(json.loads((VECTORS / name).read_text()))


SIG = load("signatures.json")
RETRY = load("retry.json")
ERRORS = load("errors.json")
REQUESTS = load("requests.json")

CLASS_OF_KIND = {
    "bad_request": erp.BadRequestError,
    "unauthorized": erp.UnauthorizedError,
    "forbidden": erp.ForbiddenError,
    "not_found": erp.NotFoundError,
    "conflict": erp.ConflictError,
    "validation_failed": erp.ValidationFailedError,
    "rate_limited": erp.RateLimitedError,
    "server_error": erp.ServerError,
    "invalid_request": erp.InvalidRequestError,
    "invalid_config": erp.ConfigurationError,
}


def ids(cases: List[Dict[str, Any]]) -> List[str]:
    return [c["name"] for c in cases]


# ------------------------------------------------------------------ signatures


@pytest.mark.parametrize("case", SIG["verify"], ids=ids(SIG["verify"]))
def test_verify_vector(case: Dict[str, Any]) -> None:
    expected = case["expected"]

    def run() -> Dict[str, Any]:
        wh = erp.Webhook(case["secrets"], tolerance=case["tolerance_sec"])
        return wh.verify_at(case["body"], case["headers"], case["now"])

    if expected["valid"]:
        assert run() == expected["event"]
        # bytes bodies and header names in another case verify the same
        wh = erp.Webhook(case["secrets"], tolerance=case["tolerance_sec"])
        upper = {k.upper(): v for k, v in case["headers"].items()}
        assert wh.verify_at(case["body"].encode(), upper, case["now"]) == expected["event"]
    else:
        with pytest.raises(erp.WebhookVerificationError) as info:
            run()
        assert info.value.reason == expected["reason"]
        assert isinstance(info.value, erp.ErpError)
        for s in case["secrets"]:
            if len(s) > 8:
                assert s not in str(info.value) and s not in repr(info.value)


@pytest.mark.parametrize("case", SIG["verify"], ids=ids(SIG["verify"]))
def test_verify_signature_vector(case: Dict[str, Any]) -> None:
    """Signature only: the same outcome as verify, except that a body that is not JSON passes."""
    expected = case["expected"]
    reason = expected.get("reason")

    def run() -> None:
        wh = erp.Webhook(case["secrets"], tolerance=case["tolerance_sec"])
        assert wh.verify_signature_at(case["body"], case["headers"], case["now"]) is None
        # bytes bodies, pairs and other header-name cases give the same outcome
        pairs = [(k.upper(), v) for k, v in case["headers"].items()]
        wh.verify_signature_at(case["body"].encode(), pairs, case["now"])

    if expected["valid"] or reason == "invalid_payload":
        run()
    else:
        with pytest.raises(erp.WebhookVerificationError) as info:
            run()
        assert info.value.reason == reason


def _signed_now(wh: erp.Webhook, body: bytes) -> Dict[str, str]:
    return wh.sign("msg_1", int(time.time()), body)


def test_verify_signature_against_now() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    wh = erp.Webhook(secret)
    body = b'{"id": "evt_1", "type": "company.created"}'
    headers = _signed_now(wh, body)
    assert wh.verify_signature(body, headers) is None
    assert wh.verify_signature(body.decode(), headers) is None
    assert wh.verify_signature(bytearray(body), list(headers.items())) is None
    cases = [
        (body + b" ", headers, erp.Webhook(secret)),  # tampered body
        (body, headers, erp.Webhook("whsec_" + "A" * 32)),  # wrong secret
        (body, wh.sign("msg_1", int(time.time()) - 3600, body), wh),  # expired
        (body, {"webhook-id": "msg_1"}, wh),  # missing headers
    ]
    for b, h, w in cases:
        with pytest.raises(erp.WebhookVerificationError) as full:
            w.verify(b, h)
        with pytest.raises(erp.WebhookVerificationError) as sig:
            w.verify_signature(b, h)
        assert type(sig.value) is type(full.value)
        assert sig.value.reason == full.value.reason
    # a body that is not JSON: verify refuses it, verify_signature does not
    raw = b"\x00\xffnot json"
    raw_headers = _signed_now(wh, raw)
    with pytest.raises(erp.WebhookVerificationError) as info:
        wh.verify(raw, raw_headers)
    assert info.value.reason == "invalid_payload"
    assert wh.verify_signature(raw, raw_headers) is None
    with pytest.raises(TypeError):
        wh.verify_signature(body, {"webhook-signature": 1})


def test_every_reason_has_a_case() -> None:
    reasons = {c["expected"]["reason"] for c in SIG["verify"] if not c["expected"]["valid"]}
    assert len(reasons) == 7


@pytest.mark.parametrize("case", SIG["sign"], ids=ids(SIG["sign"]))
def test_sign_vector(case: Dict[str, Any]) -> None:
    wh = erp.Webhook(case["secrets"])
    assert wh.sign(case["msg_id"], case["timestamp"], case["body"]) == case["expected_headers"]
    assert wh.sign(case["msg_id"], case["timestamp"], case["body"].encode()) == case[
        "expected_headers"
    ]


# ------------------------------------------------------------------ retry


@pytest.mark.parametrize("case", RETRY["cases"], ids=ids(RETRY["cases"]))
def test_retry_vector(case: Dict[str, Any]) -> None:
    policy = dict(RETRY["default_policy"])
    policy.update(case.get("policy") or {})
    o = case["outcome"]
    outcome: Dict[str, Any] = {}
    if "error" in o:
        outcome["error"] = o["error"]
    else:
        outcome["status"] = o["status"]
        for k, v in (o.get("headers") or {}).items():
            if k.lower() == "retry-after":
                outcome["retry_after"] = v
    d = _native._retry_decision(policy, case["retries_done"], outcome, RETRY["now"])
    e = case["expected"]
    assert d["retry"] == e["retry"]
    if e["retry"]:
        assert (d["min_delay_ms"], d["max_delay_ms"]) == (e["min_delay_ms"], e["max_delay_ms"])
        assert e["min_delay_ms"] <= d["delay_ms"] <= e["max_delay_ms"]


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("case", ERRORS["cases"], ids=ids(ERRORS["cases"]))
def test_error_vector(case: Dict[str, Any]) -> None:
    if "body_base64" in case:
        body: Any = base64.b64decode(case["body_base64"])
    else:
        body = case["body"]
    err = _native._error_from_response(case["status"], case["headers"], body, ERRORS["now"])
    e = case["expected"]
    assert type(err) is CLASS_OF_KIND[e["kind"]]
    assert isinstance(err, erp.ApiError)
    assert err.kind == e["kind"]
    assert err.code == e["code"]
    assert err.message == e["message"]
    assert err.request_id == e["request_id"]
    assert err.status == case["status"]
    assert err.details == e["details"]
    if e["kind"] == "rate_limited":
        ra = err.retry_after  # type: ignore[attr-defined]
        assert (None if ra is None else int(ra)) == e["retry_after"]
    else:
        assert e["retry_after"] is None or e["kind"] != "rate_limited"
    assert ERRORS["kinds"][e["kind"]] in type(err).__name__


# ------------------------------------------------------------------ requests


def build_client(c: Dict[str, Any]) -> erp.Client:
    return erp.Client(
        c.get("api_key"),
        base_url=c["base_url"],
        bearer_token=c.get("bearer_token"),
        default_headers=c.get("default_headers"),
    )


def prepare(case: Dict[str, Any]) -> Dict[str, Any]:
    client = build_client(case["client"])
    if "request" in case:
        r = case["request"]
        q = client.resource(r["resource"])
        for field, value in r.get("filters") or []:
            q = q.filter(**{field: value})
        if r.get("sort") is not None:
            q = q.sort(r["sort"])
        if r.get("limit") is not None:
            q = q.limit(r["limit"])
        if r.get("cursor") is not None:
            q = q.cursor(r["cursor"])
        if r.get("options"):
            o = r["options"]
            q = q.with_options(
                idempotency_key=o.get("idempotency_key"),
                headers=o.get("headers"),
                suppress_webhooks=o.get("suppress_webhooks"),
            )
        return dict(q.prepare(r["op"], r.get("id"), r.get("body")))
    b = case["batch"]
    batch = client.batch()
    if "operations_repeat" in b:
        ops = [b["operations_repeat"]["operation"]] * b["operations_repeat"]["count"]
    else:
        ops = b["operations"]
    for op in ops:
        batch.add(op["method"], op["path"], op.get("body"))
    return dict(
        batch.prepare(
            mode=b.get("mode"),
            stop_on_error=b.get("stop_on_error"),
            max_parallel=b.get("max_parallel"),
            idempotency_key=b.get("idempotency_key"),
        )
    )


@pytest.mark.parametrize("case", REQUESTS["cases"], ids=ids(REQUESTS["cases"]))
def test_request_vector(case: Dict[str, Any]) -> None:
    if "expected_error" in case:
        with pytest.raises(erp.ErpError) as info:
            prepare(case)
        assert info.value.kind == case["expected_error"]["kind"]
        cls = CLASS_OF_KIND.get(case["expected_error"]["kind"])
        if cls is not None:
            assert isinstance(info.value, cls)
        return
    r = prepare(case)
    e = case["expected"]
    assert r["method"] == e["method"]
    assert r["url"] == e["url"]
    assert r["path"] == e["path"]
    assert r["query"] == e["query"]
    headers = {k.lower(): v for k, v in r["headers"].items()}
    for k, v in e["headers"].items():
        assert headers.get(k.lower()) == v, k
    for k in e["absent_headers"]:
        assert k.lower() not in headers, k
    assert headers["user-agent"].startswith("erp-api-client/")
    key = headers.get("idempotency-key")
    if e["idempotency_key"] is None:
        assert key is None
    elif e["idempotency_key"] == "generated":
        assert key is not None and uuid.UUID(key).version == 4
    else:
        assert key == e["idempotency_key"]
    if "body_operations_count" in e:
        assert len(r["body"]["operations"]) == e["body_operations_count"]
    else:
        assert r["body"] == e["body"]
