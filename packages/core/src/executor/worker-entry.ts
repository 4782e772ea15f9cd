/**
 * The worker thread's main module: answers the coordinating thread's requests, one at a
 * time, in the order they came, for every query that uses the worker. An error is returned with the partition it came from; a
 * crash (an uncaught error, the thread exiting) is seen by the pool.
 */
import { parentPort } from 'node:worker_threads'
import { TributaryError } from '../util/errors.js'
import { type EncodedBatch, transferList } from './batch-codec.js'
import type { MapResult, ReduceResult, Request, Response } from './protocol.js'
import { PartitionTaskError, WorkerRuntime } from './worker-runtime.js'

const port = parentPort
if (!port) throw new Error('worker-entry.ts runs only as a worker thread')

/** Each running query's plan and state partitions on this worker, by the query's run. */
const runtimes = new Map<string, WorkerRuntime>()
let queue: Promise<void> = Promise.resolve()

async function handle(query: string, req: Request): Promise<{ value: unknown; batches: EncodedBatch[] }> {
  const runtime = runtimes.get(query) ?? null
  const need = (): WorkerRuntime => {
    if (!runtime) throw new Error(`the query run ${query} was not set up on this worker`)
    return runtime
  }
  switch (req.type) {
    case 'setup':
      runtimes.set(query, new WorkerRuntime(req.setup))
      return { value: null, batches: [] }
    case 'map': {
      const r: MapResult = await need().map(req.params, req.inputs, req.reads, req.write ?? null)
      return { value: r, batches: [...(r.output ? [r.output] : []), ...r.parts.map(([, b]) => b)] }
    }
    case 'reduce': {
      const r: ReduceResult = await need().reduce(req.params, req.parts)
      return { value: r, batches: r.partitions.map((p) => p.output) }
    }
    case 'commit':
      await need().commit()
      return { value: null, batches: [] }
    case 'abort':
      runtime?.abort()
      return { value: null, batches: [] }
    case 'maintain':
      await need().maintain(req.minVersion)
      return { value: null, batches: [] }
    case 'close':
      runtimes.delete(query)
      await runtime?.close()
      return { value: null, batches: [] }
  }
}

port.on('message', (msg: { id: number; query: string; req: Request }) => {
  queue = queue.then(async () => {
    let res: Response
    let transfer: ArrayBuffer[] = []
    try {
      const { value, batches } = await handle(msg.query, msg.req)
      res = { id: msg.id, ok: true, value }
      transfer = transferList(batches)
    } catch (e) {
      const partition = e instanceof PartitionTaskError ? e.partition : undefined
      const cause = e instanceof PartitionTaskError ? e.error : e
      const err = cause instanceof Error ? cause : new Error(String(cause))
      res = {
        id: msg.id,
        ok: false,
        error: {
          message: err.message,
          code: cause instanceof TributaryError ? cause.code : undefined,
          name: cause instanceof TributaryError ? cause.constructor.name : undefined,
          stack: err.stack,
        },
        partition,
      }
    }
    port.postMessage(res, transfer)
  })
})
