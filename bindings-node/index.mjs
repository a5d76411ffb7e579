// Node.js entry point (ESM). Re-exports the CommonJS build, so `import` and `require` share
// one set of classes (and `instanceof` works across both).
import api from './index.js'

export const {
  Client,
  Query,
  Batch,
  BatchHandle,
  Webhooks,
  Webhook,
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
  RESOURCES,
  VERSION,
} = api
export default api
