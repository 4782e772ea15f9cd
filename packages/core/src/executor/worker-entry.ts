/**
 * The worker thread's main module: answers the coordinating thread's requests, one at a
 * time, in the order they came. An error is returned with the partition it came from; a
 * crash (an uncaught error, the thread exiting) is seen by the pool.
 */
import { parentPort } from 'node:worker_threads'
import { TributaryError } from '../util/errors.js'
import { type EncodedBatch, transferList } from './batch-codec.js'
import type { MapResult, ReduceResult, Request, Response } from './protocol.js'
import { PartitionTaskError, WorkerRuntime } from './worker-runtime.js'

const port = parentPort
if (!port) throw new Error('worker-entry.ts runs only as a worker thread')

let runtime: WorkerRuntime | null = null
let queue: Promise<void> = Promise.resolve()

function need(): WorkerRuntime {
  if (!runtime) throw new Error('the worker was not set up')
  return runtime
}

async function handle(req: Request): Promise<{ value: unknown; batches: EncodedBatch[] }> {
  switch (req.type) {
    case 'setup':
      runtime = new WorkerRuntime(req.setup)
      return { value: null, batches: [] }
    case 'map': {
      const r: MapResult = await need().map(req.params, req.inputs)
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
      await runtime?.close()
      return { value: null, batches: [] }
  }
}

port.on('message', (msg: { id: number; req: Request }) => {
  queue = queue.then(async () => {
    let res: Response
    let transfer: ArrayBuffer[] = []
    try {
      const { value, batches } = await handle(msg.req)
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
          stack: err.stack,
        },
        partition,
      }
    }
    port.postMessage(res, transfer)
  })
})
