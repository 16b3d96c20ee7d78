import { describe, expect, it } from 'vitest';
import {
  defaultRules,
  firingReason,
  ruleFires,
  suppressionExpiry,
  type AlertCondition,
  type AlertFilter,
  type IssueTrigger,
} from '#shared/alerts/rules.ts';
import type { NormalizedEvent } from '#shared/model.ts';
import { pythonEvent, rule } from './fixtures.ts';

const event = pythonEvent(2); // level error, environment test, release demo@1.0
const when = (...conditions: AlertCondition[]) => rule({ conditions });
const counts = (events: Record<number, number>, users: Record<number, number> = {}): Pick<IssueTrigger, 'eventsInWindow' | 'usersInWindow'> => ({
  eventsInWindow: (m) => events[m] ?? 0,
  usersInWindow: (m) => users[m] ?? 0,
});

describe('conditions', () => {
  it('first_seen fires only for a new issue', () => {
    const r = when({ id: 'first_seen' });
    expect(ruleFires(r, { kind: 'new' }, event)).toBe(true);
    for (const kind of ['regression', 'reappeared', 'seen'] as const) expect(ruleFires(r, { kind }, event)).toBe(false);
  });

  it('regression fires only when a resolved issue comes back', () => {
    const r = when({ id: 'regression' });
    expect(ruleFires(r, { kind: 'regression' }, event)).toBe(true);
    for (const kind of ['new', 'reappeared', 'seen'] as const) expect(ruleFires(r, { kind }, event)).toBe(false);
  });

  it('reappeared fires only when an ignored issue comes back', () => {
    const r = when({ id: 'reappeared' });
    expect(ruleFires(r, { kind: 'reappeared' }, event)).toBe(true);
    for (const kind of ['new', 'regression', 'seen'] as const) expect(ruleFires(r, { kind }, event)).toBe(false);
  });

  it('event_frequency fires when the window count is more than the value, not equal to it', () => {
    const r = when({ id: 'event_frequency', value: 100, intervalMinutes: 60 });
    expect(ruleFires(r, { kind: 'seen', ...counts({ 60: 101 }) }, event)).toBe(true);
    expect(ruleFires(r, { kind: 'seen', ...counts({ 60: 100 }) }, event)).toBe(false);
  });

  it('event_frequency asks for its own interval', () => {
    const asked: number[] = [];
    const r = when({ id: 'event_frequency', value: 5, intervalMinutes: 15 });
    const trigger: IssueTrigger = { kind: 'seen', eventsInWindow: (m) => (asked.push(m), m === 15 ? 6 : 1000) };
    expect(ruleFires(r, trigger, event)).toBe(true);
    expect(asked).toEqual([15]);
  });

  it('frequency conditions do not fire without counters', () => {
    expect(ruleFires(when({ id: 'event_frequency', value: 0, intervalMinutes: 1 }), { kind: 'new' }, event)).toBe(false);
    expect(ruleFires(when({ id: 'event_unique_user_frequency', value: 0, intervalMinutes: 1 }), { kind: 'new' }, event)).toBe(false);
  });

  it('event_unique_user_frequency counts users, not events', () => {
    const r = when({ id: 'event_unique_user_frequency', value: 10, intervalMinutes: 60 });
    expect(ruleFires(r, { kind: 'seen', ...counts({ 60: 5000 }, { 60: 10 }) }, event)).toBe(false);
    expect(ruleFires(r, { kind: 'seen', ...counts({ 60: 0 }, { 60: 11 }) }, event)).toBe(true);
  });
});

describe('actionMatch', () => {
  const both = [{ id: 'first_seen' }, { id: 'event_frequency', value: 10, intervalMinutes: 5 }] as AlertCondition[];

  it('any fires when one condition holds', () => {
    const r = rule({ actionMatch: 'any', conditions: both });
    expect(ruleFires(r, { kind: 'new', ...counts({ 5: 1 }) }, event)).toBe(true);
    expect(ruleFires(r, { kind: 'seen', ...counts({ 5: 11 }) }, event)).toBe(true);
    expect(ruleFires(r, { kind: 'seen', ...counts({ 5: 1 }) }, event)).toBe(false);
  });

  it('all fires only when every condition holds', () => {
    const r = rule({ actionMatch: 'all', conditions: both });
    expect(ruleFires(r, { kind: 'new', ...counts({ 5: 1 }) }, event)).toBe(false);
    expect(ruleFires(r, { kind: 'seen', ...counts({ 5: 11 }) }, event)).toBe(false);
    expect(ruleFires(r, { kind: 'new', ...counts({ 5: 11 }) }, event)).toBe(true);
  });

  it('a disabled rule never fires', () => {
    expect(ruleFires(rule({ enabled: false }), { kind: 'new' }, event)).toBe(false);
  });

  it('a rule without conditions never fires', () => {
    expect(ruleFires(rule({ conditions: [], actionMatch: 'all' }), { kind: 'new' }, event)).toBe(false);
  });
});

describe('filters', () => {
  const withFilters = (...filters: AlertFilter[]) => rule({ filters });
  const fires = (filters: AlertFilter[], e: NormalizedEvent = event) => ruleFires(withFilters(...filters), { kind: 'new' }, e);

  it('level gte passes the level and everything more severe', () => {
    expect(fires([{ id: 'level', match: 'gte', level: 'warning' }])).toBe(true);
    expect(fires([{ id: 'level', match: 'gte', level: 'error' }])).toBe(true);
    expect(fires([{ id: 'level', match: 'gte', level: 'fatal' }])).toBe(false);
    expect(fires([{ id: 'level', match: 'gte', level: 'error' }], pythonEvent(3))).toBe(false); // an info message
  });

  it('level eq passes that level only', () => {
    expect(fires([{ id: 'level', match: 'eq', level: 'error' }])).toBe(true);
    expect(fires([{ id: 'level', match: 'eq', level: 'warning' }])).toBe(false);
    expect(fires([{ id: 'level', match: 'eq', level: 'info' }], pythonEvent(3))).toBe(true);
  });

  it('environment and release must equal the event’s', () => {
    expect(fires([{ id: 'environment', environment: 'test' }])).toBe(true);
    expect(fires([{ id: 'environment', environment: 'production' }])).toBe(false);
    expect(fires([{ id: 'release', release: 'demo@1.0' }])).toBe(true);
    expect(fires([{ id: 'release', release: 'demo@1.1' }])).toBe(false);
    const { environment: _, ...noEnv } = event;
    expect(fires([{ id: 'environment', environment: 'test' }], noEnv as NormalizedEvent)).toBe(false);
  });

  it('tag matches an event tag pair, or a tag Sentry derives from event fields', () => {
    const tagged = { ...event, tags: [['region', 'eu-west-1'], ['browser', 'Firefox']] as Array<[string, string]> };
    expect(fires([{ id: 'tag', key: 'region', value: 'eu-west-1' }], tagged)).toBe(true);
    expect(fires([{ id: 'tag', key: 'region', value: 'us-east-1' }], tagged)).toBe(false);
    expect(fires([{ id: 'tag', key: 'missing', value: 'x' }], tagged)).toBe(false);
    expect(fires([{ id: 'tag', key: 'server_name', value: 'vm' }])).toBe(true);
    expect(fires([{ id: 'tag', key: 'level', value: 'error' }])).toBe(true);
  });

  it('every filter must pass', () => {
    const env = { id: 'environment', environment: 'test' } as const;
    expect(fires([env, { id: 'level', match: 'gte', level: 'error' }])).toBe(true);
    expect(fires([env, { id: 'release', release: 'other' }])).toBe(false);
  });

  it('filters apply after the conditions hold', () => {
    const r = withFilters({ id: 'environment', environment: 'production' });
    expect(ruleFires(r, { kind: 'new' }, { ...event, environment: 'production' })).toBe(true);
    expect(ruleFires(r, { kind: 'seen' }, { ...event, environment: 'production' })).toBe(false);
  });
});

describe('firingReason', () => {
  it('names the state change that fired, before frequency', () => {
    const r = rule({ conditions: [{ id: 'event_frequency', value: 1, intervalMinutes: 1 }, { id: 'regression' }] });
    expect(firingReason(r, { kind: 'regression', ...counts({ 1: 50 }) }, event)).toBe('regression');
    expect(firingReason(r, { kind: 'seen', ...counts({ 1: 50 }) }, event)).toBe('frequency');
    expect(firingReason(r, { kind: 'seen', ...counts({ 1: 1 }) }, event)).toBeNull();
  });
});

describe('defaultRules', () => {
  it('emails the members about new issues and regressions every 30 minutes', () => {
    const now = new Date('2026-03-04T05:06:07.000Z');
    const [r, ...rest] = defaultRules('42', now);
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ projectId: '42', actionMatch: 'any', frequencyMinutes: 30, enabled: true, dateCreated: now.toISOString(), filters: [] });
    expect(r!.actions).toEqual([{ id: 'email', targetType: 'members' }]);
    expect(ruleFires(r!, { kind: 'new' }, event)).toBe(true);
    expect(ruleFires(r!, { kind: 'regression' }, event)).toBe(true);
    expect(ruleFires(r!, { kind: 'seen' }, event)).toBe(false);
  });
});

describe('suppressionExpiry', () => {
  it('ends the window frequencyMinutes after now, in whole epoch seconds', () => {
    expect(suppressionExpiry(rule({ frequencyMinutes: 30 }), 1_700_000_000_999)).toBe(1_700_000_000 + 1800);
    expect(suppressionExpiry(rule({ frequencyMinutes: 5 }), 1_000)).toBe(1 + 300);
    expect(Number.isInteger(suppressionExpiry(rule({ frequencyMinutes: 1440 }), 1_234_567.8))).toBe(true);
  });
});
