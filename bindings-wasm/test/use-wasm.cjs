'use strict'
// Preloaded with `node --require`: makes `require('erp-api-client')` (bindings-node/index.js)
// answer the same JS API over the wasm build instead of the native addon, so the Node face's
// test suites run unchanged against the browser/edge build.
const path = require('node:path')
const Module = require('node:module')

const nodeDir = path.resolve(__dirname, '..', '..', 'bindings-node')
const entry = path.join(nodeDir, 'index.js')
const { createApi } = require(path.join(nodeDir, 'lib', 'api.js'))
const backend = require('../js/node-backend.cjs')
const api = createApi(backend)
api.BACKEND = 'wasm'

const m = new Module(entry, module)
m.filename = entry
m.loaded = true
m.exports = api
require.cache[entry] = m
