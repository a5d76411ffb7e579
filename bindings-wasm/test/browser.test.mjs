// The browser face in a real browser: headless Chromium (Debian's) driven by playwright-core
// loads a page served from 127.0.0.1 that imports the package's browser build, and runs it
// against the sandbox over CORS. The test reads the page's results.
import test from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const { startSandbox } = require('../../bindings-node/test/sandbox.js')
const { chromium } = require('../tools/node_modules/playwright-core')
const wasmDir = path.resolve(here, '..', '..', 'bindings-node', 'wasm')
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium'

const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' }

function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    let file
    if (url.pathname === '/') file = path.join(here, 'page.html')
    else if (url.pathname.startsWith('/wasm/')) file = path.join(wasmDir, path.basename(url.pathname))
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' })
    fs.createReadStream(file).pipe(res)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

test('the browser build lists, creates, batches and verifies in headless Chromium', { timeout: 120000 }, async (t) => {
  assert.ok(fs.existsSync(path.join(wasmDir, 'erp-api-client.browser.mjs')), 'run bindings-wasm/build.sh first')
  const server = await serve()
  t.after(() => server.close())
  const origin = `http://127.0.0.1:${server.address().port}`
  const sb = await startSandbox(['--cors-origin', origin])
  t.after(() => sb.stop())

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'erp-chromium-'))
  t.after(() => fs.rmSync(profile, { recursive: true, force: true }))
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  })
  t.after(() => ctx.close())
  const page = await ctx.newPage()
  const consoleLines = []
  page.on('console', (m) => consoleLines.push(m.text()))
  await page.goto(`${origin}/?base=${encodeURIComponent(sb.url)}&key=${encodeURIComponent(sb.apiKey)}`)
  await page.waitForFunction(() => window.__results !== undefined, null, { timeout: 60000 })
  const r = await page.evaluate(() => window.__results)
  assert.equal(r.error, undefined, `${r.error}\n${consoleLines.join('\n')}`)
  const byName = Object.fromEntries(r.steps.map((s) => [s.name, s]))
  for (const name of ['apiKeyRefused', 'create', 'batch', 'list', 'notFound', 'validation', 'verify']) {
    assert.ok(byName[name], `step ${name} missing`)
    assert.equal(byName[name].ok, true, `${name}: ${JSON.stringify(byName[name])}`)
  }
  assert.equal(byName.apiKeyRefused.kind, 'invalid_config')
  assert.equal(byName.verify.signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
  // What the page created is really in the sandbox.
  const list = await sb.control('GET', `/api/v1/companies/${byName.create.id}`)
  assert.equal(list.id, byName.create.id)
})
