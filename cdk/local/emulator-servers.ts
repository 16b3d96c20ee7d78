/**
 * The emulator servers themselves — dynalite (DynamoDB, persisted in LevelDB),
 * local-aws-sqs, aws-ses-v2-local (with its inbox page) and s3rver (persisted) —
 * listening on loopback ports. `emulators.ts` runs this module in a worker
 * thread (`emulator-thread.ts`): the servers stay in Ferret's process, but
 * their request parsing, LevelDB work and garbage collection run on a core of
 * their own instead of the one the handlers use.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';
import * as sesModule from 'aws-ses-v2-local';
import S3rver from 's3rver';

export const EMULATOR_HOST = '127.0.0.1';

export interface EmulatorEndpoints {
  dynamodb: string;
  sqs: string;
  ses: string;
  s3: string;
}

export interface RunningServers {
  endpoints: EmulatorEndpoints;
  close(): Promise<void>;
}

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, EMULATOR_HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Starts the four servers; `dataDir` holds the `dynamodb` and `s3` folders. */
export async function startServers(dataDir: string): Promise<RunningServers> {
  const dynamo = dynalite({ path: join(dataDir, 'dynamodb'), createTableMs: 0, updateTableMs: 0, deleteTableMs: 0 }) as Server;
  const dynamoPort = await listen(dynamo);

  const sqs = await createSqsServer({ port: 0, hostname: EMULATOR_HOST, emulateQueueCreationLifecycle: false } as Parameters<typeof createSqsServer>[0]);
  if (!sqs.listening) await new Promise((r) => sqs.once('listening', r));
  const sqsPort = (sqs.address() as AddressInfo).port;

  // From ESM, this CommonJS package's server is the `.default` of its exports.
  type SesServer = (config: { host: string; port: number }) => Promise<Server>;
  const sesExports = sesModule as unknown as { default: SesServer | { default: SesServer } };
  const sesServer: SesServer = typeof sesExports.default === 'function' ? sesExports.default : sesExports.default.default;
  const ses = await sesServer({ host: EMULATOR_HOST, port: 0 });
  if (!ses.listening) await new Promise((r) => ses.once('listening', r));
  const sesPort = (ses.address() as AddressInfo).port;

  const s3 = new S3rver({ address: EMULATOR_HOST, port: 0, silent: true, directory: join(dataDir, 's3') });
  const s3Port = ((await s3.run()) as unknown as { port: number }).port;

  return {
    endpoints: {
      dynamodb: `http://${EMULATOR_HOST}:${dynamoPort}`,
      sqs: `http://${EMULATOR_HOST}:${sqsPort}`,
      ses: `http://${EMULATOR_HOST}:${sesPort}`,
      s3: `http://${EMULATOR_HOST}:${s3Port}`,
    },
    async close() {
      await Promise.all([close(dynamo), close(sqs), close(ses), s3.close().catch(() => undefined)]);
    },
  };
}
