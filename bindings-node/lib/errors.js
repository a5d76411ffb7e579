'use strict'
// The error classes of erp-api-client. Plain JS (no Node built-ins): shared by the native
// (Node) and the wasm (browser / edge) builds.

/** Base class of every error the SDK throws. */
class ErpError extends Error {
  constructor(message, fields) {
    super(message)
    const f = fields || {}
    /** Stable kind string from the core, e.g. `not_found`, `timeout`, `invalid_request`. */
    this.kind = f.kind || 'internal'
    /** The API's error code (`NOT_FOUND`, ...) or the kind in upper case. */
    this.code = f.code || this.kind.toUpperCase()
    /** HTTP status, where there was a response. */
    this.status = f.status === undefined ? undefined : f.status
    /** `req_...`, where the server gave one. */
    this.requestId = f.requestId === undefined ? undefined : f.requestId
    /** Structured details from the error body. */
    this.details = f.details === undefined ? undefined : f.details
  }
}

/** The server answered with a non-2xx status. */
class ApiError extends ErpError {
  constructor(message, fields) {
    super(message, fields)
    /** The server's `Retry-After`, in seconds, where it sent one. */
    this.retryAfter = fields && fields.retryAfter !== undefined ? fields.retryAfter : undefined
  }
}
/** 400, 413 and other 4xx without a more specific class. */
class BadRequestError extends ApiError {}
/** 401: no credential or a wrong one. */
class UnauthorizedError extends ApiError {}
/** 403: the credential lacks a scope. */
class ForbiddenError extends ApiError {}
/** 404. */
class NotFoundError extends ApiError {}
/** 409. */
class ConflictError extends ApiError {}
/** 422: validation failed (`details.fields`) or an idempotency key was reused. */
class ValidationFailedError extends ApiError {}
/** 429; `retryAfter` is the server's `Retry-After` in seconds. */
class RateLimitedError extends ApiError {}
/** 5xx. */
class ServerError extends ApiError {}
/** The connection could not be made or broke. */
class ConnectionError extends ErpError {}
/** No response within the timeout. */
class TimeoutError extends ErpError {}
/** A webhook did not verify; `reason` says why. */
class WebhookVerificationError extends ErpError {
  constructor(message, fields) {
    super(message, fields)
    this.reason = (fields && fields.reason) || 'no_matching_signature'
  }
}

const classes = {
  ErpError,
  ApiError,
  BadRequestError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  ValidationFailedError,
  RateLimitedError,
  ServerError,
  ConnectionError,
  TimeoutError,
  WebhookVerificationError,
}
for (const [name, cls] of Object.entries(classes)) {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true })
}

const byKind = {
  bad_request: BadRequestError,
  unauthorized: UnauthorizedError,
  forbidden: ForbiddenError,
  not_found: NotFoundError,
  conflict: ConflictError,
  validation_failed: ValidationFailedError,
  rate_limited: RateLimitedError,
  server_error: ServerError,
  connection_error: ConnectionError,
  timeout: TimeoutError,
  webhook_verification: WebhookVerificationError,
}

/** The error for a payload `{ kind, code, status, message, requestId, details, retryAfter, reason }`. */
function errorFromPayload(p) {
  const Cls = byKind[p.kind] || ErpError
  return new Cls(p.message || p.code || 'error', p)
}

module.exports = { ...classes, errorFromPayload }
