/**
 * Entry of the grouping thread (started by `startPollerThread`): the grouping
 * handler behind its event source mapping, with the mapping's counters sent
 * to the parent as they change.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startPoller, type PollerThreadOptions } from './poller.ts';
import { failedStart } from './thread.ts';

const port = parentPort!;
try {
  // Imported only now, in this thread: the handler reads its configuration at module load.
  const { handler } = await import('#functions/group.ts');
  const poller = startPoller({
    ...(workerData as PollerThreadOptions),
    handler: handler as never,
    onError: (e) => console.error('event source mapping:', e),
    onStats: (stats) => port.postMessage({ kind: 'stats', stats }),
  });
  port.on('message', (m: unknown) => {
    if (m === 'close') void poller.stop().then(() => port.postMessage({ kind: 'closed' }));
  });
  port.postMessage({ kind: 'started' });
} catch (e) {
  port.postMessage(failedStart(e));
}
