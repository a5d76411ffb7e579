// Runs examples/browser/index.html in headless Chromium against ERP_BASE_URL / ERP_API_KEY and
// prints the page's transcript. It serves the page and the package's browser build from
// 127.0.0.1, and keeps a webhook receiver there for the page (browsers cannot receive HTTP).
// The sandbox must allow this origin (`--cors-origin`); `make demo` starts it that way.
import http from 'node:http'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const { chromium } = require('../../bindings-wasm/tools/node_modules/playwright-core')
const wasmDir = path.resolve(here, '..', '..', 'bindings-node', 'wasm')
const port = Number(process.env.BROWSER_DEMO_PORT || 0)
const received = []

const types = { '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' }
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  if (req.method === 'POST' && url.pathname === '/hooks') {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers })
      res.writeHead(200).end('ok')
    })
    return
  }
  if (url.pathname === '/received') {
    res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
    res.end(JSON.stringify(received))
    return
  }
  const file = url.pathname === '/' ? path.join(here, 'index.html')
    : url.pathname.startsWith('/wasm/') ? path.join(wasmDir, path.basename(url.pathname)) : null
  if (!file || !fs.existsSync(file)) return res.writeHead(404).end('not found')
  res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' })
  fs.createReadStream(file).pipe(res)
})
await new Promise((ok) => server.listen(port, '127.0.0.1', ok))
const origin = `http://127.0.0.1:${server.address().port}`
if (process.argv.includes('--print-origin')) console.log(origin)

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'erp-browser-demo-'))
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
let ok = false
try {
  const page = await ctx.newPage()
  const q = new URLSearchParams({ base: process.env.ERP_BASE_URL, token: process.env.ERP_API_KEY, receiver: origin })
  await page.goto(`${origin}/?${q}`)
  await page.waitForFunction(() => window.__done !== undefined, null, { timeout: 60000 })
  const done = await page.evaluate(() => window.__done)
  for (const line of done.lines) console.log(line)
  if (!done.ok) console.error(done.error)
  ok = done.ok
} finally {
  await ctx.close()
  server.close()
  fs.rmSync(profile, { recursive: true, force: true })
}
process.exit(ok ? 0 : 1)
