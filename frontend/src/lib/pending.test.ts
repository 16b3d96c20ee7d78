import { describe, expect, it } from 'vitest';
import { PendingAction } from './pending.svelte.ts';

describe('PendingAction', () => {
  it('is busy while the action runs and not after', async () => {
    const pending = new PendingAction();
    let release!: () => void;
    const running = pending.run(() => new Promise<void>((r) => (release = r)));
    expect(pending.busy).toBe(true);
    release();
    await running;
    expect(pending.busy).toBe(false);
    expect(pending.problem).toBe('');
  });

  it("keeps a failure's message until the next action, and is no longer busy", async () => {
    const pending = new PendingAction();
    await pending.run(async () => {
      throw new Error('token limit reached');
    });
    expect(pending.problem).toBe('token limit reached');
    expect(pending.busy).toBe(false);
    await pending.run(async () => {
      throw 'plain';
    });
    expect(pending.problem).toBe('plain');
    await pending.run(async () => undefined);
    expect(pending.problem).toBe('');
  });
});
