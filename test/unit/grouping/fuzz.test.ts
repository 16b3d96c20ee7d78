import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeGrouping, eventCulprit, eventMetadata, eventTitle, eventType } from '#shared/grouping/index.ts';
import type { NormalizedEvent } from '#shared/model.ts';

const frame = fc.record(
  {
    filename: fc.oneof(fc.string(), fc.constant('http://x/a.js'), fc.constant(null)),
    abs_path: fc.string(),
    module: fc.oneof(fc.string(), fc.constant(null)),
    function: fc.oneof(fc.string(), fc.constantFrom('?', '<anonymous>', 'a.b/<', 'f(int)', '(('), fc.integer()),
    context_line: fc.oneof(fc.string(), fc.constant(null)),
    in_app: fc.oneof(fc.boolean(), fc.constant(null)),
    lineno: fc.integer(),
    platform: fc.constantFrom('javascript', 'node', 'python', 'native', 'cocoa', 'ruby', 'java', 42),
  },
  { requiredKeys: [] },
);
const stacktrace = fc.oneof(fc.record({ frames: fc.oneof(fc.array(fc.oneof(frame, fc.constant(null))), fc.constant(null)) }), fc.constant(null), fc.anything());
const exception = fc.record(
  {
    type: fc.oneof(fc.string(), fc.constant(null), fc.integer()),
    value: fc.oneof(fc.string(), fc.constant(null), fc.anything()),
    mechanism: fc.oneof(fc.record({ synthetic: fc.boolean() }), fc.constant(null), fc.anything()),
    stacktrace,
  },
  { requiredKeys: [] },
);
const event = fc.record(
  {
    platform: fc.oneof(fc.constantFrom('javascript', 'python', 'native', 'ruby'), fc.string(), fc.constant(null)),
    message: fc.oneof(fc.string(), fc.anything()),
    logentry: fc.oneof(fc.record({ message: fc.anything(), formatted: fc.anything() }, { requiredKeys: [] }), fc.anything()),
    exception: fc.oneof(fc.record({ values: fc.array(fc.oneof(exception, fc.constant(null))) }), fc.array(exception), fc.anything()),
    threads: fc.oneof(fc.record({ values: fc.array(fc.record({ crashed: fc.boolean(), stacktrace }, { requiredKeys: [] })) }), fc.anything()),
    stacktrace,
    fingerprint: fc.oneof(fc.array(fc.oneof(fc.string(), fc.constantFrom('{{ default }}', '{{message}}', '{{ tags.x }}', '{{ function }}'), fc.anything())), fc.anything()),
    tags: fc.oneof(fc.array(fc.tuple(fc.string(), fc.string())), fc.anything()),
    transaction: fc.anything(),
    request: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('grouping on untrusted events', () => {
  it('never throws and always yields a 32-hex hash and strings', () => {
    fc.assert(
      fc.property(event, (raw) => {
        const e = raw as unknown as NormalizedEvent;
        const grouping = computeGrouping(e);
        expect(grouping.hash).toMatch(/^[0-9a-f]{32}$/);
        expect(typeof grouping.groupedBy).toBe('string');
        expect(grouping.components.every((c) => typeof c === 'string')).toBe(true);
        expect(typeof eventTitle(e)).toBe('string');
        expect(typeof eventCulprit(e)).toBe('string');
        expect(['error', 'default']).toContain(eventType(e));
        expect(Object.values(eventMetadata(e)).every((v) => typeof v === 'string')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic: the same event always hashes the same', () => {
    fc.assert(
      fc.property(event, (raw) => {
        const e = raw as unknown as NormalizedEvent;
        expect(computeGrouping(structuredClone(e)).hash).toBe(computeGrouping(e).hash);
      }),
      { numRuns: 200 },
    );
  });
});
