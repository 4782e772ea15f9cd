/**
 * A blocking HTTP GET/POST for the few places that must wait for a network answer inside
 * synchronous code: a Schema Registry lookup when a query is analyzed (the reader schema
 * decides the column's type) or when a kernel meets a schema id it has not seen. Kernels
 * are synchronous by design (whole columns, no awaits in the hot path); the lookups are
 * rare (once per schema id, then cached), so blocking for them is cheaper than making every
 * kernel async. A worker thread runs `fetch`; the caller sleeps on `Atomics.wait` until
 * the worker has posted the answer, then takes it with `receiveMessageOnPort`.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads'

export interface HttpRequest {
  readonly method: 'GET' | 'POST'
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  readonly timeoutMs: number
}

export type HttpAnswer =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly error: string }

// Plain JavaScript, run by the worker: fetch, post the answer, wake the caller.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads')
const { port, signal, request } = workerData
const flag = new Int32Array(signal)
const done = (answer) => { port.postMessage(answer); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0) }
fetch(request.url, {
  method: request.method,
  headers: request.headers,
  body: request.body,
  signal: AbortSignal.timeout(request.timeoutMs),
})
  .then(async (r) => done({ ok: true, status: r.status, body: await r.text() }))
  .catch((e) => done({ ok: false, error: (e && (e.cause && e.cause.code)) || (e && e.name === 'TimeoutError' ? 'timed out after ' + request.timeoutMs + ' ms' : String(e && e.message)) }))
`

/** Performs the request and blocks until it is answered or times out. */
export function httpSync(request: HttpRequest): HttpAnswer {
  const signal = new SharedArrayBuffer(4)
  const flag = new Int32Array(signal)
  const { port1, port2 } = new MessageChannel()
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { port: port2, signal, request },
    transferList: [port2],
  })
  try {
    // A little beyond the fetch's own timeout, so that its answer (a timeout) arrives first.
    const woke = Atomics.wait(flag, 0, 0, request.timeoutMs + 5_000)
    const message = receiveMessageOnPort(port1)
    if (woke === 'timed-out' || !message)
      return { ok: false, error: `no answer within ${request.timeoutMs} ms` }
    return message.message as HttpAnswer
  } finally {
    port1.close()
    void worker.terminate()
  }
}
