/** Entry of the load generator's thread (`generateLoad`): posts the load, then sends back what was sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { failedStart } from '#cdk/local/thread.ts';
import { postLoad, type LoadOptions } from './load.ts';

const port = parentPort!;
try {
  port.postMessage({ kind: 'done', run: await postLoad(workerData as LoadOptions) });
} catch (e) {
  port.postMessage(failedStart(e));
}
