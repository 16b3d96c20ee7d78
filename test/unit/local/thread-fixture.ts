/** A worker thread for `thread.test.ts`: fails to start, or starts, answers `close` and crashes on `crash`, as told. */
import { parentPort, workerData } from 'node:worker_threads';
import { failedStart } from '#cdk/local/thread.ts';

const port = parentPort!;
const { fail } = workerData as { fail: boolean };
// TypeScript-only syntax: the thread really runs through the loader it registered.
const greeting: string = 'started' satisfies string;
if (fail) port.postMessage(failedStart(new Error('no port for you')));
else {
  port.on('message', (m: unknown) => {
    if (m === 'close') port.postMessage({ kind: 'closed' });
    if (m === 'crash')
      setTimeout(() => {
        throw new Error('boom');
      });
  });
  port.postMessage({ kind: greeting, threadEnv: process.env['FERRET_THREAD_TEST'] });
}
