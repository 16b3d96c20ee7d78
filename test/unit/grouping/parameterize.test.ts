import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GROUPING_MESSAGE_MAX_CHARS, normalizeMessageForGrouping, parameterize } from '#shared/grouping/parameterize.ts';

describe('parameterize', () => {
  it.each([
    ['user 123 not found', 'user <int> not found'],
    ['balance -42 below zero', 'balance <int> below zero'],
    ['took 3.75 seconds', 'took <float> seconds'],
    ['send to alice.smith+tag@mail.example.com failed', 'send to <email> failed'],
    ['GET https://api.example.com/v1/users/42?x=1 returned 500', 'GET <url> returned <int>'],
    ['connect to 192.168.0.17 refused', 'connect to <ip> refused'],
    ['connect to 2001:db8:85a3::8a2e:370:7334 refused', 'connect to <ip> refused'],
    ['connect to ::1 refused', 'connect to <ip> refused'],
    ['connect to fe80:0:0:0:204:61ff:fe9d:f156 refused', 'connect to <ip> refused'],
    ['row 0b6f1c1e-3f0c-4c6e-9a7d-2f1e8f5b9c11 locked', 'row <uuid> locked'],
    ['blob d670460b4b4aece5915caf5c68d12f560a9fe3e4 missing', 'blob <hash> missing'],
    ['md5 9e107d9d372bb6826bd81d3542a419d6 mismatch', 'md5 <hash> mismatch'],
    ['sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ok', 'sha256 <hash> ok'],
    ['expired at 2024-05-01T10:00:00.123Z', 'expired at <date>'],
    ['expired at 2024-05-01 10:00:00', 'expired at <date>'],
    ['due 2024-05-01', 'due <date>'],
    ['started 10:41:07 late', 'started <date> late'],
    ['Date: Mon, 02 Jan 2006 15:04:05 -0700', 'Date: <date>'],
    ['segfault at 0x7fff5fbff8c8', 'segfault at <hex>'],
  ])('turns %j into %j', (input, expected) => {
    expect(parameterize(input)).toBe(expected);
  });

  it('leaves digits inside identifiers alone', () => {
    expect(parameterize('s3 bucket utf8 decoder v2_api')).toBe('s3 bucket utf8 decoder v2_api');
  });

  it('keeps the text around placeholders', () => {
    expect(parameterize('cannot divide 1 by zero (3, v)')).toBe('cannot divide <int> by zero (<int>, v)');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const once = parameterize(s);
        expect(parameterize(once)).toBe(once);
      }),
    );
  });

  it('maps strings differing only in numbers to the same text', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        expect(parameterize(`retry ${a} of job`)).toBe(parameterize(`retry ${b} of job`));
      }),
    );
  });
});

describe('normalizeMessageForGrouping', () => {
  it('keeps the first two non-empty lines and marks the cut', () => {
    expect(normalizeMessageForGrouping('first 1\n\n  \nsecond 2\nthird 3')).toBe('first <int>\nsecond <int>...');
  });

  it('leaves a short message unmarked', () => {
    expect(normalizeMessageForGrouping('only line 7')).toBe('only line <int>');
  });

  it('bounds the hashed text', () => {
    const long = `${'word '.repeat(GROUPING_MESSAGE_MAX_CHARS)}tail`;
    const normalized = normalizeMessageForGrouping(long);
    expect(normalized.length).toBeLessThanOrEqual(GROUPING_MESSAGE_MAX_CHARS + 3);
    expect(normalized.endsWith('...')).toBe(true);
  });
});
