import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firingReason, parseRuleInput, type AlertRule } from '#shared/alerts/rules.ts';
import { toSentryRule } from '#shared/alerts/sentry-rule-json.ts';
import type { NormalizedEvent } from '#shared/model.ts';
import { pythonEvent, rule } from './fixtures.ts';

const now = new Date('2026-05-01T12:00:00.000Z');
const parse = (input: unknown) => parseRuleInput(input, '42', 'r-1', now);
const event = pythonEvent(2); // level error, environment test, release demo@1.0

/** A rule as Sentry's API documents it (Retrieve an Issue Alert Rule), with Ferret's webhook URL. */
const sentryBody = {
  name: 'Production errors',
  actionMatch: 'any',
  filterMatch: 'all',
  frequency: 60,
  environment: 'production',
  status: 'active',
  conditions: [
    { id: 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition', name: 'A new issue is created' },
    { id: 'sentry.rules.conditions.regression_event.RegressionEventCondition' },
    { id: 'sentry.rules.conditions.reappeared_event.ReappearedEventCondition' },
    { id: 'sentry.rules.conditions.event_frequency.EventFrequencyCondition', value: 100, interval: '1h', comparisonType: 'count' },
    { id: 'sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition', value: 20, interval: '15m' },
  ],
  filters: [
    { id: 'sentry.rules.filters.level.LevelFilter', match: 'gte', level: '40' },
    { id: 'sentry.rules.filters.tagged_event.TaggedEventFilter', key: 'region', match: 'sw', value: 'eu-' },
    { id: 'sentry.rules.filters.tagged_event.TaggedEventFilter', key: 'release', match: 'eq', value: 'web@2.1.0' },
  ],
  actions: [
    { id: 'sentry.mail.actions.NotifyEmailAction', targetType: 'IssueOwners', fallthroughType: 'ActiveMembers' },
    { id: 'sentry.mail.actions.NotifyEmailAction', targetType: 'Member', targetIdentifier: 'oncall@example.com' },
    { id: 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction', service: 'webhooks', url: 'https://chat.example.com/hooks/T1' },
  ],
};

describe('Sentry rule JSON', () => {
  it('reads every condition, filter and action of Sentry’s shape', () => {
    const r = parse(sentryBody);
    expect(r.actionMatch).toBe('any');
    expect(r.frequencyMinutes).toBe(60);
    expect(r.conditions).toEqual([
      { id: 'first_seen' },
      { id: 'regression' },
      { id: 'reappeared' },
      { id: 'event_frequency', value: 100, intervalMinutes: 60 },
      { id: 'event_unique_user_frequency', value: 20, intervalMinutes: 15 },
    ]);
    expect(r.filters).toEqual([
      { id: 'level', match: 'gte', level: 'error' },
      { id: 'tag', key: 'region', match: 'sw', value: 'eu-' },
      { id: 'tag', key: 'release', value: 'web@2.1.0' },
      { id: 'environment', environment: 'production' },
    ]);
    expect(r.actions).toEqual([
      { id: 'email', targetType: 'members' },
      { id: 'email', targetType: 'addresses', addresses: ['oncall@example.com'] },
      { id: 'webhook', url: 'https://chat.example.com/hooks/T1' },
    ]);
  });

  it('answers in Sentry’s shape, with labels, and reads its own answer back to the same rule', () => {
    const r = parse(sentryBody);
    const json = toSentryRule(r, 'backend');
    expect(json).toMatchObject({
      id: 'r-1',
      name: 'Production errors',
      actionMatch: 'any',
      filterMatch: 'all',
      frequency: 60,
      environment: 'production',
      status: 'active',
      projects: ['backend'],
      dateCreated: now.toISOString(),
    });
    expect(json.conditions[0]).toEqual({ id: 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition', name: 'A new issue is created' });
    expect(json.conditions[3]).toMatchObject({ id: 'sentry.rules.conditions.event_frequency.EventFrequencyCondition', value: 100, interval: '1h', comparisonType: 'count' });
    expect(json.filters[0]).toMatchObject({ id: 'sentry.rules.filters.level.LevelFilter', match: 'gte', level: '40' });
    expect(json.filters).toHaveLength(3); // the environment is the rule's own field
    expect(json.actions.map((a) => [a['targetType'], a['targetIdentifier'], a['service']])).toEqual([
      ['IssueOwners', '', undefined],
      ['Member', 'oncall@example.com', undefined],
      [undefined, undefined, 'webhooks'],
    ]);
    expect(parse(JSON.parse(JSON.stringify(json)))).toEqual(r);
  });

  it('round-trips any rule it answers (property)', () => {
    const level = fc.constantFrom('debug', 'info', 'warning', 'error', 'fatal' as const);
    const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
    const conditionArb = fc.oneof(
      fc.constantFrom({ id: 'first_seen' as const }, { id: 'regression' as const }, { id: 'reappeared' as const }),
      fc.record({ id: fc.constantFrom('event_frequency' as const, 'event_unique_user_frequency' as const), value: fc.nat({ max: 100_000 }), intervalMinutes: fc.constantFrom(1, 5, 15, 60, 1440, 10_080, 43_200) }),
    );
    const filterArb = fc.oneof(
      fc.record({ id: fc.constant('level' as const), match: fc.constantFrom('gte' as const, 'eq' as const, 'lte' as const), level }),
      fc.record({ id: fc.constant('tag' as const), key: word, match: fc.constantFrom('ne' as const, 'sw' as const, 'co' as const), value: word }),
      fc.record({ id: fc.constant('tag' as const), key: word, value: word }),
      fc.record({ id: fc.constant('release' as const), release: word }),
    );
    const actionArb = fc.oneof(
      fc.constant({ id: 'email' as const, targetType: 'members' as const }),
      fc.record({ id: fc.constant('webhook' as const), url: word.map((w) => `https://hooks.example.com/${w}`) }),
    );
    fc.assert(
      fc.property(
        fc.array(conditionArb, { minLength: 1, maxLength: 4 }),
        fc.array(filterArb, { maxLength: 4 }),
        fc.array(actionArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('all' as const, 'any' as const),
        fc.integer({ min: 5, max: 43_200 }),
        fc.boolean(),
        (conditions, filters, actions, actionMatch, frequencyMinutes, enabled) => {
          const r: AlertRule = { ...rule({ id: 'r-1', projectId: '42', dateCreated: now.toISOString() }), conditions, filters, actions, actionMatch, frequencyMinutes, enabled };
          const back = parse(JSON.parse(JSON.stringify(toSentryRule(r, 'backend'))));
          // Releases come back as the tag Sentry derives from them, which matches the same events.
          const same = (x: AlertRule) => ({ ...x, filters: x.filters.map((f) => (f.id === 'release' ? { id: 'tag', key: 'release', value: f.release } : f)) });
          expect(same(back)).toEqual(same(r));
        },
      ),
    );
  });

  it('keeps a rule-level environment binding under "any" filters', () => {
    const r = parse({ ...sentryBody, filterMatch: 'any', filters: [{ id: 'sentry.rules.filters.level.LevelFilter', match: 'eq', level: '50' }] });
    expect(r.environment).toBe('production');
    expect(r.filters).toEqual([{ id: 'level', match: 'eq', level: 'fatal' }]);
    expect(toSentryRule(r, 'backend').environment).toBe('production');
    // The event is in "test": the environment holds the rule back even though "any" filter would not.
    const anyFilter = { ...r, conditions: [{ id: 'first_seen' as const }], filters: [] };
    expect(firingReason(anyFilter, { kind: 'new' }, event)).toBeNull();
    expect(firingReason({ ...anyFilter, environment: 'test' }, { kind: 'new' }, event)).toBe('new');
  });

  it('applies filterMatch any and none, and Sentry’s tag comparisons', () => {
    const tagged = { ...event, tags: [['region', 'eu-west-1']] } as NormalizedEvent;
    const base = rule({ conditions: [{ id: 'first_seen' }] });
    const fires = (r: Partial<AlertRule>) => firingReason({ ...base, ...r }, { kind: 'new' }, tagged) !== null;
    const yes = { id: 'tag' as const, key: 'region', match: 'sw' as const, value: 'EU-' };
    const no = { id: 'tag' as const, key: 'region', match: 'eq' as const, value: 'us-east-1' };
    expect(fires({ filters: [yes, no] })).toBe(false);
    expect(fires({ filters: [yes, no], filterMatch: 'any' })).toBe(true);
    expect(fires({ filters: [no], filterMatch: 'none' })).toBe(true);
    expect(fires({ filters: [yes], filterMatch: 'none' })).toBe(false);
    const tag = (match: 'ne' | 'ew' | 'co' | 'nc' | 'is' | 'ns', value = '') => fires({ filters: [{ id: 'tag', key: 'region', match, value }] });
    expect(tag('ew', 'WEST-1')).toBe(true);
    expect(tag('co', 'west')).toBe(true);
    expect(tag('nc', 'west')).toBe(false);
    expect(tag('ne', 'eu-west-1')).toBe(false);
    expect(tag('is')).toBe(true);
    expect(tag('ns')).toBe(false);
    expect(fires({ filters: [{ id: 'tag', key: 'missing', match: 'ns', value: '' }] })).toBe(true);
    expect(fires({ filters: [{ id: 'level', match: 'lte', level: 'warning' }] })).toBe(false);
    expect(fires({ filters: [{ id: 'level', match: 'lte', level: 'error' }] })).toBe(true);
  });

  it('keeps a webhook’s signing secret through the API shape and refuses a short one', () => {
    const body = { name: 'x', conditions: [{ id: 'first_seen' }], actions: [{ id: 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction', service: 'webhooks', url: 'https://hooks.example.com/a', secret: 'a-long-enough-secret' }] };
    const r = parse(body);
    expect(r.actions).toEqual([{ id: 'webhook', url: 'https://hooks.example.com/a', secret: 'a-long-enough-secret' }]);
    expect(toSentryRule(r, 'backend').actions[0]).toMatchObject({ service: 'webhooks', secret: 'a-long-enough-secret' });
    expect(parse(JSON.parse(JSON.stringify(toSentryRule(r, 'backend'))))).toEqual(r);
    expect(() => parse({ ...body, actions: [{ id: 'webhook', url: 'https://hooks.example.com/a', secret: 'short' }] })).toThrow('actions[0].secret must be at least 16 characters');
    expect(parse({ ...body, actions: [{ id: 'webhook', url: 'https://hooks.example.com/a', secret: '' }] }).actions).toEqual([{ id: 'webhook', url: 'https://hooks.example.com/a' }]);
  });

  it('says what it cannot take', () => {
    const problems = (body: unknown) => {
      try {
        parse(body);
      } catch (e) {
        return String((e as Error).message);
      }
      return '';
    };
    const base = { name: 'x', conditions: [{ id: 'first_seen' }] };
    expect(problems({ ...base, actions: [{ id: 'sentry.mail.actions.NotifyEmailAction', targetType: 'Team', targetIdentifier: '3' }] })).toContain('Team is not supported');
    expect(problems({ ...base, actions: [{ id: 'sentry.mail.actions.NotifyEmailAction', targetType: 'Member', targetIdentifier: '17' }] })).toContain("must be the member's email address");
    expect(problems({ ...base, actions: [{ id: 'sentry.mail.actions.NotifyEmailAction', targetType: 'IssueOwners', fallthroughType: 'NoOne' }] })).toContain('would never send');
    expect(problems({ ...base, actions: [{ id: 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction', service: 'webhooks' }] })).toContain('actions[0].url must be a string');
    expect(problems({ ...base, actions: [{ id: 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction', service: 'slack' }] })).toContain('actions[0].service must be one of');
    expect(problems({ ...base, actions: [{ id: 'email' }], filterMatch: 'some' })).toContain('filterMatch must be one of');
    expect(problems({ ...base, actions: [{ id: 'email' }], status: 'paused' })).toContain('status must be one of');
    expect(parse({ ...base, actions: [{ id: 'email' }], status: 'disabled' }).enabled).toBe(false);
  });
});
