/**
 * The local stack's worker threads: a TypeScript module starts in a thread
 * whatever ran the parent (here the test runner's own transform), sees the
 * parent's environment as it was at start, says why when it cannot start or
 * dies, and is closed once however often it is asked.
 */
import { describe, expect, it } from 'vitest';
import { awaitStart, closeWorker, startTsWorker } from '#cdk/local/thread.ts';

const fixture = new URL('./thread-fixture.ts', import.meta.url);

describe('local stack threads', () => {
  it('starts a TypeScript module with a copy of the environment, and closes it once', async () => {
    process.env['FERRET_THREAD_TEST'] = 'from the parent';
    const worker = startTsWorker(fixture, { fail: false });
    delete process.env['FERRET_THREAD_TEST'];
    const started = await awaitStart<{ kind: 'started'; threadEnv?: string }>(worker, 'fixture');
    expect(started.threadEnv).toBe('from the parent');
    const exited = new Promise<number>((r) => worker.once('exit', r));
    await Promise.all([closeWorker(worker), closeWorker(worker)]);
    await exited;
    expect(worker.threadId).toBe(-1);
    // Closing a thread that has ended is a no-op, not a hang.
    await closeWorker(worker);
  });

  it('reports a started thread that dies, with its error', async () => {
    const worker = startTsWorker(fixture, { fail: false });
    let died!: (e: Error) => void;
    const death = new Promise<Error>((r) => (died = r));
    await awaitStart(worker, 'fixture', died);
    worker.postMessage('crash');
    const error = await death;
    expect(error.message).toBe('the fixture thread stopped (exit code 1): boom');
    expect((error.cause as Error).message).toBe('boom');
  });

  it('says why a thread could not start, and ends it', async () => {
    const worker = startTsWorker(fixture, { fail: true });
    const exited = new Promise<number>((r) => worker.once('exit', r));
    await expect(awaitStart(worker, 'fixture')).rejects.toThrow('fixture failed to start: no port for you');
    await exited;
  });
});
