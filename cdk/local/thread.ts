/**
 * Worker threads of the local stack. Lambda gives every function its own
 * execution environment; here the emulators and the grouping function's
 * event source mapping each get a thread of Ferret's one process, so the
 * stack uses more than one core while staying a single process to start and
 * stop (and a single holder of the data-directory lock).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Every thread's messages to its parent carry a kind; a failed start says why. */
export interface ThreadMessage {
  kind: string;
}
export interface StartFailed {
  kind: 'failed';
  message: string;
  stack?: string;
}

/** A package export's ESM file (`require.resolve` would give its CommonJS twin, which cannot register from ESM). */
function esmEntry(pkg: string, subpath: string): string {
  const manifest = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  return join(dirname(manifest), exports[subpath]!.import.default);
}

/**
 * Starts a TypeScript module in a worker thread. The thread loads TypeScript
 * through tsx's loader, registered in the thread itself: the parent may be tsx
 * (`npm start`, the bench) or a test runner with its own transform, and a
 * worker inherits neither reliably. Profiling flags are passed on.
 */
export function startTsWorker(entry: URL, workerData: unknown): Worker {
  const tsx = pathToFileURL(esmEntry('tsx', './esm/api')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { (t.register ?? t.default.register)(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, {
    eval: true,
    workerData,
    execArgv: process.execArgv.filter((a) => a.startsWith('--cpu-prof') || a.startsWith('--heap-prof')),
  });
}

/** The next message of `kind` from the worker; rejects if the thread fails or exits first. */
export function nextMessage<M extends ThreadMessage>(worker: Worker, kind: string | string[]): Promise<M> {
  const kinds = Array.isArray(kind) ? kind : [kind];
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: M) => {
      if (!kinds.includes(m.kind)) return;
      cleanup();
      resolve(m);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`worker thread exited with ${code}`));
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
}

/** Waits for the thread's `started` (or `failed`) message; a failed start ends the thread and throws. */
/**
 * A started thread that ends without being closed (an uncaught error in it):
 * by default the error is thrown in this thread, so the process ends as it did
 * when everything ran on one thread, instead of accepting events that nothing
 * groups any more.
 */
export type ThreadDeath = (error: Error) => void;
const rethrow: ThreadDeath = (error) => {
  throw error;
};

/** Waits for the thread's `started` (or `failed`) message; a failed start ends the thread and throws. */
export async function awaitStart<M extends ThreadMessage>(worker: Worker, what: string, onDeath: ThreadDeath = rethrow): Promise<M> {
  const first = await nextMessage<M | StartFailed>(worker, ['started', 'failed']);
  if (first.kind === 'failed') {
    await worker.terminate();
    const failed = first as StartFailed;
    throw new Error(`${what} failed to start: ${failed.message}`, failed.stack ? { cause: failed.stack } : {});
  }
  let error: Error | undefined;
  worker.on('error', (e) => (error = e));
  worker.once('exit', (code) => {
    if (closings.has(worker)) return;
    onDeath(new Error(`the ${what} thread stopped (exit code ${code})${error ? `: ${error.message}` : ''}`, error ? { cause: error } : {}));
  });
  return first as M;
}

/** Asks the thread to close (message `close`, answered by `closed`), then ends it; once, however often it is called. */
export function closeWorker(worker: Worker): Promise<void> {
  let closing = closings.get(worker);
  if (!closing) {
    closing = close(worker);
    closings.set(worker, closing);
  }
  return closing;
}

const closings = new WeakMap<Worker, Promise<void>>();

async function close(worker: Worker): Promise<void> {
  // threadId is -1 once the thread has exited.
  if (worker.threadId === -1) return;
  const closed = nextMessage(worker, 'closed').catch(() => undefined);
  worker.postMessage('close');
  await closed;
  await worker.terminate();
}

/** In a thread: reports a failed start to the parent. */
export function failedStart(e: unknown): StartFailed {
  const error = e instanceof Error ? e : new Error(String(e));
  return { kind: 'failed', message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
}
