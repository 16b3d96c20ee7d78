import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FIT_BREADCRUMBS_KEPT, FIT_FRAMES_KEPT, fitEvent } from '#shared/event/fit.ts';
import type { NormalizedEvent } from '#shared/model.ts';
import { decodeEventBody } from '#functions/lib/event-codec.ts';
import { MAX_EVENT_BODY_BYTES, storedBody } from '#functions/lib/dynamo.ts';

const noise = (bytes: number) => randomBytes(bytes).toString('base64');

function bigEvent(frames: number, varBytes: number): NormalizedEvent {
  return {
    event_id: 'f'.repeat(32),
    timestamp: 1_700_000_000,
    received: 1_700_000_000,
    level: 'error',
    platform: 'python',
    tags: [['release', '1.0']],
    exception: {
      values: [
        {
          type: 'ValueError',
          value: 'bad input',
          stacktrace: {
            frames: Array.from({ length: frames }, (_, j) => ({
              filename: `app/m${j}.py`,
              function: `f${j}`,
              lineno: j + 1,
              pre_context: [noise(60)],
              context_line: `raise ValueError(${j})`,
              post_context: [noise(60)],
              vars: { a: noise(varBytes), b: noise(varBytes) },
            })),
          },
        },
      ],
    },
    breadcrumbs: { values: Array.from({ length: 50 }, (_, i) => ({ message: `step ${i} ${noise(200)}` })) },
    extra: { blob: noise(20_000) },
  };
}

const jsonSize = (e: NormalizedEvent) => JSON.stringify(e).length;

describe('fitEvent', () => {
  it('returns the event itself when it fits', () => {
    const event = bigEvent(3, 10);
    expect(fitEvent(event, () => true)).toBe(event);
  });

  it('cuts the variables of outer frames first, keeps those of the innermost frame, and notes each cut', () => {
    const event = bigEvent(30, 2_000);
    const before = jsonSize(event);
    const budget = before - 10_000;
    const fitted = fitEvent(event, (e) => jsonSize(e) <= budget);
    expect(jsonSize(fitted)).toBeLessThanOrEqual(budget);
    const frames = fitted.exception!.values[0]!.stacktrace!.frames;
    expect(frames).toHaveLength(30);
    expect(frames.at(-1)!.vars).toEqual(event.exception!.values[0]!.stacktrace!.frames.at(-1)!.vars);
    expect(frames.slice(0, -1).every((f) => f.vars === undefined)).toBe(true);
    expect(fitted.breadcrumbs!.values).toHaveLength(50); // the first cut was enough
    const meta = fitted._meta as any;
    expect(meta.exception.values['0'].stacktrace.frames['0'].vars['']).toEqual({ rem: [['!limit', 'x']] });
    // The input is left as it was.
    expect(jsonSize(event)).toBe(before);
    expect(event._meta).toBeUndefined();
  });

  it('keeps cutting in order down to the innermost frames, and never touches what identifies the error', () => {
    const event = bigEvent(60, 500);
    const fitted = fitEvent(event, (e) => jsonSize(e) <= 3_000);
    const exception = fitted.exception!.values[0]!;
    expect(exception).toMatchObject({ type: 'ValueError', value: 'bad input' });
    expect(exception.stacktrace!.frames).toHaveLength(FIT_FRAMES_KEPT);
    expect(exception.stacktrace!.frames.at(-1)!.function).toBe('f59');
    expect(exception.stacktrace!.frames.every((f) => f.vars === undefined && f.pre_context === undefined && f.context_line !== undefined)).toBe(true);
    expect(fitted.breadcrumbs).toBeUndefined();
    expect(fitted.extra).toBeUndefined();
    expect(fitted.tags).toEqual([['release', '1.0']]);
    const meta = fitted._meta as any;
    expect(meta.exception.values['0'].stacktrace.frames['']).toEqual({ rem: [['!limit', 'x']], len: 60 });
    expect(meta.breadcrumbs.values['']).toEqual({ rem: [['!limit', 'x']], len: 50 });
    expect(meta.extra['']).toEqual({ rem: [['!limit', 'x']] });
  });

  it('shortens breadcrumbs to the last ones before cutting all variables', () => {
    const event = bigEvent(2, 10);
    event.breadcrumbs = { values: Array.from({ length: 100 }, (_, i) => ({ message: `step ${i} ${noise(500)}` })) };
    delete event.extra;
    const fitted = fitEvent(event, (e) => jsonSize(e) <= jsonSize(event) / 4);
    expect(fitted.breadcrumbs!.values).toHaveLength(FIT_BREADCRUMBS_KEPT);
    expect(fitted.breadcrumbs!.values.at(-1)!.message).toMatch(/^step 99 /);
    expect(fitted.exception!.values[0]!.stacktrace!.frames.at(-1)!.vars).toBeDefined();
  });
});

describe('storedBody', () => {
  it('stores an event that fits unchanged', () => {
    const event = bigEvent(5, 100);
    expect(JSON.parse(decodeEventBody(storedBody(event)))).toEqual(event);
  });

  it('trims an incompressible event that would overflow a DynamoDB item to fit it', () => {
    // About 1 MiB of random data after normalization: compressed, still far above 400 KB.
    const event = bigEvent(200, 2_500);
    const body = storedBody(event);
    expect(body.length).toBeLessThanOrEqual(MAX_EVENT_BODY_BYTES);
    const stored = JSON.parse(decodeEventBody(body)) as NormalizedEvent;
    expect(stored.exception!.values[0]).toMatchObject({ type: 'ValueError', value: 'bad input' });
    expect(stored._meta).toBeDefined();
    expect(stored.event_id).toBe(event.event_id);
  });
});
