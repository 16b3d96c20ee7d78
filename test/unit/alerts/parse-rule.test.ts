import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRuleInput, RuleValidationError, MAX_EMAIL_RECIPIENTS } from '#shared/alerts/rules.ts';
import { ValidationError } from '#shared/errors.ts';

const now = new Date('2026-05-01T12:00:00.000Z');
const parse = (input: unknown) => parseRuleInput(input, '42', 'r-1', now);
const valid = {
  name: 'Errors in production',
  actionMatch: 'any',
  conditions: [{ id: 'first_seen' }, { id: 'event_frequency', value: 100, intervalMinutes: 60 }],
  filters: [{ id: 'level', match: 'gte', level: 'error' }, { id: 'tag', key: 'region', value: 'eu' }],
  actions: [{ id: 'email', targetType: 'addresses', addresses: ['ops@example.com', 'OPS@example.com', 'dev@example.org'] }, { id: 'webhook', url: 'https://hooks.slack.com/services/T/B/x' }],
  frequencyMinutes: 60,
};

function problemsOf(input: unknown): readonly string[] {
  try {
    parse(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toBeInstanceOf(RuleValidationError);
    return (error as RuleValidationError).problems;
  }
  throw new Error('expected a validation error');
}

describe('parseRuleInput', () => {
  it('accepts a full rule and fills id, project and creation date', () => {
    const r = parse(valid);
    expect(r).toEqual({
      id: 'r-1',
      projectId: '42',
      name: 'Errors in production',
      actionMatch: 'any',
      conditions: [{ id: 'first_seen' }, { id: 'event_frequency', value: 100, intervalMinutes: 60 }],
      filters: [{ id: 'level', match: 'gte', level: 'error' }, { id: 'tag', key: 'region', value: 'eu' }],
      actions: [
        { id: 'email', targetType: 'addresses', addresses: ['ops@example.com', 'dev@example.org'] },
        { id: 'webhook', url: 'https://hooks.slack.com/services/T/B/x' },
      ],
      frequencyMinutes: 60,
      enabled: true,
      dateCreated: now.toISOString(),
    });
  });

  it('defaults actionMatch to all, frequency to 30 minutes and email to the members', () => {
    const r = parse({ name: 'x', conditions: [{ id: 'regression' }], actions: [{ id: 'email' }] });
    expect(r.actionMatch).toBe('all');
    expect(r.frequencyMinutes).toBe(30);
    expect(r.filters).toEqual([]);
    expect(r.actions).toEqual([{ id: 'email', targetType: 'members' }]);
  });

  it('accepts the body of Sentry’s rule API', () => {
    const r = parse({
      name: ' Sentry import ',
      actionMatch: 'all',
      filterMatch: 'all',
      frequency: 1440,
      environment: 'production',
      conditions: [{ id: 'sentry.rules.conditions.event_frequency.EventFrequencyCondition', value: '250', interval: '1h', comparisonType: 'count' }],
      filters: [{ id: 'sentry.rules.filters.level.LevelFilter', match: 'eq', level: '50' }],
      actions: [{ id: 'email', targetType: 'members' }],
      owner: 'team:1',
    });
    expect(r.name).toBe('Sentry import');
    expect(r.frequencyMinutes).toBe(1440);
    expect(r.conditions).toEqual([{ id: 'event_frequency', value: 250, intervalMinutes: 60 }]);
    expect(r.filters).toEqual([{ id: 'level', match: 'eq', level: 'fatal' }, { id: 'environment', environment: 'production' }]);
  });

  it('lists every problem, by field path, in one error', () => {
    const problems = problemsOf({
      name: '',
      actionMatch: 'none',
      conditions: [{ id: 'first_seen' }, { id: 'event_frequency', value: -1, intervalMinutes: 7 }, { id: 'nope' }, 'x'],
      filters: [{ id: 'level', match: 'between', level: 'loud' }, { id: 'tag', key: 'k' }],
      actions: [{ id: 'email', targetType: 'addresses', addresses: ['not-an-address', 'a@b.c\r\nBcc: x@y.z'] }, { id: 'webhook', url: 'ftp://x' }],
      frequencyMinutes: 1,
      enabled: 'yes',
    });
    const expected = [
      'name must not be empty',
      'actionMatch must be one of',
      'conditions[1].value must be between 0',
      'conditions[1].intervalMinutes must be one of 1, 5, 15, 60, 1440, 10080, 43200',
      'conditions[2].id is not a known condition',
      'conditions[3] must be an object',
      'filters[0].match must be one of "gte", "eq", "lte"',
      'filters[0].level must be one of',
      'filters[1].value must be a string',
      'actions[0].addresses[0] is not an email address',
      'actions[0].addresses[1] must not contain control characters',
      'actions[1].url must be an http or https URL',
      'frequencyMinutes must be between 5 and 43200',
      'enabled must be a boolean',
    ];
    for (const e of expected) expect(problems.some((p) => p.startsWith(e)), `${e} in ${problems.join(' | ')}`).toBe(true);
    expect(problems).toHaveLength(expected.length);
  });

  it('names the problems in the error message', () => {
    expect(() => parse({ name: 'x', conditions: [], actions: [] })).toThrow(/conditions must have at least 1 item.*actions must have at least 1 item/);
  });

  it('rejects what is not an object', () => {
    for (const input of [null, 'rule', 42, [valid]]) expect(problemsOf(input)).toEqual(['rule must be a JSON object']);
  });

  it('refuses percent comparisons and an unknown filterMatch', () => {
    const problems = problemsOf({ ...valid, filterMatch: 'some', conditions: [{ id: 'event_frequency', value: 1, interval: '1h', comparisonType: 'percent' }] });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['filterMatch', 'conditions[0].comparisonType']);
  });

  it('bounds list sizes and email recipients', () => {
    expect(problemsOf({ ...valid, conditions: Array.from({ length: 21 }, () => ({ id: 'first_seen' })) })).toEqual(['conditions must have at most 20 items']);
    const addresses = Array.from({ length: MAX_EMAIL_RECIPIENTS + 1 }, (_, i) => `u${i}@example.com`);
    expect(problemsOf({ ...valid, actions: [{ id: 'email', targetType: 'addresses', addresses }] })).toEqual([`actions[0].addresses must have at most ${MAX_EMAIL_RECIPIENTS} items`]);
    expect(problemsOf({ ...valid, actions: [{ id: 'email', targetType: 'addresses', addresses: [] }] })).toEqual(['actions[0].addresses must have at least 1 item']);
    expect(problemsOf({ ...valid, actions: [{ id: 'email', targetType: 'members', addresses: ['a@b.co'] }] })).toEqual([
      'actions[0].addresses is only allowed with targetType "addresses"',
    ]);
  });

  it('rejects webhook URLs with credentials or aimed at instance metadata', () => {
    for (const url of ['https://user:pw@example.com/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'not a url']) {
      expect(problemsOf({ ...valid, actions: [{ id: 'webhook', url }] })).toHaveLength(1);
    }
  });

  it('rejects over-long names and tag values', () => {
    expect(problemsOf({ ...valid, name: 'n'.repeat(257) })).toEqual(['name must be at most 256 characters']);
    expect(problemsOf({ ...valid, filters: [{ id: 'tag', key: 'k', value: 'v'.repeat(201) }] })).toEqual(['filters[0].value must be at most 200 characters']);
  });

  it('throws nothing but a ValidationError on arbitrary input', () => {
    const anyRule = fc.record(
      {
        name: fc.oneof(fc.string(), fc.anything()),
        actionMatch: fc.constantFrom('any', 'all', 'none', 3),
        conditions: fc.array(fc.oneof(fc.record({ id: fc.constantFrom('first_seen', 'event_frequency', 'regression', 'x'), value: fc.anything(), intervalMinutes: fc.anything(), interval: fc.anything() }), fc.anything())),
        filters: fc.anything(),
        actions: fc.array(fc.oneof(fc.record({ id: fc.constantFrom('email', 'webhook'), targetType: fc.anything(), addresses: fc.anything(), url: fc.oneof(fc.webUrl(), fc.string()) }), fc.anything())),
        frequencyMinutes: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(anyRule, fc.anything()), (input) => {
        try {
          const r = parse(input);
          expect(r.conditions.length).toBeGreaterThan(0);
          expect(r.actions.length).toBeGreaterThan(0);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});
