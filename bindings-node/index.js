'use strict'
// Node.js entry point (CommonJS): the shared API over the native addon.
module.exports = require('./lib/api.js').createApi(require('./native.js'))
