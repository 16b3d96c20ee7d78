import { describe, expect, it } from 'vitest';
import { getFilter, getStatus, parseQuery, setFilter, setStatus } from './query.ts';

describe('issue search syntax', () => {
  it('splits key:value tokens, negations, quoted values and free text', () => {
    expect(parseQuery('is:unresolved !level:info release:"1.0 beta" TypeError "cannot read"')).toEqual({
      tokens: [
        { key: 'is', value: 'unresolved', negated: false },
        { key: 'level', value: 'info', negated: true },
        { key: 'release', value: '1.0 beta', negated: false },
      ],
      text: 'TypeError "cannot read"',
    });
  });

  it('replaces a filter and keeps the rest of the query', () => {
    expect(setFilter('is:unresolved level:error boom', 'level', 'warning')).toBe('is:unresolved level:warning boom');
    expect(setFilter('is:unresolved level:error boom', 'level', '')).toBe('is:unresolved boom');
    expect(setFilter('', 'environment', 'prod eu')).toBe('environment:"prod eu"');
    expect(getFilter('environment:"prod eu" x', 'environment')).toBe('prod eu');
  });

  it('sets the status without touching other is: tokens', () => {
    expect(setStatus('is:unresolved is:assigned level:error', 'resolved')).toBe('is:resolved is:assigned level:error');
    expect(setStatus('is:ignored text', undefined)).toBe('text');
    expect(getStatus('is:assigned is:ignored')).toBe('ignored');
  });
});
