'use strict'
// The JavaScript API of erp-api-client, over a backend (the napi addon in Node; a wasm
// build can provide the same backend). Plain JS, no Node built-ins. Thin: it keeps the
// builder state as plain data and hands it to the backend, where the Rust core does the work
// (validation, retries, pagination, batching, signing). It only translates arguments,
// results and errors.
//
// Backend contract: `NativeClient` (constructor(options); prepare, list, get, create, update,
// delete, paginate -> { next(), nextPage() }, request, eventTypes, batchPrepare,
// batchExecute, batchSubmit -> { id, status(), wait() }, batchHandle, optional
// batchImportCsv(resource, csvText, settings, onProgress), webhook*),
// `NativeWebhook` (constructor(secrets, toleranceSec); checkSignature(body, id, timestamp,
// signature, xSignature, nowSec | undefined), which throws unless the signature verifies and
// never parses the body (verify then parses it with JSON.parse); sign -> flat [name, value, ...]),
// `_retryDecision`, `_errorFromResponse`, `coreVersion`. Errors are thrown / rejected with a
// message of ERROR_MARK + JSON payload (see errors.js `errorFromPayload`).

const errors = require('./errors.js')

const { ErpError, errorFromPayload } = errors
const ERROR_MARK = '\u0001erp:'

const RESOURCES = Object.freeze([
  'companies',
  'customers',
  'vendors',
  'inventory-items',
  'sales-orders',
])

/** Converts whatever the backend threw into the SDK's error classes. */
function fromNative(e) {
  if (e instanceof ErpError) return e
  const msg = e && typeof e.message === 'string' ? e.message : String(e)
  if (msg.startsWith(ERROR_MARK)) {
    let payload
    try {
      payload = JSON.parse(msg.slice(ERROR_MARK.length))
    } catch {
      payload = { kind: 'internal', message: 'unreadable error from the native addon' }
    }
    return errorFromPayload(payload)
  }
  // An argument the addon could not convert (wrong type): an invalid request.
  const err = new ErpError(msg, { kind: 'invalid_request', code: 'INVALID_REQUEST' })
  err.cause = e
  return err
}

function rethrow(e) {
  throw fromNative(e)
}

/** Calls a backend function synchronously, converting its errors. */
function sync(fn) {
  try {
    return fn()
  } catch (e) {
    throw fromNative(e)
  }
}

/** Calls a backend function that returns a Promise, converting its errors. */
function call(fn) {
  let p
  try {
    p = fn()
  } catch (e) {
    return Promise.reject(fromNative(e))
  }
  return p.then(undefined, rethrow)
}

/** Headers given as a plain object, a `Headers`, a `Map` or `[name, value]` pairs -> pairs. */
function headerPairs(h) {
  if (h == null) return undefined
  const out = []
  const push = (k, v) => {
    if (v === undefined || v === null) return
    out.push([String(k), Array.isArray(v) ? v.join(', ') : String(v)])
  }
  if (Array.isArray(h)) {
    for (const [k, v] of h) push(k, v)
  } else if (typeof h.forEach === 'function' && typeof h.get === 'function') {
    // Headers and Map: forEach(value, key)
    h.forEach((v, k) => push(k, v))
  } else if (typeof h === 'object') {
    for (const k of Object.keys(h)) push(k, h[k])
  } else {
    throw new ErpError('headers must be an object, a Headers, a Map or [name, value] pairs', {
      kind: 'invalid_request',
    })
  }
  return out
}

function requestOptions(o) {
  if (!o) return undefined
  const out = {}
  if (o.timeoutMs !== undefined) out.timeoutMs = o.timeoutMs
  if (o.maxRetries !== undefined) out.maxRetries = o.maxRetries
  if (o.idempotencyKey !== undefined) out.idempotencyKey = o.idempotencyKey
  if (o.headers !== undefined) out.headers = headerPairs(o.headers)
  if (o.suppressWebhooks !== undefined) {
    const s = o.suppressWebhooks
    out.suppressWebhooks = s === true ? ['*'] : Array.isArray(s) ? s.map(String) : [String(s)]
  }
  return out
}

function mergeOptions(a, b) {
  if (!a) return b
  if (!b) return a
  const out = { ...a, ...b }
  if (a.headers && b.headers) out.headers = a.headers.concat(b.headers)
  if (a.suppressWebhooks && b.suppressWebhooks) {
    out.suppressWebhooks = a.suppressWebhooks.concat(b.suppressWebhooks)
  }
  return out
}

function prepared(r) {
  const headers = {}
  for (const [k, v] of r.headers) headers[k] = v
  return {
    method: r.method,
    url: r.url,
    path: r.path,
    query: r.query,
    headers,
    body: r.body === undefined ? null : r.body,
    idempotencyKey: r.idempotencyKey === undefined ? null : r.idempotencyKey,
  }
}

function createApi(backend) {
  const { NativeClient, NativeWebhook } = backend
  const native = Symbol('native')

  /** A fluent, immutable request on one resource. */
  class Query {
    constructor(client, resource, spec) {
      this[native] = client
      this.resource = resource
      this._spec = spec || { filters: [] }
    }

    _with(changes) {
      return new Query(this[native], this.resource, { ...this._spec, ...changes })
    }

    /** `filter({ status: "active" })` or `filter("status", "active")`; call again for more. */
    filter(fields, value) {
      const add =
        typeof fields === 'string'
          ? [[fields, String(value)]]
          : Object.entries(fields || {}).map(([k, v]) => [k, String(v)])
      return this._with({ filters: this._spec.filters.concat(add) })
    }

    /** `sort("-created_at")`: a field, `-field` for descending. */
    sort(field) {
      return this._with({ sort: String(field) })
    }

    /** Page size, 1 to 100. */
    limit(n) {
      return this._with({ limit: Number(n) })
    }

    /** Start at this cursor (a page's `nextCursor`). */
    cursor(c) {
      return this._with({ cursor: String(c) })
    }

    /** Per-request options: timeoutMs, maxRetries, idempotencyKey, headers, suppressWebhooks. */
    withOptions(options) {
      return this._with({ options: mergeOptions(this._spec.options, requestOptions(options)) })
    }

    _spec2(options) {
      return options ? this.withOptions(options)._spec : this._spec
    }

    /** One page: `{ data, nextCursor }`. */
    list(options) {
      const c = this[native]
      return call(() => c.list(this.resource, this._spec2(options)))
    }

    get(id, options) {
      const c = this[native]
      return call(() => c.get(this.resource, this._spec2(options), id))
    }

    create(body, options) {
      const c = this[native]
      return call(() => c.create(this.resource, this._spec2(options), body === undefined ? null : body))
    }

    update(id, body, options) {
      const c = this[native]
      return call(() => c.update(this.resource, this._spec2(options), id, body === undefined ? null : body))
    }

    delete(id, options) {
      const c = this[native]
      return call(() => c.delete(this.resource, this._spec2(options), id))
    }

    /** Dry run: the request `op` (list, get, create, update, delete) would send. */
    prepare(op, id, body) {
      const c = this[native]
      return prepared(sync(() => c.prepare(this.resource, this._spec, op, id, body)))
    }

    /** Every record of every page: `for await (const c of query)`. */
    [Symbol.asyncIterator]() {
      const c = this[native]
      const p = sync(() => c.paginate(this.resource, this._spec))
      return {
        next: () =>
          call(() => p.next()).then((v) =>
            v === null || v === undefined ? { done: true, value: undefined } : { done: false, value: v },
          ),
        return: (value) => Promise.resolve({ done: true, value }),
        [Symbol.asyncIterator]() {
          return this
        },
      }
    }

    /** Every page: `for await (const page of query.pages())`. */
    pages() {
      const c = this[native]
      const resource = this.resource
      const spec = this._spec
      return {
        [Symbol.asyncIterator]() {
          const p = sync(() => c.paginate(resource, spec))
          return {
            next: () =>
              call(() => p.nextPage()).then((v) =>
                v === null || v === undefined ? { done: true, value: undefined } : { done: false, value: v },
              ),
            return: (value) => Promise.resolve({ done: true, value }),
          }
        },
      }
    }
  }

  /** A submitted async batch. */
  class BatchHandle {
    constructor(h) {
      this[native] = h
      /** `bat_...` */
      this.id = h.id
    }

    /** The batch's current state. */
    status() {
      const h = this[native]
      return call(() => h.status())
    }

    /** Polls until the batch is done; resolves to its result. */
    wait() {
      const h = this[native]
      return call(() => h.wait())
    }
  }

  function progressFn(f) {
    if (typeof f !== 'function') return undefined
    return (p) => {
      try {
        f(p)
      } catch {
        // A throwing progress callback must not take the process down; it is ignored.
      }
    }
  }

  /** Builds a batch: `client.batch().add("POST", "/companies", body).execute({ mode: "strict" })`. */
  class Batch {
    constructor(client) {
      this[native] = client
      this._ops = []
      this._settings = {}
      this._onProgress = undefined
    }

    /** Adds an operation; `path` is relative to /api/v1. */
    add(method, path, body) {
      const op = { method: String(method), path: String(path) }
      if (body !== undefined && body !== null) op.body = body
      this._ops.push(op)
      return this
    }

    get length() {
      return this._ops.length
    }

    strict() {
      this._settings.mode = 'strict'
      return this
    }

    lenient() {
      this._settings.mode = 'lenient'
      return this
    }

    mode(m) {
      this._settings.mode = m
      return this
    }

    stopOnError(b = true) {
      this._settings.stopOnError = !!b
      return this
    }

    maxParallel(n) {
      this._settings.maxParallel = n
      return this
    }

    idempotencyKey(k) {
      this._settings.idempotencyKey = k
      return this
    }

    chunkSize(n) {
      this._settings.chunkSize = n
      return this
    }

    onProgress(f) {
      this._onProgress = f
      return this
    }

    withOptions(o) {
      this._settings.options = mergeOptions(this._settings.options, requestOptions(o))
      return this
    }

    _resolve(opts) {
      const s = { ...this._settings }
      let onProgress = this._onProgress
      if (opts) {
        for (const k of ['mode', 'stopOnError', 'maxParallel', 'idempotencyKey', 'chunkSize']) {
          if (opts[k] !== undefined) s[k] = opts[k]
        }
        if (opts.onProgress !== undefined) onProgress = opts.onProgress
        const ro = requestOptions({
          timeoutMs: opts.timeoutMs,
          maxRetries: opts.maxRetries,
          headers: opts.headers,
          suppressWebhooks: opts.suppressWebhooks,
        })
        if (ro && Object.keys(ro).length) s.options = mergeOptions(s.options, ro)
      }
      return [s, progressFn(onProgress)]
    }

    /** Runs the batch (lenient batches over 1000 operations are chunked); resolves to its result. */
    execute(opts) {
      const c = this[native]
      const [s, p] = this._resolve(opts)
      return call(() => c.batchExecute(this._ops, s, p))
    }

    /** Submits the batch to run in the background; resolves to a handle. */
    submit(opts) {
      const c = this[native]
      const [s, p] = this._resolve(opts)
      return call(() => c.batchSubmit(this._ops, s, p)).then((h) => new BatchHandle(h))
    }

    /** Dry run: the (first) batch request. */
    prepare(opts) {
      const c = this[native]
      const [s] = this._resolve(opts)
      return prepared(sync(() => c.batchPrepare(this._ops, s)))
    }

    /**
     * Imports CSV rows (header row = field names) as records of `resource`, in lenient
     * batches of `batchSize` rows; resolves to the import result. The core does the work.
     */
    fromCsv(resource, csvText, opts) {
      const c = this[native]
      if (typeof c.batchImportCsv !== 'function') {
        return Promise.reject(
          new ErpError('CSV import is not available in this build', {
            kind: 'invalid_request',
            code: 'INVALID_REQUEST',
          }),
        )
      }
      const o = opts || {}
      const s = {}
      for (const k of ['validateOnly', 'batchSize', 'resumeFrom', 'idempotencyKey']) {
        if (o[k] !== undefined && o[k] !== null) s[k] = o[k]
      }
      const ro = requestOptions({
        timeoutMs: o.timeoutMs,
        maxRetries: o.maxRetries,
        headers: o.headers,
        suppressWebhooks: o.suppressWebhooks,
      })
      const merged = mergeOptions(this._settings.options, ro && Object.keys(ro).length ? ro : undefined)
      if (merged) s.options = merged
      const p = progressFn(o.onProgress !== undefined ? o.onProgress : this._onProgress)
      return call(() => c.batchImportCsv(String(resource), String(csvText), s, p))
    }
  }

  function webhookParams(p) {
    const o = p || {}
    const out = {}
    for (const k of ['url', 'events', 'filters', 'secret', 'active', 'description']) {
      if (o[k] !== undefined) out[k] = o[k]
    }
    if (o.retryPolicy) {
      if (o.retryPolicy.maxRetries !== undefined) out.maxRetries = o.retryPolicy.maxRetries
      if (o.retryPolicy.backoffMs !== undefined) out.backoffMs = o.retryPolicy.backoffMs
    }
    return out
  }

  /** Webhook management: `client.webhooks`. */
  class Webhooks {
    constructor(client, options) {
      this[native] = client
      this._options = options
    }

    /** Per-request options for the calls made through the returned value. */
    withOptions(o) {
      return new Webhooks(this[native], mergeOptions(this._options, requestOptions(o)))
    }

    /** Registers a webhook; the answer carries its `secret` (only now). */
    register(url, events, params) {
      return this.create({ ...(params || {}), url, events })
    }

    create(params) {
      const c = this[native]
      return call(() => c.webhookCreate(webhookParams(params), this._options))
    }

    /** `{ data, nextCursor }` */
    list() {
      const c = this[native]
      return call(() => c.webhookList(this._options))
    }

    get(id) {
      const c = this[native]
      return call(() => c.webhookGet(id, this._options))
    }

    update(id, params) {
      const c = this[native]
      return call(() => c.webhookUpdate(id, webhookParams(params), this._options))
    }

    delete(id) {
      const c = this[native]
      return call(() => c.webhookDelete(id, this._options))
    }

    /** Delivers a `webhook.test` event now; resolves to the delivery. */
    test(id) {
      const c = this[native]
      return call(() => c.webhookTest(id, this._options))
    }

    rotateSecret(id) {
      const c = this[native]
      return call(() => c.webhookRotateSecret(id, this._options))
    }

    /** A page of deliveries: `deliveries(id, { status: "failed", limit, cursor })`. */
    deliveries(id, q) {
      const c = this[native]
      const o = q || {}
      return call(() => c.webhookDeliveries(id, o.status, o.limit, o.cursor, this._options))
    }

    /** One delivery with every attempt. */
    delivery(id, deliveryId) {
      const c = this[native]
      return call(() => c.webhookDelivery(id, deliveryId, this._options))
    }

    retryDelivery(id, deliveryId) {
      const c = this[native]
      return call(() => c.webhookRetryDelivery(id, deliveryId, this._options))
    }

    /** Delivery health: counts, success rate, latency percentiles. */
    stats(id) {
      const c = this[native]
      return call(() => c.webhookStats(id, this._options))
    }
  }

  /** The API client: `new Client({ apiKey, baseUrl })`. */
  class Client {
    constructor(options) {
      const o = options || {}
      const c = sync(
        () =>
          new NativeClient({
            apiKey: o.apiKey,
            bearerToken: o.bearerToken,
            baseUrl: o.baseUrl,
            timeoutMs: o.timeoutMs,
            maxRetries: o.maxRetries,
            defaultHeaders: headerPairs(o.defaultHeaders),
            userAgentExtra: o.userAgentExtra,
          }),
      )
      Object.defineProperty(this, native, { value: c })
    }

    /** The base URL requests go to (ends with /api/v1). */
    get baseUrl() {
      return this[native].baseUrl
    }

    get companies() {
      return new Query(this[native], 'companies')
    }

    get customers() {
      return new Query(this[native], 'customers')
    }

    get vendors() {
      return new Query(this[native], 'vendors')
    }

    get inventoryItems() {
      return new Query(this[native], 'inventory-items')
    }

    get salesOrders() {
      return new Query(this[native], 'sales-orders')
    }

    /** A resource by path (`inventory-items`) or snake-case name (`inventory_items`). */
    resource(name) {
      return new Query(this[native], String(name))
    }

    get webhooks() {
      return new Webhooks(this[native])
    }

    batch() {
      return new Batch(this[native])
    }

    /** A handle on an existing async batch id. */
    batchHandle(id) {
      const c = this[native]
      return new BatchHandle(sync(() => c.batchHandle(String(id))))
    }

    /** The event types webhooks can subscribe to. */
    eventTypes() {
      const c = this[native]
      return call(() => c.eventTypes())
    }

    /** Any API path (relative to /api/v1): `request("GET", "/companies", { query: { limit: 5 } })`. */
    request(method, path, opts) {
      const c = this[native]
      const o = opts || {}
      const query = o.query
        ? Object.entries(o.query).map(([k, v]) => [k, String(v)])
        : undefined
      return call(() => c.request(method, path, query, o.body, requestOptions(o)))
    }

    toJSON() {
      return { baseUrl: this.baseUrl }
    }
  }

  const SIG = ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-webhook-signature']
  const SIG_INDEX = { 'webhook-id': 0, 'webhook-timestamp': 1, 'webhook-signature': 2, 'x-webhook-signature': 3 }
  const str = (v) => (v === undefined || v === null ? undefined : Array.isArray(v) ? v.join(', ') : String(v))

  /** The four signature headers, looked up case-insensitively, as [id, timestamp, signature, x-signature]. */
  function signatureHeaders(h) {
    const out = [undefined, undefined, undefined, undefined]
    if (h == null) return out
    const take = (k, v) => {
      const i = SIG_INDEX[String(k).toLowerCase()]
      if (i !== undefined && out[i] === undefined) out[i] = str(v)
    }
    if (Array.isArray(h)) {
      for (const [k, v] of h) take(k, v)
    } else if (typeof h.get === 'function' && typeof h.forEach === 'function') {
      if (h instanceof Map) h.forEach((v, k) => take(k, v))
      else for (let i = 0; i < 4; i++) out[i] = str(h.get(SIG[i])) // Headers: case-insensitive
    } else if (h['webhook-signature'] !== undefined || h['x-webhook-signature'] !== undefined) {
      // Node's IncomingMessage.headers: names already in lower case.
      for (let i = 0; i < 4; i++) out[i] = str(h[SIG[i]])
    } else {
      for (const k in h) take(k, h[k])
    }
    return out
  }

  let utf8
  /**
   * The verified body decoded by JSON.parse (faster than building the object through the
   * backend). A body that is not UTF-8 JSON fails as the core's verify does: invalid_payload.
   */
  function parseEvent(b) {
    try {
      if (typeof b !== 'string') {
        // fatal: invalid UTF-8 throws; ignoreBOM: a BOM stays, and JSON.parse refuses it.
        utf8 = utf8 || new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
        b = utf8.decode(b)
      }
      return JSON.parse(b)
    } catch (e) {
      throw errors.errorFromPayload({
        kind: 'webhook_verification',
        code: 'WEBHOOK_VERIFICATION',
        reason: 'invalid_payload',
        message: 'the signature is valid but the body is not JSON',
      })
    }
  }

  function bodyArg(body) {
    if (typeof body === 'string' || body instanceof Uint8Array) return body
    if (body instanceof ArrayBuffer) return new Uint8Array(body)
    if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
    throw new ErpError('body must be a string, a Buffer or a Uint8Array (the raw request body)', {
      kind: 'invalid_request',
    })
  }

  /** Verifies (and signs) webhook deliveries: `new Webhook(secret).verify(body, headers)`. */
  class Webhook {
    constructor(secretOrSecrets, options) {
      const secrets = Array.isArray(secretOrSecrets) ? secretOrSecrets.map(String) : [String(secretOrSecrets)]
      const tol = options && options.toleranceSec !== undefined ? options.toleranceSec : undefined
      const w = sync(() => new NativeWebhook(secrets, tol))
      Object.defineProperty(this, native, { value: w })
    }

    /** Verifies a delivery against the current time; returns the parsed event. */
    verify(body, headers) {
      const w = this[native]
      const b = bodyArg(body)
      const h = signatureHeaders(headers)
      try {
        w.checkSignature(b, h[0], h[1], h[2], h[3], undefined)
      } catch (e) {
        throw fromNative(e)
      }
      return parseEvent(b)
    }

    /** Verifies as of `nowSec` (unix seconds). */
    verifyAt(body, headers, nowSec) {
      const w = this[native]
      const b = bodyArg(body)
      const h = signatureHeaders(headers)
      sync(() => w.checkSignature(b, h[0], h[1], h[2], h[3], Number(nowSec)))
      return parseEvent(b)
    }

    /** Checks only the signature and timestamp, against the current time; the body is not parsed. Throws as verify does. */
    verifySignature(body, headers) {
      const w = this[native]
      const b = bodyArg(body)
      const h = signatureHeaders(headers)
      try {
        w.checkSignature(b, h[0], h[1], h[2], h[3], undefined)
      } catch (e) {
        throw fromNative(e)
      }
    }

    /** Like verifySignature, as of `nowSec` (unix seconds). */
    verifySignatureAt(body, headers, nowSec) {
      const w = this[native]
      const b = bodyArg(body)
      const h = signatureHeaders(headers)
      sync(() => w.checkSignature(b, h[0], h[1], h[2], h[3], Number(nowSec)))
    }

    /** The headers to send with a delivery: `{ "webhook-id", "webhook-timestamp", "webhook-signature", "x-webhook-signature" }`. */
    sign(msgId, timestamp, body) {
      const w = this[native]
      const flat = sync(() => w.sign(String(msgId), Number(timestamp), bodyArg(body)))
      const out = {}
      for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1]
      return out
    }

    toJSON() {
      return { secrets: '[redacted]' }
    }
  }

  // Internal hooks for the shared test vectors (not part of the public API).
  function _retryDecision(policy, retriesDone, outcome, nowSec) {
    return sync(() => backend._retryDecision(policy, retriesDone, outcome, nowSec))
  }

  function _errorFromResponse(status, headers, body, nowSec) {
    const flat = []
    for (const [k, v] of headerPairs(headers) || []) flat.push(k, v)
    const b = body instanceof Uint8Array ? body : String(body)
    return errorFromPayload(sync(() => backend._errorFromResponse(status, flat, b, nowSec)))
  }

  const VERSION = sync(() => backend.coreVersion())

  return {
    Client,
    Query,
    Batch,
    BatchHandle,
    Webhooks,
    Webhook,
    ...errors,
    RESOURCES,
    VERSION,
    _retryDecision,
    _errorFromResponse,
    _panicSync: () => sync(() => backend._panicSync()),
    _panicAsync: () => call(() => backend._panicAsync()),
  }
}

module.exports = { createApi, fromNative, ERROR_MARK }
