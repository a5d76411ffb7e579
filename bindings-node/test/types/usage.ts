// Typed usage of the public API: `tsc --noEmit --strict` must accept it without `any`.
import {
  Client,
  Webhook,
  ErpError,
  ApiError,
  NotFoundError,
  RateLimitedError,
  WebhookVerificationError,
  type Company,
  type Page,
  type BatchResult,
  type ImportResult,
  type WebhookEndpoint,
  type WebhookEvent,
  type PreparedRequest,
} from 'erp-api-client'

async function main(): Promise<void> {
  const client = new Client({ apiKey: 'sk_test', baseUrl: 'http://127.0.0.1:8080', timeoutMs: 5000, maxRetries: 2 })

  const page: Page<Company> = await client.companies.filter({ status: 'active' }).sort('-created_at').limit(10).list()
  const names: string[] = page.data.map((c) => c.name)
  const next: string | null = page.nextCursor
  console.log(names, next)

  for await (const c of client.companies.filter({ country: 'DE' })) {
    const id: string = c.id
    console.log(id, c.country)
  }
  for await (const p of client.customers.limit(100).pages()) console.log(p.data.length)

  const created: Company = await client.companies.create({ name: 'Acme', country: 'DE' }, { idempotencyKey: 'k1' })
  await client.companies.update(created.id, { status: 'inactive' })
  const gone: { id: string; deleted: true } = await client.companies.delete(created.id)
  console.log(gone.deleted)

  const item = await client.inventoryItems.withOptions({ suppressWebhooks: ['whk_1'] }).create({ sku: 'S1', name: 'Bolt' })
  const sku: string = item.sku
  console.log(sku)

  const dry: PreparedRequest = client.salesOrders.prepare('get', 'so_1')
  console.log(dry.url, dry.headers['user-agent'])

  const result: BatchResult = await client
    .batch()
    .add('POST', '/companies', { name: 'A' })
    .add('DELETE', '/companies/cmp_1')
    .execute({ mode: 'strict', stopOnError: false, maxParallel: 5, idempotencyKey: 'b1', onProgress: (p) => console.log(p.operationsDone) })
  for (const r of result.results) if (!r.success) console.log(r.error?.code)
  const imported: ImportResult = await client.batch().fromCsv('inventory-items', 'sku,name\nA-1,Bolt\n', {
    validateOnly: false,
    batchSize: 100,
    resumeFrom: 0,
    idempotencyKey: 'stock-1',
    onProgress: (p) => console.log(p.rows_done, p.rows_total, p.imported, p.failed),
  })
  for (const e of imported.errors) console.log(e.row, e.error.code, e.error.message)
  console.log(imported.checkpoint, imported.rows_skipped, imported.validate_only)
  const handle = await client.batch().add('POST', '/vendors', { name: 'V' }).submit()
  const done: BatchResult = await handle.wait()
  console.log(handle.id, done.status, (await handle.status()).processed)

  const hook: WebhookEndpoint = await client.webhooks.register('https://example.com/hook', ['company.created'], {
    filters: { country: 'DE' },
    retryPolicy: { maxRetries: 3, backoffMs: 500 },
  })
  await client.webhooks.update(hook.id, { active: false })
  const deliveries = await client.webhooks.deliveries(hook.id, { status: 'failed' })
  for (const d of deliveries.data) await client.webhooks.retryDelivery(hook.id, d.id)
  const one = await client.webhooks.delivery(hook.id, 'dlv_1')
  console.log(one.attempts?.length, await client.webhooks.stats(hook.id), (await client.webhooks.list()).data.length)
  await client.webhooks.test(hook.id)
  const rotated = await client.webhooks.rotateSecret(hook.id)
  await client.webhooks.delete(hook.id)
  const types = await client.eventTypes()
  console.log(types.data.map((t) => t.type))

  const wh = new Webhook([rotated.secret ?? '', 'whsec_old'], { toleranceSec: 600 })
  const headers = wh.sign('msg_1', Math.floor(Date.now() / 1000), '{"a":1}')
  const event: WebhookEvent<{ id: string }> = wh.verify<{ id: string }>(Buffer.from('{"a":1}'), headers)
  console.log(event.type, event.data.id)
  wh.verify('{}', new Headers(Object.entries(headers)))
  wh.verifyAt(new Uint8Array(2), new Map([['webhook-id', 'x']]), 1700000000)
  const nothing: void = wh.verifySignature(Buffer.from('not json'), headers)
  wh.verifySignatureAt('{}', new Headers(Object.entries(headers)), 1700000000)
  console.log(nothing)

  try {
    await client.companies.get('cmp_missing')
  } catch (e) {
    if (e instanceof NotFoundError) console.log(e.status, e.code, e.requestId, e.details)
    else if (e instanceof RateLimitedError) console.log(e.retryAfter)
    else if (e instanceof ApiError) console.log(e.status)
    else if (e instanceof WebhookVerificationError) console.log(e.reason)
    else if (e instanceof ErpError) console.log(e.kind)
  }
}

void main()
