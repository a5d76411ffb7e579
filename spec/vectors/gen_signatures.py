#!/usr/bin/env python3
"""Generate spec/vectors/signatures.json: shared webhook-signature test vectors.

This is an INDEPENDENT reference implementation of the webhook signing and
verification contract, written against Python's stdlib only (hmac, hashlib,
base64, json). Every language face of the SDK (Rust core, Python, Node, PHP,
wasm) must produce the results recorded in the generated JSON.

Output is deterministic: fixed secrets, ids and timestamps; no randomness and
no wall-clock time. Running this script rewrites signatures.json byte for byte.

Usage:
    python3 spec/vectors/gen_signatures.py          # (re)write signatures.json
    python3 spec/vectors/gen_signatures.py --check  # exit 1 if the file is stale

Schemes
  1. Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature =
     space-separated "v1,<base64(HMAC-SHA256(key, f"{id}.{ts}.{body}"))>".
     key = base64-decode(secret[6:]) if secret starts with "whsec_", else the
     secret's UTF-8 bytes.
  2. GitHub style: X-Webhook-Signature = "sha256=<hex(HMAC-SHA256(key, body))>",
     key = the secret string's UTF-8 bytes exactly as given (never decoded).
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import sys

OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "signatures.json")
GENERATOR = "spec/vectors/gen_signatures.py"
DEFAULT_TOLERANCE = 300

# --------------------------------------------------------------------------
# Reference implementation
# --------------------------------------------------------------------------


class InvalidSecret(Exception):
    pass


def b64decode_strict(s):
    """Standard base64 (with padding); raises on any invalid input."""
    try:
        return base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ValueError("invalid base64")


def scheme1_key(secret):
    if secret == "":
        raise InvalidSecret("empty secret")
    if secret.startswith("whsec_"):
        try:
            key = b64decode_strict(secret[len("whsec_"):])
        except ValueError:
            raise InvalidSecret("whsec_ secret is not valid base64")
        return key
    return secret.encode("utf-8")


def scheme2_key(secret):
    if secret == "":
        raise InvalidSecret("empty secret")
    return secret.encode("utf-8")


def sign_scheme1(secret, msg_id, timestamp, body):
    to_sign = ("%s.%d." % (msg_id, timestamp)).encode("utf-8") + body.encode("utf-8")
    mac = hmac.new(scheme1_key(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def sign_scheme2(secret, body):
    mac = hmac.new(scheme2_key(secret), body.encode("utf-8"), hashlib.sha256).hexdigest()
    return "sha256=" + mac


def sign_headers(secrets, msg_id, timestamp, body):
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign_scheme1(s, msg_id, timestamp, body) for s in secrets),
        "x-webhook-signature": sign_scheme2(secrets[0], body),
    }


_INT_RE = re.compile(r"^[0-9]+$")
_SCHEME2_RE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")


def _fail(reason):
    return {"valid": False, "reason": reason}


def _check_timestamp(raw, now, tolerance):
    if not _INT_RE.match(raw):
        return "malformed_header"
    ts = int(raw)
    if ts < now - tolerance:
        return "timestamp_too_old"
    if ts > now + tolerance:
        return "timestamp_too_new"
    return None


def verify(secrets, headers, body, now, tolerance=DEFAULT_TOLERANCE):
    # Construction: every secret must be usable.
    try:
        if not secrets:
            raise InvalidSecret("no secrets")
        keys1 = [scheme1_key(s) for s in secrets]
        keys2 = [scheme2_key(s) for s in secrets]
    except InvalidSecret:
        return _fail("invalid_secret")

    h = {}
    for k, v in headers.items():
        lk = k.lower()
        assert lk not in h, "duplicate header in vector: %r" % k
        h[lk] = v
    body_bytes = body.encode("utf-8")

    if "webhook-signature" in h:
        if "webhook-id" not in h or "webhook-timestamp" not in h:
            return _fail("missing_header")
        err = _check_timestamp(h["webhook-timestamp"], now, tolerance)
        if err:
            return _fail(err)
        tokens = [t for t in h["webhook-signature"].split(" ") if t != ""]
        pairs = [t.split(",", 1) for t in tokens if "," in t]
        if not pairs:
            return _fail("malformed_header")
        to_sign = ("%s.%s." % (h["webhook-id"], h["webhook-timestamp"])).encode("utf-8") + body_bytes
        expected = [hmac.new(k, to_sign, hashlib.sha256).digest() for k in keys1]
        ok = False
        for version, value in pairs:
            if version != "v1":
                continue
            try:
                got = b64decode_strict(value)
            except ValueError:
                continue
            if any(hmac.compare_digest(got, e) for e in expected):
                ok = True
        if not ok:
            return _fail("no_matching_signature")
    elif "x-webhook-signature" in h:
        m = _SCHEME2_RE.match(h["x-webhook-signature"])
        if not m:
            return _fail("malformed_header")
        if "webhook-timestamp" in h:
            err = _check_timestamp(h["webhook-timestamp"], now, tolerance)
            if err:
                return _fail(err)
        got = m.group(1).lower()
        expected = [hmac.new(k, body_bytes, hashlib.sha256).hexdigest() for k in keys2]
        if not any(hmac.compare_digest(got, e) for e in expected):
            return _fail("no_matching_signature")
    else:
        return _fail("missing_header")

    try:
        event = json.loads(body)
    except ValueError:
        return _fail("invalid_payload")
    return {"valid": True, "event": event}


# --------------------------------------------------------------------------
# Self-check against the published Standard Webhooks example
# --------------------------------------------------------------------------

SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = '{"test": 2432232314}'
SPEC_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def self_check():
    got = sign_scheme1(SPEC_SECRET, SPEC_MSG_ID, SPEC_TS, SPEC_BODY)
    assert got == SPEC_SIG, "published Standard Webhooks example not reproduced: %s != %s" % (got, SPEC_SIG)
    r = verify([SPEC_SECRET], {"webhook-id": SPEC_MSG_ID, "webhook-timestamp": str(SPEC_TS),
                               "webhook-signature": SPEC_SIG}, SPEC_BODY, SPEC_TS)
    assert r == {"valid": True, "event": {"test": 2432232314}}, r


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------

NOW = 1767225600  # 2026-01-01T00:00:00Z
SECRET_A = "whsec_c2VjcmV0LWtleS1hbHBoYS0wMTIzNDU2Nzg5YWJjZGVm"  # b64 of "secret-key-alpha-0123456789abcdef"
SECRET_B = "whsec_c2VjcmV0LWtleS1icmF2by1mZWRjYmE5ODc2NTQzMjEw"  # b64 of "secret-key-bravo-fedcba9876543210"
SECRET_WRONG = "whsec_d3Jvbmcta2V5LW5vdC10aGUtc2VuZGVycy1rZXk="     # b64 of "wrong-key-not-the-senders-key"
RAW_SECRET = "erp-raw-webhook-secret-2026"
RAW_WRONG = "erp-raw-webhook-secret-2025"
MSG_ID = "msg_2Zq7TbQ1vC9xK4LmN8pR"


def event_body(n, typ="company.created", data=None):
    ev = {
        "id": "evt_%d" % n,
        "type": typ,
        "created_at": "2026-01-01T00:00:00Z",
        "tenant_id": "ten_1",
        "data": data if data is not None else {"company_id": "cmp_%d" % n, "name": "Acme GmbH"},
    }
    # Compact JSON as a server would send it (insertion order, no spaces).
    return json.dumps(ev, separators=(",", ":"), ensure_ascii=False)


BODY = event_body(1)
BODY_ALT = event_body(2, "invoice.paid", {"invoice_id": "inv_42", "amount_cents": 129900, "currency": "EUR"})
BODY_UNICODE = event_body(3, "contact.updated", {"name": "Jürgen Groß", "city": "Zürich", "note": "東京 — café ✓"})
BODY_EMPTY_OBJ = "{}"
BODY_NOT_JSON = "this is not json"
BODY_TAMPERED = BODY.replace("Acme GmbH", "Acme AG")
assert BODY_TAMPERED != BODY


def s1(secret, body, ts=NOW, msg_id=MSG_ID):
    return sign_scheme1(secret, msg_id, ts, body)


def std_headers(sig, ts=NOW, msg_id=MSG_ID, names=("webhook-id", "webhook-timestamp", "webhook-signature")):
    return {names[0]: msg_id, names[1]: str(ts), names[2]: sig}


def valid(body):
    return {"valid": True, "event": json.loads(body)}


def invalid(reason):
    return {"valid": False, "reason": reason}


def build_verify_cases():
    cases = []

    def add(name, comment, secrets, headers, body, expected, now=NOW, tolerance=DEFAULT_TOLERANCE):
        computed = verify(secrets, headers, body, now, tolerance)
        assert computed == expected, "case %s: intended %r, reference computed %r" % (name, expected, computed)
        assert name not in {c["name"] for c in cases}, name
        cases.append({
            "name": name,
            "comment": comment,
            "secrets": list(secrets),
            "tolerance_sec": tolerance,
            "now": now,
            "body": body,
            "headers": dict(headers),
            "expected": expected,
        })

    # ---- Scheme 1: Standard Webhooks -------------------------------------
    add("standard_webhooks_spec_example",
        "Published Standard Webhooks example (whsec_ secret, base64-decoded key).",
        [SPEC_SECRET],
        {"webhook-id": SPEC_MSG_ID, "webhook-timestamp": str(SPEC_TS), "webhook-signature": SPEC_SIG},
        SPEC_BODY, valid(SPEC_BODY), now=SPEC_TS)
    add("s1_valid_whsec_secret", "Scheme 1, whsec_ secret: key is base64-decoded rest.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY)), BODY, valid(BODY))
    add("s1_valid_raw_secret", "Scheme 1, raw secret: key is the secret's UTF-8 bytes.",
        [RAW_SECRET], std_headers(s1(RAW_SECRET, BODY)), BODY, valid(BODY))
    add("s1_valid_mixed_case_header_names", "Header names are case-insensitive.",
        [SECRET_A],
        std_headers(s1(SECRET_A, BODY), names=("Webhook-Id", "WEBHOOK-TIMESTAMP", "Webhook-Signature")),
        BODY, valid(BODY))
    add("s1_valid_non_ascii_body", "Body contains non-ASCII UTF-8; HMAC is over the UTF-8 bytes.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY_UNICODE)), BODY_UNICODE, valid(BODY_UNICODE))
    add("s1_valid_empty_object_event", "Body is the empty JSON object; event is {}.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY_EMPTY_OBJ)), BODY_EMPTY_OBJ, valid(BODY_EMPTY_OBJ))
    add("s1_tampered_body", "Body changed after signing.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY)), BODY_TAMPERED, invalid("no_matching_signature"))
    add("s1_tampered_msg_id", "webhook-id changed after signing (id is part of the signed content).",
        [SECRET_A], std_headers(s1(SECRET_A, BODY), msg_id="msg_other"), BODY, invalid("no_matching_signature"))
    add("s1_wrong_secret", "Signed with a different secret.",
        [SECRET_A], std_headers(s1(SECRET_WRONG, BODY)), BODY, invalid("no_matching_signature"))
    add("s1_raw_secret_not_decoded",
        "Raw secret that happens to be valid base64 must NOT be decoded (no whsec_ prefix).",
        ["c2VjcmV0"], std_headers(s1("c2VjcmV0", BODY)), BODY, valid(BODY))
    add("s1_whsec_secret_used_as_raw_bytes_rejected",
        "Signature computed with the whsec_ string's raw bytes as key does not match (scheme 1 decodes).",
        [SECRET_A],
        std_headers("v1," + base64.b64encode(hmac.new(SECRET_A.encode(), ("%s.%d.%s" % (MSG_ID, NOW, BODY)).encode(),
                                                      hashlib.sha256).digest()).decode()),
        BODY, invalid("no_matching_signature"))
    add("s1_multiple_signatures_one_matches", "Several v1 entries; the last one matches.",
        [SECRET_A],
        std_headers(" ".join([s1(SECRET_WRONG, BODY), s1(SECRET_B, BODY), s1(SECRET_A, BODY)])),
        BODY, valid(BODY))
    add("s1_multiple_signatures_none_match", "Several v1 entries; none matches.",
        [SECRET_A],
        std_headers(" ".join([s1(SECRET_WRONG, BODY), s1(SECRET_B, BODY)])),
        BODY, invalid("no_matching_signature"))
    correct_b64 = s1(SECRET_A, BODY).split(",", 1)[1]
    add("s1_unknown_version_ignored_valid_v1", "A v2 entry is ignored; the v1 entry matches.",
        [SECRET_A], std_headers("v2,%s %s" % (base64.b64encode(b"x" * 32).decode(), s1(SECRET_A, BODY))),
        BODY, valid(BODY))
    add("s1_only_unknown_version", "Only a v2 entry (carrying the correct MAC value); v2 is ignored.",
        [SECRET_A], std_headers("v2," + correct_b64), BODY, invalid("no_matching_signature"))
    add("s1_v1a_version_not_v1", "Version 'v1a' (asymmetric) is not 'v1' and is ignored.",
        [SECRET_A], std_headers("v1a," + correct_b64), BODY, invalid("no_matching_signature"))
    add("s1_signature_without_comma", "Signature header has no '<version>,<value>' token.",
        [SECRET_A], std_headers(correct_b64), BODY, invalid("malformed_header"))
    add("s1_signature_only_spaces", "Signature header contains only spaces (no tokens).",
        [SECRET_A], std_headers("   "), BODY, invalid("malformed_header"))
    add("s1_invalid_base64_value", "A v1 value that is not base64 simply does not match.",
        [SECRET_A], std_headers("v1,not*base64!!"), BODY, invalid("no_matching_signature"))
    add("s1_invalid_base64_then_valid", "Invalid base64 v1 entry followed by a valid one.",
        [SECRET_A], std_headers("v1,###%%% " + s1(SECRET_A, BODY)), BODY, valid(BODY))
    add("s1_extra_spaces_in_signature_header", "Leading/trailing/repeated spaces are ignored.",
        [SECRET_A], std_headers("  %s    %s  " % (s1(SECRET_WRONG, BODY), s1(SECRET_A, BODY))),
        BODY, valid(BODY))
    add("s1_signature_without_v1_prefix_value_is_sig", "Bare base64 next to a v1 token is ignored (no comma).",
        [SECRET_A], std_headers(correct_b64 + " " + s1(SECRET_A, BODY)), BODY, valid(BODY))

    # Timestamps
    add("s1_timestamp_too_old", "Timestamp more than tolerance in the past.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY, ts=NOW - 301), ts=NOW - 301), BODY,
        invalid("timestamp_too_old"))
    add("s1_timestamp_too_new", "Timestamp more than tolerance in the future.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY, ts=NOW + 301), ts=NOW + 301), BODY,
        invalid("timestamp_too_new"))
    add("s1_timestamp_exactly_minus_tolerance", "Exactly now - tolerance is accepted.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY, ts=NOW - 300), ts=NOW - 300), BODY, valid(BODY))
    add("s1_timestamp_exactly_plus_tolerance", "Exactly now + tolerance is accepted.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY, ts=NOW + 300), ts=NOW + 300), BODY, valid(BODY))
    add("s1_custom_tolerance_too_old", "Tolerance 10s; 11s old is rejected.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY, ts=NOW - 11), ts=NOW - 11), BODY,
        invalid("timestamp_too_old"), tolerance=10)
    add("s1_custom_tolerance_at_bound", "Tolerance 10s; exactly 10s old is accepted.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY, ts=NOW - 10), ts=NOW - 10), BODY, valid(BODY), tolerance=10)
    add("s1_custom_tolerance_too_new", "Tolerance 10s; 11s in the future is rejected.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY, ts=NOW + 11), ts=NOW + 11), BODY,
        invalid("timestamp_too_new"), tolerance=10)
    add("s1_timestamp_not_numeric", "webhook-timestamp is not a base-10 integer.",
        [SECRET_A], {"webhook-id": MSG_ID, "webhook-timestamp": "yesterday",
                     "webhook-signature": s1(SECRET_A, BODY)}, BODY, invalid("malformed_header"))
    add("s1_timestamp_fractional", "webhook-timestamp with a fractional part is malformed.",
        [SECRET_A], {"webhook-id": MSG_ID, "webhook-timestamp": "%d.5" % NOW,
                     "webhook-signature": s1(SECRET_A, BODY)}, BODY, invalid("malformed_header"))
    add("s1_missing_webhook_id", "webhook-signature present but webhook-id missing.",
        [SECRET_A], {"webhook-timestamp": str(NOW), "webhook-signature": s1(SECRET_A, BODY)}, BODY,
        invalid("missing_header"))
    add("s1_missing_webhook_timestamp", "webhook-signature present but webhook-timestamp missing.",
        [SECRET_A], {"webhook-id": MSG_ID, "webhook-signature": s1(SECRET_A, BODY)}, BODY,
        invalid("missing_header"))

    # Rotation
    add("s1_rotation_new_secret_first_signed_with_old", "Secrets [new, old]; sender still uses old.",
        [SECRET_B, SECRET_A], std_headers(s1(SECRET_A, BODY)), BODY, valid(BODY))
    add("s1_rotation_old_secret_first_signed_with_new", "Secrets [old, new]; sender already uses new.",
        [SECRET_A, SECRET_B], std_headers(s1(SECRET_B, BODY)), BODY, valid(BODY))
    add("s1_rotation_both_signatures_present", "Sender signs with both secrets; receiver has only new.",
        [SECRET_B], std_headers(s1(SECRET_A, BODY) + " " + s1(SECRET_B, BODY)), BODY, valid(BODY))
    add("s1_rotation_none_match", "Two secrets configured, signature by a third.",
        [SECRET_A, SECRET_B], std_headers(s1(SECRET_WRONG, BODY)), BODY, invalid("no_matching_signature"))
    add("s1_valid_signature_non_json_body", "Signature valid, but body is not JSON.",
        [SECRET_A], std_headers(s1(SECRET_A, BODY_NOT_JSON)), BODY_NOT_JSON, invalid("invalid_payload"))

    # ---- Scheme 2: GitHub style -------------------------------------------
    add("s2_valid_raw_secret_no_timestamp", "Scheme 2, raw secret, no webhook-timestamp (no time check).",
        [RAW_SECRET], {"X-Webhook-Signature": sign_scheme2(RAW_SECRET, BODY)}, BODY, valid(BODY))
    add("s2_valid_whsec_secret_whole_string_key",
        "Scheme 2 with a whsec_ secret: key is the whole string's UTF-8 bytes, prefix included.",
        [SECRET_A], {"x-webhook-signature": sign_scheme2(SECRET_A, BODY)}, BODY, valid(BODY))
    decoded_key_hex = hmac.new(scheme1_key(SECRET_A), BODY.encode(), hashlib.sha256).hexdigest()
    add("s2_whsec_secret_decoded_key_rejected",
        "Scheme 2 signature made with the base64-DECODED whsec_ key does not match.",
        [SECRET_A], {"x-webhook-signature": "sha256=" + decoded_key_hex}, BODY, invalid("no_matching_signature"))
    add("s2_valid_with_timestamp", "Scheme 2 with webhook-timestamp inside tolerance.",
        [RAW_SECRET], {"X-WEBHOOK-SIGNATURE": sign_scheme2(RAW_SECRET, BODY), "Webhook-Timestamp": str(NOW - 120)},
        BODY, valid(BODY))
    add("s2_timestamp_too_old", "Scheme 2; webhook-timestamp present and too old.",
        [RAW_SECRET], {"x-webhook-signature": sign_scheme2(RAW_SECRET, BODY), "webhook-timestamp": str(NOW - 301)},
        BODY, invalid("timestamp_too_old"))
    add("s2_timestamp_too_new", "Scheme 2; webhook-timestamp present and too new.",
        [RAW_SECRET], {"x-webhook-signature": sign_scheme2(RAW_SECRET, BODY), "webhook-timestamp": str(NOW + 301)},
        BODY, invalid("timestamp_too_new"))
    add("s2_timestamp_not_numeric", "Scheme 2; webhook-timestamp present but not an integer.",
        [RAW_SECRET], {"x-webhook-signature": sign_scheme2(RAW_SECRET, BODY), "webhook-timestamp": "abc"},
        BODY, invalid("malformed_header"))
    add("s2_uppercase_hex", "Hex digits in uppercase are accepted.",
        [RAW_SECRET], {"X-Webhook-Signature": "sha256=" + sign_scheme2(RAW_SECRET, BODY)[7:].upper()},
        BODY, valid(BODY))
    add("s2_tampered_body", "Scheme 2, body changed after signing.",
        [RAW_SECRET], {"x-webhook-signature": sign_scheme2(RAW_SECRET, BODY)}, BODY_TAMPERED,
        invalid("no_matching_signature"))
    add("s2_wrong_secret", "Scheme 2, signed with a different secret.",
        [RAW_SECRET], {"x-webhook-signature": sign_scheme2(RAW_WRONG, BODY)}, BODY, invalid("no_matching_signature"))
    add("s2_missing_prefix", "64 hex digits without the 'sha256=' prefix.",
        [RAW_SECRET], {"x-webhook-signature": sign_scheme2(RAW_SECRET, BODY)[7:]}, BODY, invalid("malformed_header"))
    add("s2_wrong_length", "sha256= followed by 63 hex digits.",
        [RAW_SECRET], {"x-webhook-signature": sign_scheme2(RAW_SECRET, BODY)[:-1]}, BODY, invalid("malformed_header"))
    add("s2_non_hex_digits", "sha256= followed by 64 chars that are not all hex.",
        [RAW_SECRET], {"x-webhook-signature": "sha256=" + "g" * 64}, BODY, invalid("malformed_header"))
    add("s2_wrong_algorithm_prefix", "sha1= prefix is not accepted.",
        [RAW_SECRET], {"x-webhook-signature": "sha1=" + sign_scheme2(RAW_SECRET, BODY)[7:]}, BODY,
        invalid("malformed_header"))
    add("s2_rotation_second_secret_matches", "Scheme 2 with two secrets; the second matches.",
        [RAW_WRONG, RAW_SECRET], {"x-webhook-signature": sign_scheme2(RAW_SECRET, BODY)}, BODY, valid(BODY))
    add("s2_valid_non_ascii_body", "Scheme 2 over a non-ASCII UTF-8 body.",
        [RAW_SECRET], {"x-webhook-signature": sign_scheme2(RAW_SECRET, BODY_UNICODE)}, BODY_UNICODE,
        valid(BODY_UNICODE))
    add("s2_valid_signature_non_json_body", "Scheme 2 signature valid, body is not JSON.",
        [RAW_SECRET], {"x-webhook-signature": sign_scheme2(RAW_SECRET, BODY_NOT_JSON)}, BODY_NOT_JSON,
        invalid("invalid_payload"))

    # ---- Header selection --------------------------------------------------
    add("both_headers_s1_valid_s2_garbage", "Scheme 1 present and valid wins; scheme 2 header is ignored.",
        [SECRET_A],
        {"Webhook-Id": MSG_ID, "Webhook-Timestamp": str(NOW), "Webhook-Signature": s1(SECRET_A, BODY),
         "X-Webhook-Signature": "garbage"}, BODY, valid(BODY))
    add("both_headers_s1_wrong_s2_right", "Scheme 1 present but wrong; a correct scheme 2 header does not rescue it.",
        [SECRET_A],
        {"webhook-id": MSG_ID, "webhook-timestamp": str(NOW), "webhook-signature": s1(SECRET_WRONG, BODY),
         "x-webhook-signature": sign_scheme2(SECRET_A, BODY)}, BODY, invalid("no_matching_signature"))
    add("no_signature_headers", "Neither webhook-signature nor X-Webhook-Signature present.",
        [SECRET_A], {"webhook-id": MSG_ID, "webhook-timestamp": str(NOW), "content-type": "application/json"},
        BODY, invalid("missing_header"))
    add("no_headers_at_all", "Empty header map.",
        [SECRET_A], {}, BODY, invalid("missing_header"))

    # ---- Secret construction -----------------------------------------------
    add("invalid_secret_whsec_bad_base64", "whsec_ secret whose rest is not valid base64 (construction error).",
        ["whsec_not*valid*base64!"], std_headers(s1(SECRET_A, BODY)), BODY, invalid("invalid_secret"))
    add("invalid_secret_empty", "Empty secret string (construction error).",
        [""], std_headers(s1(SECRET_A, BODY)), BODY, invalid("invalid_secret"))
    add("invalid_secret_one_of_several", "One invalid secret among valid ones fails construction.",
        [SECRET_A, "whsec_%%%%"], std_headers(s1(SECRET_A, BODY)), BODY, invalid("invalid_secret"))
    return cases


def build_sign_cases():
    cases = []

    def add(name, comment, secrets, msg_id, timestamp, body):
        hdrs = sign_headers(secrets, msg_id, timestamp, body)
        # Round-trip through the verifier (both schemes) as a sanity check.
        assert verify(secrets, {k: v for k, v in hdrs.items() if k != "x-webhook-signature"}, body, timestamp)["valid"]
        assert verify(secrets[:1], {"x-webhook-signature": hdrs["x-webhook-signature"]}, body, timestamp)["valid"]
        cases.append({
            "name": name,
            "comment": comment,
            "secrets": list(secrets),
            "msg_id": msg_id,
            "timestamp": timestamp,
            "body": body,
            "expected_headers": hdrs,
        })

    add("standard_webhooks_spec_example", "Published Standard Webhooks example.",
        [SPEC_SECRET], SPEC_MSG_ID, SPEC_TS, SPEC_BODY)
    assert cases[-1]["expected_headers"]["webhook-signature"] == SPEC_SIG
    add("sign_whsec_single", "Single whsec_ secret.", [SECRET_A], MSG_ID, NOW, BODY)
    add("sign_raw_secret", "Raw secret (UTF-8 bytes are the key for both schemes).",
        [RAW_SECRET], "msg_raw_0001", NOW, BODY_ALT)
    add("sign_two_secrets_rotation", "Two secrets: one v1 entry per secret in order; x-webhook-signature uses the first.",
        [SECRET_B, SECRET_A], MSG_ID, NOW, BODY)
    add("sign_mixed_secrets", "whsec_ and raw secrets mixed.",
        [RAW_SECRET, SECRET_A], "msg_mixed_0002", NOW + 60, BODY_ALT)
    add("sign_non_ascii_body", "Non-ASCII UTF-8 body.", [SECRET_A], "msg_utf8_0003", NOW, BODY_UNICODE)
    add("sign_empty_object_body", "Empty JSON object body.", [SECRET_A], "msg_empty_0004", NOW, BODY_EMPTY_OBJ)
    return cases


def render():
    doc = {
        "description": (
            "Shared webhook-signature test vectors. Scheme 1 (Standard Webhooks): headers webhook-id, "
            "webhook-timestamp, webhook-signature = space-separated 'v1,<base64 HMAC-SHA256(key, "
            "\"{id}.{timestamp}.{body}\")>'; key = base64-decode of the rest for 'whsec_' secrets, else the "
            "secret's UTF-8 bytes. Scheme 2 (GitHub style): X-Webhook-Signature = 'sha256=<hex HMAC-SHA256(key, "
            "body)>', key = the secret's UTF-8 bytes as given. 'verify' cases: header names are case-insensitive; "
            "expected is {valid:true, event} or {valid:false, reason}. 'sign' cases: webhook-signature has one v1 "
            "entry per secret in order; x-webhook-signature uses the first secret. Bodies are UTF-8 text. "
            "Do not edit by hand; regenerate with the generator."
        ),
        "generator": GENERATOR,
        "verify": build_verify_cases(),
        "sign": build_sign_cases(),
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv):
    check = "--check" in argv[1:]
    unknown = [a for a in argv[1:] if a != "--check"]
    if unknown:
        sys.stderr.write("usage: gen_signatures.py [--check]\n")
        return 2
    self_check()
    data = render().encode("utf-8")
    if check:
        try:
            with open(OUT_PATH, "rb") as f:
                current = f.read()
        except OSError:
            current = None
        if current != data:
            sys.stderr.write("%s is out of date; run python3 %s\n" % (OUT_PATH, GENERATOR))
            return 1
        return 0
    with open(OUT_PATH, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
