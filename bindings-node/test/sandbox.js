'use strict'
// Starts the sandbox server (ERP_SANDBOX_BIN, default <repo>/target/debug/erp-sandbox) on a
// free port with a temporary database and test controls; always killed at exit.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')

const REPO = path.resolve(__dirname, '..', '..')
const BIN = process.env.ERP_SANDBOX_BIN || path.join(REPO, 'target', 'debug', 'erp-sandbox')

const running = new Set()
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL')
})

async function startSandbox(extraArgs = []) {
  if (!fs.existsSync(BIN)) throw new Error(`sandbox binary not found at ${BIN} (set ERP_SANDBOX_BIN)`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'erp-node-test-'))
  const child = spawn(
    BIN,
    ['--listen', '127.0.0.1:0', '--db', path.join(dir, 's.db'), '--test-controls', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  running.add(child)
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += d
    if (stderr.length > 20000) stderr = stderr.slice(-10000)
  })
  const cleanup = () => {
    if (running.has(child)) {
      child.kill('SIGKILL')
      running.delete(child)
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }
  const info = await new Promise((resolve, reject) => {
    const found = {}
    const timer = setTimeout(() => reject(new Error(`sandbox did not start in 30 s: ${stderr}`)), 30000)
    const rl = readline.createInterface({ input: child.stdout })
    rl.on('line', (line) => {
      let m
      if ((m = /^api key: (\S+)/.exec(line))) found.apiKey = m[1]
      if ((m = /listening on (http:\/\/\S+)/.exec(line))) found.url = m[1]
      if (found.apiKey && found.url) {
        clearTimeout(timer)
        resolve(found)
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`sandbox exited with ${code}: ${stderr}`))
    })
  }).catch((e) => {
    cleanup()
    throw e
  })
  child.stdout.resume()
  const stop = cleanup
  const control = async (method, p, body, key = info.apiKey) => {
    const r = await fetch(info.url + p, {
      method,
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await r.text()
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`)
    return text ? JSON.parse(text) : null
  }
  return { ...info, stop, control, child }
}

module.exports = { startSandbox }
