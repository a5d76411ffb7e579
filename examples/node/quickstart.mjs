// The erp-api-client quickstart, in Node.js.
//
// Run it against the sandbox (`make demo` does all of this for you):
//   ERP_BASE_URL=http://127.0.0.1:8080 ERP_API_KEY=sk_... node examples/node/quickstart.mjs
//
// It creates companies with a strict batch, lists them with a filter, registers a webhook
// to a receiver it runs itself on 127.0.0.1, creates a company, receives and verifies the
// signed delivery, and shows the delivery history.
import http from 'node:http'
import { randomBytes } from 'node:crypto'
import { Client, Webhook, ErpError } from 'erp-api-client'

const started = Date.now()
const baseUrl = process.env.ERP_BASE_URL
const apiKey = process.env.ERP_API_KEY
if (!baseUrl || !apiKey) {
  console.error('set ERP_BASE_URL and ERP_API_KEY')
  process.exit(2)
}

const client = new Client({ apiKey, baseUrl })
const runId = randomBytes(6).toString('hex')

// A webhook receiver on 127.0.0.1: it hands each delivery (raw body + headers) to `next`.
const deliveries = []
let wake = () => {}
const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    deliveries.push({ body: Buffer.concat(chunks), headers: req.headers })
    res.end('ok')
    wake()
  })
})
async function nextDelivery(ms) {
  const deadline = Date.now() + ms
  while (deliveries.length === 0) {
    if (Date.now() > deadline) throw new Error(`no webhook delivery arrived within ${ms / 1000} s`)
    await new Promise((r) => {
      wake = r
      setTimeout(r, 250)
    })
  }
  return deliveries.shift()
}

try {
  // 1. Create three companies atomically: all or nothing.
  const batch = client.batch()
  for (const name of ['Acme GmbH', 'Globex AG', 'Initech KG']) {
    batch.add('POST', '/companies', { name, country: 'DE' })
  }
  const result = await batch.execute({ mode: 'strict', idempotencyKey: `quickstart-node-${runId}` })
  console.log(
    `batch ${result.id}: ${result.successful} of ${result.total} operations succeeded (${result.status}, ${result.duration_ms} ms)`,
  )

  // 2. List them back with a filter, newest first.
  const page = await client.companies.filter({ country: 'DE' }).sort('-created_at').limit(5).list()
  console.log(`companies in DE (newest first): ${page.data.map((c) => c.name).join(', ')}`)

  // 3. Run the receiver and register a webhook that points at it.
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const hookUrl = `http://127.0.0.1:${server.address().port}/hooks`
  const hook = await client.webhooks.register(hookUrl, ['company.created'])
  console.log(`webhook ${hook.id} registered for company.created -> ${hookUrl}`)

  // 4. Create a company: the API emits company.created and delivers it, signed.
  const company = await client.companies.create({ name: 'Umbrella SE', country: 'DE' })
  console.log(`created company ${company.id} (${company.name})`)

  // 5. Receive the delivery and verify its signature before trusting it.
  const verifier = new Webhook(hook.secret)
  const { body, headers } = await nextDelivery(15000)
  const event = verifier.verify(body, headers)
  console.log(`received ${event.type} ${event.id} for ${event.data.id}: signature verified`)

  // 6. The delivery history, as the API recorded it.
  await new Promise((r) => setTimeout(r, 200))
  const history = await client.webhooks.deliveries(hook.id)
  for (const d of history.data) {
    console.log(
      `delivery ${d.id}: ${d.event_type} ${d.status} after ${d.attempt_count} attempt(s), last status ${d.last_status_code ?? '-'}`,
    )
  }

  await client.webhooks.delete(hook.id)
  console.log(`node quickstart: done in ${Date.now() - started} ms (1 webhook delivery verified)`)
} catch (e) {
  if (e instanceof ErpError) {
    console.error(`quickstart failed: ${e.name} ${e.code}${e.status ? ` (${e.status})` : ''}: ${e.message}`)
  } else {
    console.error(`quickstart failed: ${e && e.message ? e.message : e}`)
  }
  process.exitCode = 1
} finally {
  server.close()
}
