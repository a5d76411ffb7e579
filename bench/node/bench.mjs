// `make bench`, Node side: the Node face beside what Node developers use instead.
//
// Run by bench/run.py against a sandbox (ERP_BASE_URL, ERP_API_KEY, the record BENCH_ID);
// writes one JSON row per figure to BENCH_OUT:
//   - sequential GETs of one record: erp-api-client vs the built-in fetch vs http.request on a
//     keep-alive agent (body collected and JSON.parse'd: the same work);
//   - GETs with 64 in flight: the same three;
//   - a strict batch of 1000 creates, end to end (p50, p95);
//   - a 10,000-row CSV import (batch().fromCsv, default chunking);
//   - Webhook.verify() of the 1 KB delivery in BENCH_BODY_FILE vs node:crypto doing the same
//     checks (HMAC-SHA256, timingSafeEqual, timestamp, JSON.parse), in CPU time per call.
// BENCH_SCALE (default 1) scales the call counts.
import http from 'node:http'
import fs from 'node:fs'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const { Client, Webhook } = require(path.join(here, '..', '..', 'bindings-node'))

const SCALE = Number(process.env.BENCH_SCALE || 1)
const nOf = (n) => Math.max(10, Math.floor(n * SCALE))
const IN_FLIGHT = 64
const base = process.env.ERP_BASE_URL.replace(/\/$/, '')
const apiKey = process.env.ERP_API_KEY
const id = process.env.BENCH_ID
const url = `${base}/api/v1/companies/${id}`
const headers = { 'x-api-key': apiKey, accept: 'application/json' }
const rows = []
function row(workload, client, metric, value, n) {
  console.error(`  node   ${workload.padEnd(10)} ${client.padEnd(26)} ${metric.padEnd(12)} ${value.toFixed(2).padStart(12)}  (n=${n})`)
  rows.push({ face: 'node', workload, client, metric, value, n })
}

const client = new Client({ apiKey, baseUrl: base, maxRetries: 0 })
const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT })
const companies = client.companies
const workloads = {
  'erp-api-client': () => companies.get(id),
  fetch: async () => (await fetch(url, { headers })).json(),
  'http.request (keep-alive)': () =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { agent, headers }, (res) => {
        let s = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (s += c))
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(s)) : reject(new Error(`HTTP ${res.statusCode}`))))
      })
      req.on('error', reject)
      req.end()
    }),
}

// 1. sequential GETs, interleaved rounds
{
  const n = nOf(5000)
  const rounds = 5
  const per = Math.max(1, Math.floor(n / rounds))
  const total = {}
  for (const [k, f] of Object.entries(workloads)) {
    total[k] = 0n
    for (let i = 0; i < 50; i++) await f()
  }
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(workloads)) {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < per; i++) await f()
      total[k] += process.hrtime.bigint() - t0
    }
  }
  for (const k of Object.keys(workloads)) row('seq_get', k, 'us_per_call', Number(total[k]) / 1000 / (per * rounds), n)
}

// 2. 64 in flight, interleaved rounds
async function inFlight(f, total) {
  let left = total
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (left-- > 0) await f()
    }),
  )
}
{
  const n = nOf(10000)
  const rounds = 5
  const per = Math.floor(n / rounds)
  const ns = {}
  for (const [k, f] of Object.entries(workloads)) {
    ns[k] = 0n
    await inFlight(f, 200)
  }
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(workloads)) {
      const t0 = process.hrtime.bigint()
      await inFlight(f, per)
      ns[k] += process.hrtime.bigint() - t0
    }
  }
  for (const k of Object.keys(workloads)) row('conc_get', k, 'req_per_s', (per * rounds) / (Number(ns[k]) / 1e9), n)
}

// 3. strict batch of 1000 creates, end to end
{
  const runs = Math.min(20, nOf(20))
  const times = []
  for (let r = 0; r < runs + 2; r++) {
    const t0 = process.hrtime.bigint()
    const b = client.batch().strict()
    for (let i = 0; i < 1000; i++) b.add('POST', '/companies', { name: `node-${r}-${i}` })
    const res = await b.execute()
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (res.successful !== 1000) throw new Error(`strict batch: ${JSON.stringify(res).slice(0, 300)}`)
    if (r >= 2) times.push(ms)
  }
  times.sort((a, b) => a - b)
  row('batch_1000', 'erp-api-client', 'p50_ms', times[Math.floor((times.length * 50) / 100)], runs)
  row('batch_1000', 'erp-api-client', 'p95_ms', times[Math.min(times.length - 1, Math.floor((times.length * 95) / 100))], runs)
}

// 4. 10,000-row CSV import (the same CSV as every face: bench/rust/src/main.rs csv_text)
{
  const times = []
  for (let r = 0; r < 3; r++) {
    let text = 'sku,name,quantity,unit_price\n'
    for (let i = 0; i < 10000; i++) text += `node-${r}-${i},Item ${i},${i % 100},${i % 50}.25\n`
    const t0 = process.hrtime.bigint()
    const out = await client.batch().fromCsv('inventory-items', text)
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
    if (out.imported !== 10000 || out.failed !== 0) throw new Error(`import: ${JSON.stringify(out).slice(0, 300)}`)
  }
  times.sort((a, b) => a - b)
  row('csv_10k', 'erp-api-client', 'ms', times[1], 10000)
}

// 5. verify a 1 KB delivery. verify() is synchronous on the JS thread: CPU time per call is
// the fair measure. Best of 5 interleaved rounds each.
{
  const secret = process.env.BENCH_SECRET
  const key = Buffer.from(secret.slice(6), 'base64')
  const body = fs.readFileSync(process.env.BENCH_BODY_FILE)
  const wh = new Webhook(secret)
  const signed = wh.sign('msg_bench', Math.floor(Date.now() / 1000), body)
  const byHand = (parse) => () => {
    const h = signed
    const ts = Number(h['webhook-timestamp'])
    if (Math.abs(Date.now() / 1000 - ts) > 300) throw new Error('timestamp')
    const mac = createHmac('sha256', key).update(`${h['webhook-id']}.${h['webhook-timestamp']}.`).update(body).digest()
    let ok = false
    for (const part of h['webhook-signature'].split(' ')) {
      const sig = Buffer.from(part.slice(3), 'base64')
      if (sig.length === mac.length && timingSafeEqual(sig, mac)) ok = true
    }
    if (!ok) throw new Error('no match')
    return parse ? JSON.parse(body) : undefined
  }
  const fns = {
    'erp Webhook.verify': () => wh.verify(body, signed),
    'node:crypto + JSON.parse': byHand(true),
    'node:crypto (signature only)': byHand(false),
  }
  if (typeof wh.verifySignature === 'function') fns['erp Webhook.verifySignature'] = () => wh.verifySignature(body, signed)
  const n = nOf(50000)
  const best = {}
  for (let round = 0; round < 5; round++) {
    for (const [k, f] of Object.entries(fns)) {
      for (let i = 0; i < 1000; i++) f()
      const t0 = process.cpuUsage()
      for (let i = 0; i < n; i++) f()
      const d = process.cpuUsage(t0)
      best[k] = Math.min(best[k] ?? Infinity, (d.user + d.system) / n)
    }
  }
  for (const [k, v] of Object.entries(best)) row('verify', k, 'us_per_call', v, n)
}

agent.destroy()
fs.writeFileSync(process.env.BENCH_OUT, JSON.stringify(rows, null, 1))
process.exit(0)
