/**
 * Entry of the emulators' worker thread (started by `emulators.ts`): starts the
 * servers, reports their endpoints, and closes them when asked.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startServers, type EmulatorEndpoints } from './emulator-servers.ts';
import { failedStart } from './thread.ts';

export interface EmulatorsStarted {
  kind: 'started';
  endpoints: EmulatorEndpoints;
}

const port = parentPort!;
try {
  const servers = await startServers((workerData as { dataDir: string }).dataDir);
  port.on('message', (m: unknown) => {
    if (m === 'close') void servers.close().then(() => port.postMessage({ kind: 'closed' }));
  });
  port.postMessage({ kind: 'started', endpoints: servers.endpoints } satisfies EmulatorsStarted);
} catch (e) {
  port.postMessage(failedStart(e));
}
