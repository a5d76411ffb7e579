// The ESM entry point shares the CommonJS build's classes.
import test from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import * as esm from 'erp-api-client'
import def from 'erp-api-client'

const require = createRequire(import.meta.url)
const cjs = require('erp-api-client')

test('ESM and CommonJS entry points export the same classes', () => {
  for (const name of ['Client', 'Webhook', 'ErpError', 'ApiError', 'NotFoundError', 'WebhookVerificationError']) {
    assert.equal(esm[name], cjs[name], name)
    assert.equal(def[name], cjs[name], name)
  }
  const err = cjs._errorFromResponse(404, {}, '{"error":{"code":"NOT_FOUND","message":"x"}}', 0)
  assert.ok(err instanceof esm.NotFoundError)
  assert.ok(err instanceof esm.ApiError)
  assert.equal(typeof esm.VERSION, 'string')
  assert.deepEqual([...esm.RESOURCES], ['companies', 'customers', 'vendors', 'inventory-items', 'sales-orders'])
})

test('Webhook from ESM verifies what it signs', () => {
  const wh = new esm.Webhook('whsec_' + Buffer.alloc(32, 1).toString('base64'))
  const now = Math.floor(Date.now() / 1000)
  const body = '{"id":"evt_1","type":"company.created","data":{"id":"cmp_1"}}'
  const headers = wh.sign('msg_1', now, body)
  assert.equal(wh.verify(body, headers).data.id, 'cmp_1')
  const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]))
  assert.equal(wh.verify(new TextEncoder().encode(body), upper).id, 'evt_1')
  assert.throws(() => wh.verify(body + ' ', headers), (e) => e instanceof esm.WebhookVerificationError && e.reason === 'no_matching_signature')
  assert.throws(() => wh.verify(body, { ...headers, 'webhook-timestamp': String(now - 3600) }), (e) => e.reason === 'timestamp_too_old')
  assert.throws(() => new esm.Webhook([]), (e) => e instanceof esm.ErpError)
})

test('no secret in inspect output or JSON', async () => {
  const { inspect } = await import('node:util')
  const secret = 'whsec_' + Buffer.alloc(32, 9).toString('base64')
  const wh = new esm.Webhook(secret)
  assert.ok(!inspect(wh, { showHidden: true, depth: 5 }).includes(secret))
  assert.ok(!JSON.stringify(wh).includes(secret))
  assert.throws(() => new esm.Webhook('whsec_%%%not-base64-but-long-enough%%%'), (e) => {
    assert.ok(e instanceof esm.WebhookVerificationError)
    assert.equal(e.reason, 'invalid_secret')
    assert.ok(!e.message.includes('not-base64-but-long-enough'))
    return true
  })
})
