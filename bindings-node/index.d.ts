// Type definitions for erp-api-client (the same API in the native Node build and the
// wasm build for browsers and edge runtimes).

/** A JSON value as the API sends it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue }

/** Headers: a plain object (any case), a `Headers`, a `Map`, or `[name, value]` pairs. */
export type HeadersInit =
  | Record<string, string | string[] | undefined>
  | Headers
  | Map<string, string>
  | ReadonlyArray<readonly [string, string]>

/** A raw request body, exactly as received. */
export type RawBody = string | Uint8Array | ArrayBuffer | ArrayBufferView

export interface ClientOptions {
  /** Sent as `X-API-Key`. One of `apiKey` and `bearerToken` is required. */
  apiKey?: string
  /** Sent as `Authorization: Bearer`. */
  bearerToken?: string
  /** The API's address, e.g. `http://127.0.0.1:8080` (`/api/v1` is appended). Required. */
  baseUrl: string
  /** Timeout of each attempt in milliseconds (default 30000). */
  timeoutMs?: number
  /** Retries after the first attempt (default 3; 0 disables). */
  maxRetries?: number
  /** Headers sent with every request. */
  defaultHeaders?: HeadersInit
  /** Appended to `User-Agent` (default `node`; `wasm` in the browser build). */
  userAgentExtra?: string
  /**
   * Browser build only: allow `apiKey` in a web page, where every visitor can read it.
   * Without it, `new Client({ apiKey })` throws in a page; prefer a short-lived `bearerToken`.
   */
  dangerouslyAllowBrowser?: boolean
}

export interface RequestOptions {
  timeoutMs?: number
  maxRetries?: number
  /** `Idempotency-Key` of a write (a POST without one gets a generated key). */
  idempotencyKey?: string
  /** Extra headers (credentials belong on the client). */
  headers?: HeadersInit
  /** Webhook ids (`whk_...`), or `"*"` / `true` for all, not to deliver this write's events to. */
  suppressWebhooks?: string | string[] | true
}

/** One page of a list. */
export interface Page<T> {
  data: T[]
  /** Pass to `.cursor()` for the next page; null on the last page. */
  nextCursor: string | null
}

/** Fields every record has. */
export interface BaseRecord {
  id: string
  created_at: string
  updated_at: string
  [field: string]: JsonValue | undefined
}

export interface Company extends BaseRecord {
  name: string
  status?: string | null
  email?: string | null
  country?: string | null
  tax_id?: string | null
}

export interface Customer extends BaseRecord {
  name: string
  company_id?: string | null
  email?: string | null
  customer_account?: string | null
  status?: string | null
  credit_limit?: number | null
}

export interface Vendor extends BaseRecord {
  name: string
  email?: string | null
  status?: string | null
  payment_terms_days?: number | null
}

export interface InventoryItem extends BaseRecord {
  sku: string
  name: string
  quantity?: number | null
  unit_price?: number | null
  status?: string | null
}

export interface SalesOrder extends BaseRecord {
  customer_id: string
  customer_account?: string | null
  status?: 'draft' | 'confirmed' | 'shipped' | 'cancelled' | string
  amount?: number | null
  currency?: string | null
  lines?: JsonValue
}

/** The body of a create or update: the record's fields. */
export type Input<T> = { [K in keyof T as K extends 'id' | 'created_at' | 'updated_at' ? never : K]?: T[K] }

export interface Deleted {
  id: string
  deleted: true
}

export type Operation = 'list' | 'get' | 'create' | 'update' | 'delete'
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'get' | 'post' | 'patch' | 'delete'

/** A request as it would be sent (dry run). */
export interface PreparedRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  url: string
  /** From `/api/v1` on, without the query. */
  path: string
  /** The query string without `?` (empty if none). */
  query: string
  /** Names in lower case. */
  headers: Record<string, string>
  body: JsonValue | null
  idempotencyKey: string | null
}

/** A fluent, immutable request on one resource; every builder call returns a new query. */
export declare class Query<T extends BaseRecord = BaseRecord> implements AsyncIterable<T> {
  private constructor()
  readonly resource: string
  /** `filter({ status: "active" })` or `filter("status", "active")`. */
  filter(fields: Record<string, string | number | boolean>): Query<T>
  filter(field: string, value: string | number | boolean): Query<T>
  /** A field, `-field` for descending. */
  sort(field: string): Query<T>
  /** Page size, 1 to 100. */
  limit(n: number): Query<T>
  cursor(cursor: string): Query<T>
  withOptions(options: RequestOptions): Query<T>
  list(options?: RequestOptions): Promise<Page<T>>
  get(id: string, options?: RequestOptions): Promise<T>
  create(body: Input<T> | JsonObject, options?: RequestOptions): Promise<T>
  update(id: string, body: Input<T> | JsonObject, options?: RequestOptions): Promise<T>
  delete(id: string, options?: RequestOptions): Promise<Deleted>
  /** Dry run: the request `op` would send. */
  prepare(op: Operation, id?: string, body?: JsonObject): PreparedRequest
  /** Every record of every page. */
  [Symbol.asyncIterator](): AsyncIterator<T>
  /** Every page. */
  pages(): AsyncIterable<Page<T>>
}

export type BatchMode = 'strict' | 'lenient'

export interface BatchProgress {
  chunksDone: number
  chunksTotal: number
  operationsDone: number
  operationsTotal: number
  failed: number
}

export interface BatchOptions {
  mode?: BatchMode
  stopOnError?: boolean
  /** 1 to 20 (server default 5). */
  maxParallel?: number
  /** Chunks of a large lenient batch use `<key>:<n>`. */
  idempotencyKey?: string
  /** Operations per request when a lenient batch is chunked (1 to 1000). */
  chunkSize?: number
  /** Called after each chunk (and for async batches, after each poll). */
  onProgress?: (progress: BatchProgress) => void
  timeoutMs?: number
  maxRetries?: number
  headers?: HeadersInit
  suppressWebhooks?: string | string[] | true
}

export interface BatchItemError {
  /** e.g. `NOT_FOUND`, `ROLLED_BACK`, `SKIPPED`. */
  code: string
  message: string
  details?: JsonValue
}

export interface BatchItemResult {
  index: number
  status: number
  success: boolean
  body?: JsonValue
  error?: BatchItemError
}

export interface BatchResult {
  id: string
  status: 'pending' | 'processing' | 'completed' | 'failed'
  mode: BatchMode | null
  total: number
  processed?: number
  successful: number
  failed: number
  results: BatchItemResult[]
  duration_ms: number
  /** Every batch request a chunked batch was sent as. */
  batch_ids?: string[]
}

/** Progress of a CSV import, after each chunk (serde's keys). */
export interface ImportProgress {
  rows_total: number
  /** Rows handled so far (including skipped ones): also the checkpoint. */
  rows_done: number
  imported: number
  failed: number
}

export interface CsvImportOptions {
  /** Only parse and check the rows locally; send nothing. */
  validateOnly?: boolean
  /** Rows per batch request (1 to 1000, default 500). */
  batchSize?: number
  /** Skip the first `n` data rows (a `checkpoint` from an earlier run). */
  resumeFrom?: number
  /** Each chunk is sent with `<key>:<first row>`, so a re-run replays instead of duplicating. */
  idempotencyKey?: string
  /** Called after each chunk. */
  onProgress?: (progress: ImportProgress) => void
  timeoutMs?: number
  maxRetries?: number
  headers?: HeadersInit
  suppressWebhooks?: string | string[] | true
}

/** A CSV row that was not imported. */
export interface ImportRowError {
  /** 1 is the first row after the header. */
  row: number
  /** A local check (`INVALID_VALUE`, `MISSING_FIELD`, `MALFORMED_ROW`) or the API's error. */
  error: BatchItemError
}

export interface ImportResult {
  rows_total: number
  /** Rows before the resume point. */
  rows_skipped: number
  /** Rows created (0 when validate-only). */
  imported: number
  failed: number
  /** Every failed row, in row order. */
  errors: ImportRowError[]
  /** Rows handled: pass it as `resumeFrom` to continue. */
  checkpoint: number
  validate_only: boolean
}

export declare class BatchHandle {
  private constructor()
  /** `bat_...` */
  readonly id: string
  status(): Promise<BatchResult>
  wait(): Promise<BatchResult>
}

export declare class Batch {
  private constructor()
  /** `path` is relative to `/api/v1`, e.g. `/companies` or `/companies/cmp_1`. */
  add(method: HttpMethod, path: string, body?: JsonObject | Record<string, unknown>): this
  readonly length: number
  strict(): this
  lenient(): this
  mode(mode: BatchMode): this
  stopOnError(stop?: boolean): this
  maxParallel(n: number): this
  idempotencyKey(key: string): this
  chunkSize(n: number): this
  onProgress(f: (progress: BatchProgress) => void): this
  withOptions(options: RequestOptions): this
  execute(options?: BatchOptions): Promise<BatchResult>
  submit(options?: BatchOptions): Promise<BatchHandle>
  prepare(options?: BatchOptions): PreparedRequest
  /**
   * Imports CSV rows (the header row names the fields) as records of `resource` (path or
   * snake-case name), in lenient batches. Rejects with `invalid_request` for a bad header, an
   * unknown resource or batch size, or in a build without CSV import (the wasm build).
   */
  fromCsv(resource: string, csvText: string, options?: CsvImportOptions): Promise<ImportResult>
}

export type EventType =
  | 'company.created'
  | 'company.updated'
  | 'company.deleted'
  | 'customer.created'
  | 'customer.updated'
  | 'customer.deleted'
  | 'vendor.created'
  | 'vendor.updated'
  | 'vendor.deleted'
  | 'inventory_item.created'
  | 'inventory_item.updated'
  | 'inventory_item.deleted'
  | 'sales_order.created'
  | 'sales_order.updated'
  | 'sales_order.deleted'
  | 'batch.completed'
  | 'webhook.test'

/** An event type name: one of `EventType` (autocompleted), or any string the API lists. */
export type EventTypeName = EventType | (string & {})

export interface WebhookRetryPolicy {
  max_retries: number
  backoff_ms: number
}

export interface WebhookEndpoint {
  id: string
  url: string
  events: EventTypeName[]
  filters: JsonObject
  active: boolean
  status: 'active' | 'disabled' | 'circuit_open' | string
  retry_policy?: WebhookRetryPolicy
  /** Only right after register or rotateSecret. */
  secret?: string
  description?: string
  created_at: string
  last_triggered_at: string | null
  consecutive_failures: number
}

export interface WebhookParams {
  url?: string
  events?: EventTypeName[]
  /** Keep only events whose `data` fields equal these (`min_<field>` / `max_<field>` compare numbers). */
  filters?: Record<string, JsonValue>
  retryPolicy?: { maxRetries?: number; backoffMs?: number }
  /** Your own secret: `whsec_` + base64 of 24 to 64 bytes. */
  secret?: string
  active?: boolean
  description?: string
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed'

export interface DeliveryAttempt {
  attempted_at: string
  status_code: number | null
  duration_ms: number
  response_excerpt: string | null
  error: string | null
}

export interface Delivery {
  id: string
  webhook_id: string
  event_id: string
  event_type: EventType | string
  status: DeliveryStatus
  attempt_count: number
  next_attempt_at: string | null
  last_status_code: number | null
  last_error: string | null
  created_at: string
  completed_at: string | null
  /** Only when fetched alone. */
  attempts?: DeliveryAttempt[]
}

export interface WebhookStats {
  [key: string]: JsonValue
}

export declare class Webhooks {
  private constructor()
  withOptions(options: RequestOptions): Webhooks
  register(url: string, events: EventTypeName[], params?: Omit<WebhookParams, 'url' | 'events'>): Promise<WebhookEndpoint>
  create(params: WebhookParams & { url: string; events: EventTypeName[] }): Promise<WebhookEndpoint>
  list(): Promise<Page<WebhookEndpoint>>
  get(id: string): Promise<WebhookEndpoint>
  update(id: string, params: WebhookParams): Promise<WebhookEndpoint>
  delete(id: string): Promise<Deleted>
  /** Delivers a `webhook.test` event now. */
  test(id: string): Promise<Delivery>
  /** A new secret (returned once); the old one keeps signing alongside for 24 h. */
  rotateSecret(id: string): Promise<WebhookEndpoint>
  deliveries(id: string, query?: { status?: DeliveryStatus; limit?: number; cursor?: string }): Promise<Page<Delivery>>
  delivery(id: string, deliveryId: string): Promise<Delivery>
  retryDelivery(id: string, deliveryId: string): Promise<Delivery>
  stats(id: string): Promise<WebhookStats>
}

export interface EventTypeInfo {
  type: EventType
  description: string
}

export declare class Client {
  constructor(options: ClientOptions)
  /** Where requests go (ends with `/api/v1`). */
  readonly baseUrl: string
  readonly companies: Query<Company>
  readonly customers: Query<Customer>
  readonly vendors: Query<Vendor>
  readonly inventoryItems: Query<InventoryItem>
  readonly salesOrders: Query<SalesOrder>
  /** A resource by path (`inventory-items`) or snake-case name (`inventory_items`). */
  resource<T extends BaseRecord = BaseRecord>(name: string): Query<T>
  readonly webhooks: Webhooks
  batch(): Batch
  /** A handle on an existing async batch. */
  batchHandle(id: string): BatchHandle
  eventTypes(): Promise<{ data: EventTypeInfo[] }>
  /** Any API path, relative to `/api/v1`. Resolves to the JSON body. */
  request<R = JsonValue>(
    method: HttpMethod,
    path: string,
    options?: RequestOptions & { query?: Record<string, string | number | boolean>; body?: JsonValue },
  ): Promise<R>
}

/** An event as delivered to a webhook. */
export interface WebhookEvent<D = JsonObject> {
  id: string
  type: EventType | string
  created_at: string
  tenant_id: string
  data: D
}

export interface WebhookOptions {
  /** How far `webhook-timestamp` may be from now, in seconds (default 300). */
  toleranceSec?: number
}

/** Verifies (and signs) webhook deliveries. */
export declare class Webhook {
  /** One secret (`whsec_...` or any string), or several (rotation). */
  constructor(secretOrSecrets: string | string[], options?: WebhookOptions)
  /** Verifies the raw body and headers; returns the parsed event or throws `WebhookVerificationError`. */
  verify<D = JsonObject>(body: RawBody, headers: HeadersInit): WebhookEvent<D>
  /** Verifies as of `nowSec` (unix seconds). */
  verifyAt<D = JsonObject>(body: RawBody, headers: HeadersInit, nowSec: number): WebhookEvent<D>
  /**
   * Checks only the signature and timestamp, without parsing the body (for callers that
   * parse it themselves); throws `WebhookVerificationError` exactly as `verify` does, except
   * that a body that is not JSON passes.
   */
  verifySignature(body: RawBody, headers: HeadersInit): void
  /** Like `verifySignature`, as of `nowSec` (unix seconds). */
  verifySignatureAt(body: RawBody, headers: HeadersInit, nowSec: number): void
  /** The headers to send with a delivery. */
  sign(msgId: string, timestamp: number, body: RawBody): SignatureHeaders
}

export type SignatureHeaders = {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
  'x-webhook-signature': string
}

export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'validation_failed'
  | 'rate_limited'
  | 'server_error'
  | 'connection_error'
  | 'timeout'
  | 'webhook_verification'
  | 'invalid_config'
  | 'invalid_request'
  | 'decode_error'
  | 'internal'

export type VerificationReason =
  | 'missing_header'
  | 'malformed_header'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature'
  | 'invalid_payload'
  | 'invalid_secret'

/** Base class of every error the SDK throws. */
export declare class ErpError extends Error {
  readonly kind: ErrorKind
  /** The API's code (`NOT_FOUND`, ...) or the kind in upper case. */
  readonly code: string
  readonly status: number | undefined
  readonly requestId: string | undefined
  readonly details: JsonValue | undefined
}
/** The server answered with a non-2xx status. */
export declare class ApiError extends ErpError {
  readonly status: number
  /** `Retry-After` in seconds, where the server sent one. */
  readonly retryAfter: number | undefined
}
export declare class BadRequestError extends ApiError {}
export declare class UnauthorizedError extends ApiError {}
export declare class ForbiddenError extends ApiError {}
export declare class NotFoundError extends ApiError {}
export declare class ConflictError extends ApiError {}
export declare class ValidationFailedError extends ApiError {}
export declare class RateLimitedError extends ApiError {}
export declare class ServerError extends ApiError {}
export declare class ConnectionError extends ErpError {}
export declare class TimeoutError extends ErpError {}
export declare class WebhookVerificationError extends ErpError {
  readonly reason: VerificationReason
}

/** The resource paths. */
export declare const RESOURCES: readonly ['companies', 'customers', 'vendors', 'inventory-items', 'sales-orders']
/** The core's version. */
export declare const VERSION: string
