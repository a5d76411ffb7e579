// Browser and edge entry of the npm package `erp-api-client`: the same API as the Node face
// (bindings-node/lib/api.js) over the wasm build of the core instead of the native addon.
// Bundled by esbuild into bindings-node/wasm/erp-api-client.browser.mjs next to the .wasm.
import init, * as native from '../pkg/web/erp_api_client_wasm.js'
import apiModule from '../../bindings-node/lib/api.js'

await init({ module_or_path: new URL('./erp_api_client_wasm_bg.wasm', import.meta.url) })

const sdk = apiModule.createApi(native)

// In a page, an API key would be readable by anyone who opens it: refuse unless the caller
// says they know (server-side runtimes such as workers, Deno and edge functions are fine).
const inPage = typeof window !== 'undefined' && typeof document !== 'undefined'

class Client extends sdk.Client {
  constructor(options = {}) {
    if (inPage && options && options.apiKey && !options.dangerouslyAllowBrowser) {
      throw new sdk.ErpError(
        'refusing to use an API key in a browser page: anyone who loads the page can read it. ' +
          'Use a short-lived bearer token (bearerToken) from your backend, or pass ' +
          'dangerouslyAllowBrowser: true if the key is meant to be public.',
        { kind: 'invalid_config', code: 'INVALID_CONFIG' },
      )
    }
    const { dangerouslyAllowBrowser, ...rest } = options || {}
    super(rest)
  }
}

export const {
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
} = sdk
export { Client }
export default { ...sdk, Client }
