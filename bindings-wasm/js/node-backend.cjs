'use strict'
// The wasm build as a backend for Node (tests run the Node face's suites over it with
// ERP_API_CLIENT_BACKEND=wasm): the nodejs-target glue instantiates the same .wasm.
module.exports = require('../pkg/node/erp_api_client_wasm.js')
