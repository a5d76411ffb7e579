// Side-by-side: erp-api-client (native) vs the built-in fetch vs http.request on a
// keep-alive agent, for the same GET against a trivial local server; and Webhook.verify()
// vs the same check written with node:crypto.
//   node bench/node/bench.mjs            (after `make node-test` or a napi build)
import { spawn } from 'node:child_process'
import http from 'node:http'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const { Client, Webhook } = require(path.join(here, '..', '..', 'bindings-node'))

const SEQ = Number(process.env.BENCH_SEQ || 3000)
const PAR_TOTAL = Number(process.env.BENCH_PAR || 20000)
const IN_FLIGHT = 64

const server = spawn(process.execPath, [path.join(here, 'server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] })
const base = await new Promise((resolve) => {
  server.stdout.on('data', (d) => {
    const m = /listening on (\S+)/.exec(String(d))
    if (m) resolve(m[1])
  })
})
const url = `${base}/api/v1/companies/cmp_bench0000000000000001`
const headers = { 'x-api-key': 'sk_bench', accept: 'application/json' }

const client = new Client({ apiKey: 'sk_bench', baseUrl: base, maxRetries: 0 })
const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT })

const workloads = {
  'erp-api-client': () => client.companies.get('cmp_bench0000000000000001'),
  fetch: async () => (await fetch(url, { headers })).json(),
  'http.request (keep-alive)': () =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { agent, headers }, (res) => {
        let s = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (s += c))
        res.on('end', () => resolve(JSON.parse(s)))
      })
      req.on('error', reject)
      req.end()
    }),
}

async function sequential(f, n) {
  for (let i = 0; i < 200; i++) await f()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await f()
  return Number(process.hrtime.bigint() - t0) / 1000 / n
}

async function parallel(f, total, inFlight) {
  await Promise.all(Array.from({ length: inFlight }, () => f()))
  let left = total
  const t0 = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (left-- > 0) await f()
    }),
  )
  return total / (Number(process.hrtime.bigint() - t0) / 1e9)
}

const results = {}
for (const [name, f] of Object.entries(workloads)) {
  const us = await sequential(f, SEQ)
  const rps = await parallel(f, PAR_TOTAL, IN_FLIGHT)
  results[name] = { us, rps }
  console.log(`${name.padEnd(28)} sequential ${us.toFixed(1).padStart(7)} us/GET   ${IN_FLIGHT} in flight ${rps.toFixed(0).padStart(7)} GET/s`)
}
const sdk = results['erp-api-client']
const ft = results.fetch
console.log(`ratio vs fetch: sequential ${(ft.us / sdk.us).toFixed(2)}x faster, ${IN_FLIGHT} in flight ${(sdk.rps / ft.rps).toFixed(2)}x the throughput`)

// ---------------------------------------------------------------- verify
const secret = 'whsec_' + Buffer.alloc(32, 42).toString('base64')
const key = Buffer.from(secret.slice(6), 'base64')
const body = Buffer.from(JSON.stringify({ id: 'evt_1', type: 'company.created', created_at: '2026-11-23T12:00:00Z', tenant_id: 'ten_1', data: { id: 'cmp_1', name: 'x'.repeat(860) } }))
const wh = new Webhook(secret)
const now = Math.floor(Date.now() / 1000)
const signed = wh.sign('msg_1', now, body)

function cryptoVerify(b, h) {
  const mac = createHmac('sha256', key).update(`${h['webhook-id']}.${h['webhook-timestamp']}.`).update(b).digest()
  const ts = Number(h['webhook-timestamp'])
  if (Math.abs(Date.now() / 1000 - ts) > 300) throw new Error('timestamp')
  let ok = false
  for (const part of h['webhook-signature'].split(' ')) {
    const sig = Buffer.from(part.slice(3), 'base64')
    if (sig.length === mac.length && timingSafeEqual(sig, mac)) ok = true
  }
  if (!ok) throw new Error('no match')
  return JSON.parse(b)
}

// verify() is synchronous on the JS thread: CPU time per call is the fair measure (and does
// not move with other load on a shared machine). Best of 5 rounds each, interleaved.
function cpuTime(f, n) {
  for (let i = 0; i < 2000; i++) f()
  const t0 = process.cpuUsage()
  for (let i = 0; i < n; i++) f()
  const d = process.cpuUsage(t0)
  return (d.user + d.system) / n
}
const N = 50000
let v1 = Infinity
let v2 = Infinity
for (let round = 0; round < 5; round++) {
  v1 = Math.min(v1, cpuTime(() => wh.verify(body, signed), N))
  v2 = Math.min(v2, cpuTime(() => cryptoVerify(body, signed), N))
}
console.log(`verify ${body.length} B body (CPU time): erp-api-client ${v1.toFixed(2)} us, node:crypto (HMAC + timingSafeEqual + JSON.parse) ${v2.toFixed(2)} us, ratio ${(v2 / v1).toFixed(2)}x`)

agent.destroy()
server.kill('SIGTERM')
process.exit(0)
