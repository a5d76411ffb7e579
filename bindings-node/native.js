'use strict'
// Loads the native addon built by `napi build --platform` for this platform
// (`erp-api-client.<platform>-<arch>[-<abi>].node` next to this file, or the per-platform
// npm package `erp-api-client-<platform>-<arch>[-<abi>]`). ERP_API_CLIENT_NATIVE overrides.
const { join } = require('node:path')
const { existsSync } = require('node:fs')

function isMusl() {
  try {
    return !process.report.getReport().header.glibcVersionRuntime
  } catch {
    return false
  }
}

function triples() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const gnu = `linux-${arch}-gnu`
    const musl = `linux-${arch}-musl`
    const both = [gnu, musl].filter((t) => existsSync(join(__dirname, `erp-api-client.${t}.node`)))
    if (both.length === 1) return both // avoid the (slow) libc detection when there is no choice
    return isMusl() ? [musl] : [gnu]
  }
  if (platform === 'win32') return [`win32-${arch}-msvc`]
  return [`${platform}-${arch}`]
}

function load() {
  const override = process.env.ERP_API_CLIENT_NATIVE
  if (override) return require(override)
  const ts = triples()
  for (const t of ts) {
    const file = join(__dirname, `erp-api-client.${t}.node`)
    if (existsSync(file)) return require(file)
  }
  const errors = []
  for (const t of ts) {
    try {
      return require(`erp-api-client-${t}`)
    } catch (e) {
      errors.push(e)
    }
  }
  const err = new Error(
    `erp-api-client: no native build for ${ts.join(' / ')}. ` +
      'Build it with `npx napi build --release --platform` in the package directory.',
  )
  err.cause = errors[0]
  throw err
}

module.exports = load()
