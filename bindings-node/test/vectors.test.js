'use strict'
// Runs every case of every file in spec/vectors/ through the Node face.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const api = require('..')
const { Client, Webhook, ErpError, ApiError, WebhookVerificationError } = api

const VECTORS = path.join(__dirname, '..', '..', 'spec', 'vectors')
const load = (name) => JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf8'))
const httpDateToUnix = (s) => Math.floor(Date.parse(s) / 1000)

const classFor = {
  bad_request: api.BadRequestError,
  unauthorized: api.UnauthorizedError,
  forbidden: api.ForbiddenError,
  not_found: api.NotFoundError,
  conflict: api.ConflictError,
  validation_failed: api.ValidationFailedError,
  rate_limited: api.RateLimitedError,
  server_error: api.ServerError,
}

test('signature vectors: verify', () => {
  const v = load('signatures.json')
  assert.ok(v.verify.length >= 30)
  const reasons = new Set()
  for (const c of v.verify) {
    const run = () => new Webhook(c.secrets, { toleranceSec: c.tolerance_sec }).verifyAt(c.body, c.headers, c.now)
    if (c.expected.valid) {
      assert.deepEqual(run(), c.expected.event, c.name)
      // Buffer and Uint8Array bodies, Map and Headers containers give the same answer.
      const wh = new Webhook(c.secrets, { toleranceSec: c.tolerance_sec })
      const buf = Buffer.from(c.body, 'utf8')
      assert.deepEqual(wh.verifyAt(buf, new Map(Object.entries(c.headers)), c.now), c.expected.event, c.name)
      assert.deepEqual(wh.verifyAt(new Uint8Array(buf), new Headers(c.headers), c.now), c.expected.event, c.name)
    } else {
      let err
      try {
        run()
      } catch (e) {
        err = e
      }
      assert.ok(err, `${c.name}: expected ${c.expected.reason}, got valid`)
      assert.ok(err instanceof WebhookVerificationError, `${c.name}: ${err}`)
      assert.ok(err instanceof ErpError)
      assert.equal(err.reason, c.expected.reason, c.name)
      reasons.add(err.reason)
      for (const s of c.secrets) {
        if (s.length > 8) {
          assert.ok(!err.message.includes(s), `${c.name}: secret in message`)
          assert.ok(!String(err.stack).includes(s), `${c.name}: secret in stack`)
        }
      }
    }
  }
  assert.equal(reasons.size, 7, 'every failure reason has a case')
})

test('signature vectors: verifySignature', () => {
  // The same outcome as verify, except that a body that is not JSON passes.
  const v = load('signatures.json')
  for (const c of v.verify) {
    const reason = c.expected.valid || c.expected.reason === 'invalid_payload' ? undefined : c.expected.reason
    const runs = [
      () => new Webhook(c.secrets, { toleranceSec: c.tolerance_sec }).verifySignatureAt(c.body, c.headers, c.now),
      () =>
        new Webhook(c.secrets, { toleranceSec: c.tolerance_sec }).verifySignatureAt(
          Buffer.from(c.body, 'utf8'),
          new Headers(c.headers),
          c.now,
        ),
    ]
    for (const run of runs) {
      if (reason === undefined) {
        assert.equal(run(), undefined, c.name)
      } else {
        assert.throws(run, (e) => e instanceof WebhookVerificationError && e.reason === reason, c.name)
      }
    }
  }
})

test('verifySignature against the current time', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const wh = new Webhook(secret)
  const now = Math.floor(Date.now() / 1000)
  const body = '{"id":"evt_1","type":"company.created"}'
  const headers = wh.sign('msg_1', now, body)
  assert.equal(wh.verifySignature(body, headers), undefined)
  assert.equal(wh.verifySignature(new TextEncoder().encode(body), new Map(Object.entries(headers))), undefined)
  const failing = [
    [wh, body + ' ', headers], // tampered body
    [new Webhook('whsec_' + Buffer.alloc(32, 7).toString('base64')), body, headers], // wrong secret
    [wh, body, wh.sign('msg_1', now - 3600, body)], // expired
    [wh, body, { 'webhook-id': 'msg_1' }], // no signature header
  ]
  for (const [w, b, h] of failing) {
    let full
    try {
      w.verify(b, h)
    } catch (e) {
      full = e
    }
    assert.ok(full instanceof WebhookVerificationError)
    assert.throws(
      () => w.verifySignature(b, h),
      (e) => e instanceof WebhookVerificationError && e.constructor === full.constructor && e.reason === full.reason,
    )
  }
  // A body that is not JSON: verify refuses it, verifySignature does not.
  const raw = Buffer.from([0, 0xff, 0x41])
  const rawHeaders = wh.sign('msg_2', now, raw)
  assert.throws(() => wh.verify(raw, rawHeaders), (e) => e.reason === 'invalid_payload')
  assert.equal(wh.verifySignature(raw, rawHeaders), undefined)
  assert.throws(() => wh.verifySignature(42, rawHeaders), ErpError)
})

test('signature vectors: sign', () => {
  const v = load('signatures.json')
  for (const c of v.sign) {
    const got = new Webhook(c.secrets).sign(c.msg_id, c.timestamp, c.body)
    assert.deepEqual(got, c.expected_headers, c.name)
  }
})

test('retry vectors', () => {
  const v = load('retry.json')
  const now = httpDateToUnix(v.now)
  assert.ok(v.cases.length >= 20)
  for (const c of v.cases) {
    const policy = { ...v.default_policy, ...(c.policy || {}) }
    const o = c.outcome
    let outcome
    if (o.error) {
      outcome = { error: o.error }
    } else {
      const ra = Object.entries(o.headers || {}).find(([k]) => k.toLowerCase() === 'retry-after')
      outcome = { status: o.status, retry_after: ra ? ra[1] : undefined }
    }
    const d = api._retryDecision(policy, c.retries_done, outcome, now)
    assert.equal(d.retry, c.expected.retry, c.name)
    if (c.expected.retry) {
      assert.equal(d.minDelayMs, c.expected.min_delay_ms, c.name)
      assert.equal(d.maxDelayMs, c.expected.max_delay_ms, c.name)
      for (let i = 0; i < 20; i++) {
        const x = api._retryDecision(policy, c.retries_done, outcome, now).delayMs
        assert.ok(x >= c.expected.min_delay_ms && x <= c.expected.max_delay_ms, `${c.name}: ${x}`)
      }
    }
  }
})

test('error vectors', () => {
  const v = load('errors.json')
  const now = httpDateToUnix(v.now)
  for (const c of v.cases) {
    const body = c.body_base64 !== undefined ? Buffer.from(c.body_base64, 'base64') : c.body
    const err = api._errorFromResponse(c.status, c.headers, body, now)
    const e = c.expected
    assert.ok(err instanceof ApiError, c.name)
    assert.ok(err instanceof ErpError, c.name)
    assert.ok(err instanceof Error, c.name)
    assert.ok(err instanceof classFor[e.kind], `${c.name}: ${err.name}`)
    assert.equal(err.name, `${v.kinds[e.kind]}Error`.replace('ServerErrorError', 'ServerError'), c.name)
    assert.equal(err.kind, e.kind, c.name)
    assert.equal(err.code, e.code, c.name)
    assert.equal(err.message, e.message, c.name)
    assert.equal(err.requestId ?? null, e.request_id, c.name)
    assert.equal(err.status, c.status, c.name)
    assert.deepEqual(err.details ?? null, e.details, c.name)
    assert.equal(err.retryAfter ?? null, e.retry_after, c.name)
  }
})

function display(v) {
  return typeof v === 'string' ? v : JSON.stringify(v)
}

function buildClient(c) {
  return new Client({
    baseUrl: c.base_url,
    apiKey: c.api_key,
    bearerToken: c.bearer_token,
    defaultHeaders: c.default_headers,
  })
}

function optionsOf(o) {
  const out = {}
  if (o.idempotency_key !== undefined) out.idempotencyKey = o.idempotency_key
  if (o.headers !== undefined) out.headers = o.headers
  if (o.suppress_webhooks !== undefined) out.suppressWebhooks = o.suppress_webhooks
  return out
}

function prepareResource(client, r) {
  let q = client.resource(r.resource)
  for (const [k, v] of r.filters || []) q = q.filter(k, display(v))
  if (r.sort !== undefined) q = q.sort(r.sort)
  if (r.limit !== undefined) q = q.limit(r.limit)
  if (r.cursor !== undefined) q = q.cursor(r.cursor)
  if (r.options) q = q.withOptions(optionsOf(r.options))
  return q.prepare(r.op, r.id, r.body)
}

function prepareBatch(client, b) {
  const batch = client.batch()
  const ops = b.operations_repeat
    ? Array.from({ length: b.operations_repeat.count }, () => b.operations_repeat.operation)
    : b.operations
  for (const op of ops) batch.add(op.method, op.path, op.body)
  return batch.prepare({
    mode: b.mode,
    stopOnError: b.stop_on_error,
    maxParallel: b.max_parallel,
    idempotencyKey: b.idempotency_key,
  })
}

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('request vectors', () => {
  const v = load('requests.json')
  assert.ok(v.cases.length >= 30)
  for (const c of v.cases) {
    const run = () => {
      const client = buildClient(c.client)
      return c.request ? prepareResource(client, c.request) : prepareBatch(client, c.batch)
    }
    if (c.expected_error) {
      let err
      try {
        run()
      } catch (e) {
        err = e
      }
      assert.ok(err, `${c.name}: expected an error`)
      assert.ok(err instanceof ErpError, `${c.name}: ${err}`)
      assert.equal(err.kind, c.expected_error.kind, `${c.name}: ${err.message}`)
      continue
    }
    const r = run()
    const e = c.expected
    assert.equal(r.method, e.method, c.name)
    assert.equal(r.url, e.url, c.name)
    assert.equal(r.path, e.path, c.name)
    assert.equal(r.query, e.query, c.name)
    for (const [k, want] of Object.entries(e.headers)) {
      assert.equal(r.headers[k.toLowerCase()], want, `${c.name}: header ${k}`)
    }
    for (const k of e.absent_headers) {
      assert.equal(r.headers[k.toLowerCase()], undefined, `${c.name}: header ${k} should be absent`)
    }
    assert.match(r.headers['user-agent'], api.BACKEND === 'wasm' ? /^erp-api-client\/\S+ wasm/ : /^erp-api-client\/\S+ node/)
    if (e.idempotency_key === null) assert.equal(r.idempotencyKey, null, c.name)
    else if (e.idempotency_key === 'generated') assert.match(r.idempotencyKey, UUID4, c.name)
    else assert.equal(r.idempotencyKey, e.idempotency_key, c.name)
    if (e.body_operations_count !== undefined) {
      assert.equal(r.body.operations.length, e.body_operations_count, c.name)
    } else {
      assert.deepEqual(r.body, e.body, c.name)
    }
  }
})
