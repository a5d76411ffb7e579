// A trivial local HTTP/1.1 server for the benchmark: answers every request with the same
// small JSON record, keep-alive. Raw `net` so the server costs as little as possible.
import net from 'node:net'

const body = JSON.stringify({
  id: 'cmp_bench0000000000000001',
  name: 'Acme GmbH',
  status: 'active',
  email: 'ops@acme.example',
  country: 'DE',
  tax_id: 'DE123456789',
  created_at: '2026-11-23T12:00:00.000Z',
  updated_at: '2026-11-23T12:00:00.000Z',
})
const response = Buffer.from(
  'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: req_bench\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n${body}`,
)

const server = net.createServer((sock) => {
  sock.setNoDelay(true)
  let pending = ''
  sock.on('data', (d) => {
    pending += d.toString('latin1')
    let i
    let n = 0
    while ((i = pending.indexOf('\r\n\r\n')) !== -1) {
      pending = pending.slice(i + 4)
      n++
    }
    if (n === 1) sock.write(response)
    else if (n > 1) sock.write(Buffer.concat(Array(n).fill(response)))
  })
  sock.on('error', () => {})
})
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
