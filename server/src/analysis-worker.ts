/**
 * Entry point of an analysis worker thread (bundled to dist/analysis-worker.js): the language server sends it
 * documents to analyse and fault paths to simulate, so a 10 MB patch never blocks the server's message loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WorkerHost } from './lsp/worker-host';
import { WORKER_KIND, type WorkerRequest } from './lsp/worker-protocol';
import { stamp, TIMING } from './lsp/timing';

const port = parentPort;
if (port && (workerData as { kind?: string } | null)?.kind === WORKER_KIND) {
  const log = {
    info: (m: string) => port.postMessage({ log: 'info', message: m }),
    warn: (m: string) => port.postMessage({ log: 'warn', message: m }),
    error: (m: string) => port.postMessage({ log: 'error', message: m }),
  };
  const host = new WorkerHost(log);
  port.on('message', (req: WorkerRequest | { forget: string }) => {
    if ('forget' in req) host.forget(req.forget);
    else if (!TIMING) port.postMessage(host.handle(req));
    else {
      const received = stamp();
      port.postMessage({ ...host.handle(req), timing: [received, stamp()] });
    }
  });
}
