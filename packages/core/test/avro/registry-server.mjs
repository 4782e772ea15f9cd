// A stand-in Schema Registry for the tests: serves registry-recordings.json on 127.0.0.1 at
// a free port (printed on the first line of stdout), in its own process, because the
// client under test blocks its thread while it waits for the answer. Every request is
// logged as a JSON line on stdout: method, path, content type, authorization, body.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

const { answers } = JSON.parse(readFileSync(new URL('./registry-recordings.json', import.meta.url), 'utf8'))
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (d) => {
    body += d
  })
  req.on('end', () => {
    console.log(
      JSON.stringify({
        method: req.method,
        path: req.url,
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
        authorization: req.headers.authorization ?? null,
        body,
      }),
    )
    const answer = answers.find((a) => a.method === req.method && a.path === req.url)
    const status = answer?.status ?? 404
    const reply = answer?.body ?? { error_code: 404, message: 'HTTP 404 Not Found' }
    res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
    res.end(JSON.stringify(reply))
  })
})
server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`))
