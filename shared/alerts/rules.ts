/**
 * Alert rules: when an issue's change in a batch should notify someone.
 *
 * The model is Sentry's issue alert rule
 * (https://docs.sentry.io/product/alerts/create-alerts/issue-alert-config/):
 * conditions ("when"), combined by `actionMatch`; filters ("if"), all of which
 * must pass; actions ("then"); and an action interval (`frequency`) that
 * suppresses repeats per issue. Evaluation is pure; the grouping step supplies
 * what happened (`IssueTrigger`) and stores the suppression keys.
 */
import { ValidationError } from '#shared/errors.ts';
import { LEVELS, type Level, type NormalizedEvent } from '#shared/model.ts';

export type AlertCondition =
  | { id: 'first_seen' }
  | { id: 'regression' }
  | { id: 'reappeared' }
  | { id: 'event_frequency'; value: number; intervalMinutes: number }
  | { id: 'event_unique_user_frequency'; value: number; intervalMinutes: number };

/**
 * Sentry's tag comparisons (`sentry.rules.match.MatchType`): equals, not equals,
 * starts with, ends with, contains, does not contain, is set, is not set.
 */
export const TAG_MATCHES = ['eq', 'ne', 'sw', 'ew', 'co', 'nc', 'is', 'ns'] as const;
export type TagMatch = (typeof TAG_MATCHES)[number];

export type AlertFilter =
  | { id: 'level'; match: 'gte' | 'eq' | 'lte'; level: Level }
  | { id: 'environment'; environment: string }
  | { id: 'release'; release: string }
  /** `match` absent means `eq` (rules stored before the other comparisons existed); `value` is empty for `is`/`ns`. */
  | { id: 'tag'; key: string; match?: TagMatch; value: string };

export type AlertAction =
  | { id: 'email'; targetType: 'members' | 'addresses'; addresses?: string[] }
  /** `secret`: when set, each POST is signed with HMAC-SHA256 of its body (`Sentry-Hook-Signature`, as Sentry signs). */
  | { id: 'webhook'; url: string; secret?: string };

export interface AlertRule {
  /** Unique within its project. */
  id: string;
  projectId: string;
  name: string;
  /** How conditions combine: `any` fires when one holds, `all` when every one does. */
  actionMatch: 'any' | 'all';
  conditions: AlertCondition[];
  filters: AlertFilter[];
  /** How filters combine (Sentry's `filterMatch`); absent means `all`. */
  filterMatch?: 'all' | 'any' | 'none';
  /**
   * Sentry's rule-level environment, which restricts the rule whatever
   * `filterMatch` says. Set only with `any`/`none` filters; under `all` it is
   * stored as an environment filter, which means the same.
   */
  environment?: string;
  actions: AlertAction[];
  /** action interval: at most one alert per issue per this many minutes */
  frequencyMinutes: number;
  enabled: boolean;
  /** ISO date. */
  dateCreated: string;
}

/** Sentry's rule `frequency` bounds: 5 minutes to 30 days (`RuleSerializer.frequency`). */
export const MIN_FREQUENCY_MINUTES = 5;
export const MAX_FREQUENCY_MINUTES = 30 * 24 * 60;
/** Sentry's default action interval for a project's default rule. */
export const DEFAULT_FREQUENCY_MINUTES = 30;
/** The intervals Sentry offers for "seen more than N times in …" (1m, 5m, 15m, 1h, 1d, 1w, 30d). */
export const FREQUENCY_INTERVALS_MINUTES: readonly number[] = [1, 5, 15, 60, 1440, 10_080, 43_200];
/** Ours: a frequency threshold beyond any plausible counter. */
export const MAX_FREQUENCY_VALUE = 1_000_000_000;
/** Sentry's `Rule.label` column is 256 characters. */
export const MAX_RULE_NAME_CHARS = 256;
/** Ours: a rule is read by a person; more than this is a mistake, and it bounds evaluation. */
export const MAX_RULE_ITEMS = 20;
/** Relay's limits for environment (64), release (200) and tag keys and values (200). */
export const MAX_ENVIRONMENT_CHARS = 64;
export const MAX_RELEASE_CHARS = 200;
export const MAX_TAG_KEY_CHARS = 200;
export const MAX_TAG_VALUE_CHARS = 200;
/** SES: at most 50 recipients per message (To + Cc + Bcc). */
export const MAX_EMAIL_RECIPIENTS = 50;
/** RFC 5321 §4.5.3.1.3: a path (address with angle brackets) is at most 256 octets. */
export const MAX_EMAIL_ADDRESS_CHARS = 254;
/** Ours: URLs past 2,048 characters are refused by common HTTP stacks and chat tools. */
export const MAX_WEBHOOK_URL_CHARS = 2048;

/** Defaults on a new project: new issue and regression → email the project's members, every 30 minutes. */
export function defaultRules(projectId: string, now: Date): AlertRule[] {
  return [
    {
      id: 'default',
      projectId,
      name: 'Send a notification for new issues and regressions',
      actionMatch: 'any',
      conditions: [{ id: 'first_seen' }, { id: 'regression' }],
      filters: [],
      actions: [{ id: 'email', targetType: 'members' }],
      frequencyMinutes: DEFAULT_FREQUENCY_MINUTES,
      enabled: true,
      dateCreated: now.toISOString(),
    },
  ];
}

/** What happened to an issue in this batch, computed by the grouping step. */
export interface IssueTrigger {
  kind: 'new' | 'regression' | 'reappeared' | 'seen';
  /** events / distinct users in the last M minutes (from minute-bucket counters) by interval */
  eventsInWindow?: (minutes: number) => number;
  usersInWindow?: (minutes: number) => number;
}

/** Why an alert goes out; the email's headline. */
export type AlertReason = 'new' | 'regression' | 'reappeared' | 'frequency';

function conditionHolds(condition: AlertCondition, trigger: IssueTrigger): boolean {
  switch (condition.id) {
    case 'first_seen':
      return trigger.kind === 'new';
    case 'regression':
      return trigger.kind === 'regression';
    case 'reappeared':
      return trigger.kind === 'reappeared';
    // Sentry's wording is "more than N times", hence the strict comparison.
    case 'event_frequency':
      return trigger.eventsInWindow !== undefined && trigger.eventsInWindow(condition.intervalMinutes) > condition.value;
    case 'event_unique_user_frequency':
      return trigger.usersInWindow !== undefined && trigger.usersInWindow(condition.intervalMinutes) > condition.value;
  }
}

function reasonOf(condition: AlertCondition): AlertReason {
  switch (condition.id) {
    case 'first_seen':
      return 'new';
    case 'regression':
      return 'regression';
    case 'reappeared':
      return 'reappeared';
    case 'event_frequency':
    case 'event_unique_user_frequency':
      return 'frequency';
  }
}

/** Tags Sentry derives from event fields, so a tag filter on them works whether or not the SDK sent the tag. */
const DERIVED_TAGS: Record<string, (event: NormalizedEvent) => unknown> = {
  level: (e) => e.level,
  environment: (e) => e.environment,
  release: (e) => e.release,
  dist: (e) => e.dist,
  server_name: (e) => e.server_name,
  transaction: (e) => e.transaction,
  logger: (e) => e.logger,
};

/** The event's values for a tag key: sent tags, then the field Sentry derives the tag from. */
function tagValues(event: NormalizedEvent, key: string): string[] {
  const values: string[] = [];
  for (const pair of Array.isArray(event.tags) ? event.tags : []) {
    if (Array.isArray(pair) && pair[0] === key && typeof pair[1] === 'string') values.push(pair[1]);
  }
  const derived = DERIVED_TAGS[key]?.(event);
  if (typeof derived === 'string') values.push(derived);
  return values;
}

/** Sentry's semantics: the negative comparisons hold when no value of the tag matches (or the tag is absent). */
function tagMatches(event: NormalizedEvent, key: string, match: TagMatch, value: string): boolean {
  const values = tagValues(event, key);
  const v = value.toLowerCase();
  switch (match) {
    case 'eq':
      return values.includes(value);
    case 'ne':
      return !values.includes(value);
    case 'sw':
      return values.some((x) => x.toLowerCase().startsWith(v));
    case 'ew':
      return values.some((x) => x.toLowerCase().endsWith(v));
    case 'co':
      return values.some((x) => x.toLowerCase().includes(v));
    case 'nc':
      return !values.some((x) => x.toLowerCase().includes(v));
    case 'is':
      return values.length > 0;
    case 'ns':
      return values.length === 0;
  }
}

function levelRank(level: unknown): number {
  return LEVELS.indexOf(level as Level);
}

function filterPasses(filter: AlertFilter, event: NormalizedEvent): boolean {
  switch (filter.id) {
    case 'level': {
      const rank = levelRank(event.level);
      if (rank < 0) return false;
      const wanted = levelRank(filter.level);
      return filter.match === 'eq' ? rank === wanted : filter.match === 'lte' ? rank <= wanted : rank >= wanted;
    }
    case 'environment':
      return event.environment === filter.environment;
    case 'release':
      return event.release === filter.release;
    case 'tag':
      return tagMatches(event, filter.key, filter.match ?? 'eq', filter.value);
  }
}

function filtersPass(rule: AlertRule, event: NormalizedEvent): boolean {
  const passing = (f: AlertFilter) => filterPasses(f, event);
  switch (rule.filterMatch ?? 'all') {
    case 'all':
      return rule.filters.every(passing);
    // Sentry: with no filters, "any" and "none" do not hold the rule back either.
    case 'any':
      return rule.filters.length === 0 || rule.filters.some(passing);
    case 'none':
      return !rule.filters.some(passing);
  }
}

/**
 * Pure: why this rule fires for this trigger and event, or `null` when it does
 * not (disabled, conditions unmet per `actionMatch`, or a filter fails). The
 * reason is the first state change that holds (new, regression, reappeared),
 * else `frequency`.
 */
export function firingReason(rule: AlertRule, trigger: IssueTrigger, event: NormalizedEvent): AlertReason | null {
  if (!rule.enabled || rule.conditions.length === 0) return null;
  const holding = rule.conditions.filter((c) => conditionHolds(c, trigger));
  const met = rule.actionMatch === 'all' ? holding.length === rule.conditions.length : holding.length > 0;
  if (!met) return null;
  if (rule.environment !== undefined && event.environment !== rule.environment) return null;
  if (!filtersPass(rule, event)) return null;
  const reasons = holding.map(reasonOf);
  return reasons.find((r) => r !== 'frequency') ?? 'frequency';
}

/** Pure: does this rule fire for this trigger and event (conditions per actionMatch, then all filters)? */
export function ruleFires(rule: AlertRule, trigger: IssueTrigger, event: NormalizedEvent): boolean {
  return firingReason(rule, trigger, event) !== null;
}

/**
 * Suppression window: the TTL end of the (rule, issue) key, in epoch seconds.
 * An alert may go out for the pair again once `now` (in seconds) reaches it.
 */
export function suppressionExpiry(rule: AlertRule, nowMs: number): number {
  return Math.floor(nowMs / 1000) + rule.frequencyMinutes * 60;
}

/** A rule the portal sent that cannot be stored; `problems` lists every reason, by field path. */
export class RuleValidationError extends ValidationError {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid alert rule: ${problems.join('; ')}`);
  }
}

/** Sentry's class paths, accepted so rules exported from Sentry's API can be imported unchanged. */
const CONDITION_ALIASES: Record<string, AlertCondition['id']> = {
  'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition': 'first_seen',
  'sentry.rules.conditions.regression_event.RegressionEventCondition': 'regression',
  'sentry.rules.conditions.reappeared_event.ReappearedEventCondition': 'reappeared',
  'sentry.rules.conditions.event_frequency.EventFrequencyCondition': 'event_frequency',
  'sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition': 'event_unique_user_frequency',
};
const FILTER_ALIASES: Record<string, AlertFilter['id']> = {
  'sentry.rules.filters.level.LevelFilter': 'level',
  'sentry.rules.filters.tagged_event.TaggedEventFilter': 'tag',
};
/** Sentry's interval names for frequency conditions. */
const INTERVAL_NAMES: Record<string, number> = { '1m': 1, '5m': 5, '15m': 15, '1h': 60, '1d': 1440, '1w': 10_080, '30d': 43_200 };
/** Sentry stores levels as Python logging numbers in its level filter. */
const SENTRY_LEVEL_NUMBERS: Record<string, Level> = { '10': 'debug', '20': 'info', '30': 'warning', '40': 'error', '50': 'fatal' };

const CONTROL = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
// Deliberately loose (the mail server is the judge); it only keeps obvious garbage and header tricks out.
const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\.]+(?:\.[^\s@<>(),;:"[\]\\.]+)+$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: string[] = [];
  fail(path: string, message: string): undefined {
    this.problems.push(`${path} ${message}`);
    return undefined;
  }
  string(value: unknown, path: string, maxChars: number): string | undefined {
    if (typeof value !== 'string') return this.fail(path, 'must be a string');
    const trimmed = value.trim();
    if (trimmed === '') return this.fail(path, 'must not be empty');
    if (trimmed.length > maxChars) return this.fail(path, `must be at most ${maxChars} characters`);
    if (CONTROL.test(trimmed)) return this.fail(path, 'must not contain control characters');
    return trimmed;
  }
  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    const n = typeof value === 'string' && /^\d{1,15}$/.test(value.trim()) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) return this.fail(path, 'must be an integer');
    if (n < min || n > max) return this.fail(path, `must be between ${min} and ${max}`);
    return n;
  }
  oneOf<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    return this.fail(path, `must be one of ${choices.map((c) => `"${c}"`).join(', ')}`);
  }
  list(value: unknown, path: string, min: number, max = MAX_RULE_ITEMS): unknown[] | undefined {
    if (!Array.isArray(value)) return this.fail(path, 'must be an array');
    if (value.length < min) return this.fail(path, `must have at least ${min} item${min === 1 ? '' : 's'}`);
    if (value.length > max) return this.fail(path, `must have at most ${max} items`);
    return value;
  }
}

function parseInterval(c: Checker, item: Obj, path: string): number | undefined {
  if (item.intervalMinutes === undefined && typeof item.interval === 'string') {
    const minutes = INTERVAL_NAMES[item.interval];
    if (minutes === undefined) return c.fail(`${path}.interval`, `must be one of ${Object.keys(INTERVAL_NAMES).join(', ')}`);
    return minutes;
  }
  const minutes = item.intervalMinutes;
  if (typeof minutes !== 'number' || !FREQUENCY_INTERVALS_MINUTES.includes(minutes)) {
    return c.fail(`${path}.intervalMinutes`, `must be one of ${FREQUENCY_INTERVALS_MINUTES.join(', ')}`);
  }
  return minutes;
}

function parseCondition(c: Checker, item: unknown, path: string): AlertCondition | undefined {
  if (!isObj(item) || typeof item.id !== 'string') return c.fail(path, 'must be an object with an "id"');
  const id = CONDITION_ALIASES[item.id] ?? item.id;
  switch (id) {
    case 'first_seen':
    case 'regression':
    case 'reappeared':
      return { id };
    case 'event_frequency':
    case 'event_unique_user_frequency': {
      if (item.comparisonType !== undefined && item.comparisonType !== 'count') {
        return c.fail(`${path}.comparisonType`, 'must be "count" (percent comparisons are not supported)');
      }
      const value = c.integer(item.value, `${path}.value`, 0, MAX_FREQUENCY_VALUE);
      const intervalMinutes = parseInterval(c, item, path);
      return value === undefined || intervalMinutes === undefined ? undefined : { id, value, intervalMinutes };
    }
    default:
      return c.fail(`${path}.id`, `is not a known condition (${Object.values(CONDITION_ALIASES).join(', ')})`);
  }
}

function parseLevel(c: Checker, value: unknown, path: string): Level | undefined {
  if (typeof value === 'string' && SENTRY_LEVEL_NUMBERS[value] !== undefined) return SENTRY_LEVEL_NUMBERS[value];
  if (typeof value === 'number' && SENTRY_LEVEL_NUMBERS[String(value)] !== undefined) return SENTRY_LEVEL_NUMBERS[String(value)];
  return c.oneOf(value, path, LEVELS);
}

function parseFilter(c: Checker, item: unknown, path: string): AlertFilter | undefined {
  if (!isObj(item) || typeof item.id !== 'string') return c.fail(path, 'must be an object with an "id"');
  const id = FILTER_ALIASES[item.id] ?? item.id;
  switch (id) {
    case 'level': {
      const match = c.oneOf(item.match ?? 'gte', `${path}.match`, ['gte', 'eq', 'lte'] as const);
      const level = parseLevel(c, item.level, `${path}.level`);
      return match === undefined || level === undefined ? undefined : { id, match, level };
    }
    case 'environment': {
      const environment = c.string(item.environment, `${path}.environment`, MAX_ENVIRONMENT_CHARS);
      return environment === undefined ? undefined : { id, environment };
    }
    case 'release': {
      const release = c.string(item.release, `${path}.release`, MAX_RELEASE_CHARS);
      return release === undefined ? undefined : { id, release };
    }
    case 'tag': {
      const match = c.oneOf(item.match ?? 'eq', `${path}.match`, TAG_MATCHES);
      const key = c.string(item.key, `${path}.key`, MAX_TAG_KEY_CHARS);
      // "is set" and "is not set" take no value.
      const value = match === 'is' || match === 'ns' ? '' : c.string(item.value, `${path}.value`, MAX_TAG_VALUE_CHARS);
      if (key === undefined || value === undefined || match === undefined) return undefined;
      return match === 'eq' ? { id, key, value } : { id, key, match, value };
    }
    default:
      return c.fail(`${path}.id`, 'is not a known filter (level, environment, release, tag)');
  }
}

const METADATA_HOSTS = new Set(['169.254.169.254', '[fd00:ec2::254]', 'metadata.google.internal']);

function parseWebhookUrl(c: Checker, value: unknown, path: string): string | undefined {
  const raw = c.string(value, path, MAX_WEBHOOK_URL_CHARS);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return c.fail(path, 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return c.fail(path, 'must be an http or https URL');
  if (url.username !== '' || url.password !== '') return c.fail(path, 'must not carry credentials');
  const host = url.hostname.toLowerCase();
  // Instance metadata endpoints would hand a webhook the function's credentials.
  if (METADATA_HOSTS.has(host) || host.startsWith('169.254.') || host.startsWith('[fe80:')) {
    return c.fail(path, 'must not point at a link-local or metadata address');
  }
  return url.href;
}

/** Sentry's email action; `targetType` IssueOwners, Team or Member. */
export const SENTRY_EMAIL_ACTION = 'sentry.mail.actions.NotifyEmailAction';
/** Sentry's legacy service action; with `service: "webhooks"` it posts to a URL (Ferret keeps the URL in the action). */
export const SENTRY_SERVICE_ACTION = 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction';

/**
 * Sentry's email targets in Ferret's terms. Ferret has no ownership rules, so
 * "issue owners" is always empty and the fall-through decides: all or active
 * members are the project's members; "no one" would never send. A Member is
 * named by email address.
 */
function parseSentryEmail(c: Checker, item: Obj, path: string): AlertAction | undefined {
  const targetType = c.oneOf(item.targetType ?? 'IssueOwners', `${path}.targetType`, ['IssueOwners', 'Member', 'Team'] as const);
  if (targetType === 'IssueOwners') {
    const fallthrough = c.oneOf(item.fallthroughType ?? 'ActiveMembers', `${path}.fallthroughType`, ['ActiveMembers', 'AllMembers', 'NoOne'] as const);
    if (fallthrough === 'NoOne') return c.fail(`${path}.fallthroughType`, 'must be "ActiveMembers" or "AllMembers": Ferret has no issue owners, so "NoOne" would never send');
    return fallthrough === undefined ? undefined : { id: 'email', targetType: 'members' };
  }
  if (targetType === 'Member') {
    const address = c.string(item.targetIdentifier, `${path}.targetIdentifier`, MAX_EMAIL_ADDRESS_CHARS);
    if (address === undefined) return undefined;
    if (!EMAIL.test(address)) return c.fail(`${path}.targetIdentifier`, 'must be the member\'s email address');
    return { id: 'email', targetType: 'addresses', addresses: [address] };
  }
  if (targetType === 'Team') return c.fail(`${path}.targetType`, 'Team is not supported yet: use "IssueOwners" (the project\'s members) or "Member" with an email address');
  return undefined;
}

/** Ours: a signing secret shorter than this is guessable; longer is pointless for HMAC-SHA256. */
export const MIN_WEBHOOK_SECRET_CHARS = 16;
export const MAX_WEBHOOK_SECRET_CHARS = 256;

function parseWebhook(c: Checker, item: Obj, path: string): AlertAction | undefined {
  const url = parseWebhookUrl(c, item.url, `${path}.url`);
  if (item.secret === undefined || item.secret === null || item.secret === '') return url === undefined ? undefined : { id: 'webhook', url };
  const secret = c.string(item.secret, `${path}.secret`, MAX_WEBHOOK_SECRET_CHARS);
  if (secret !== undefined && secret.length < MIN_WEBHOOK_SECRET_CHARS) return c.fail(`${path}.secret`, `must be at least ${MIN_WEBHOOK_SECRET_CHARS} characters`);
  return url === undefined || secret === undefined ? undefined : { id: 'webhook', url, secret };
}

function parseAction(c: Checker, item: unknown, path: string): AlertAction | undefined {
  if (!isObj(item) || typeof item.id !== 'string') return c.fail(path, 'must be an object with an "id"');
  switch (item.id) {
    case SENTRY_EMAIL_ACTION:
      return parseSentryEmail(c, item, path);
    case SENTRY_SERVICE_ACTION: {
      const service = c.oneOf(item.service ?? 'webhooks', `${path}.service`, ['webhooks', 'mail'] as const);
      if (service === 'mail') return { id: 'email', targetType: 'members' };
      if (service === undefined) return undefined;
      return parseWebhook(c, item, path);
    }
    case 'email': {
      const targetType = c.oneOf(item.targetType ?? 'members', `${path}.targetType`, ['members', 'addresses'] as const);
      if (targetType === undefined) return undefined;
      if (targetType === 'members') {
        if (item.addresses !== undefined && !(Array.isArray(item.addresses) && item.addresses.length === 0)) {
          return c.fail(`${path}.addresses`, 'is only allowed with targetType "addresses"');
        }
        return { id: 'email', targetType };
      }
      const list = c.list(item.addresses, `${path}.addresses`, 1, MAX_EMAIL_RECIPIENTS);
      if (list === undefined) return undefined;
      const before = c.problems.length;
      const addresses: string[] = [];
      list.forEach((a, i) => {
        const address = c.string(a, `${path}.addresses[${i}]`, MAX_EMAIL_ADDRESS_CHARS);
        if (address === undefined) return;
        if (!EMAIL.test(address)) c.fail(`${path}.addresses[${i}]`, 'is not an email address');
        else if (!addresses.some((x) => x.toLowerCase() === address.toLowerCase())) addresses.push(address);
      });
      return c.problems.length === before ? { id: 'email', targetType, addresses } : undefined;
    }
    case 'webhook':
      return parseWebhook(c, item, path);
    default:
      return c.fail(`${path}.id`, `is not a known action (${SENTRY_EMAIL_ACTION}, ${SENTRY_SERVICE_ACTION}, email, webhook)`);
  }
}

function parseItems<T>(c: Checker, value: unknown, path: string, min: number, parse: (c: Checker, item: unknown, path: string) => T | undefined): T[] {
  const list = c.list(value, path, min);
  if (list === undefined) return [];
  const out: T[] = [];
  list.forEach((item, i) => {
    const parsed = parse(c, item, `${path}[${i}]`);
    if (parsed !== undefined) out.push(parsed);
  });
  return out;
}

/**
 * Validate untrusted rule JSON from the portal API → AlertRule or throw
 * {@link RuleValidationError} (a `ValidationError`) listing what was wrong.
 *
 * Accepts Ferret's shape and the body Sentry's rule API takes: Sentry's
 * condition and filter class paths, `interval` names (`"1h"`), `frequency`
 * for `frequencyMinutes`, levels as logging numbers, and a top-level
 * `environment` (stored as an environment filter). Unknown fields are ignored.
 */
export function parseRuleInput(input: unknown, projectId: string, id: string, now: Date): AlertRule {
  const c = new Checker();
  if (!isObj(input)) throw new RuleValidationError(['rule must be a JSON object']);

  const name = c.string(input.name, 'name', MAX_RULE_NAME_CHARS);
  const actionMatch = c.oneOf(input.actionMatch ?? 'all', 'actionMatch', ['any', 'all'] as const);
  const filterMatch = c.oneOf(input.filterMatch ?? 'all', 'filterMatch', ['all', 'any', 'none'] as const);
  const conditions = parseItems(c, input.conditions, 'conditions', 1, parseCondition);
  const filters = parseItems(c, input.filters ?? [], 'filters', 0, parseFilter);
  let ruleEnvironment: string | undefined;
  if (input.environment !== undefined && input.environment !== null) {
    const environment = c.string(input.environment, 'environment', MAX_ENVIRONMENT_CHARS);
    if (environment !== undefined && (filterMatch ?? 'all') === 'all') filters.push({ id: 'environment', environment });
    else ruleEnvironment = environment;
  }
  const actions = parseItems(c, input.actions, 'actions', 1, parseAction);
  const frequencyField = input.frequencyMinutes !== undefined ? 'frequencyMinutes' : 'frequency';
  const frequencyMinutes = c.integer(input[frequencyField] ?? DEFAULT_FREQUENCY_MINUTES, frequencyField, MIN_FREQUENCY_MINUTES, MAX_FREQUENCY_MINUTES);
  let enabled = true;
  if (input.enabled !== undefined) {
    if (typeof input.enabled === 'boolean') enabled = input.enabled;
    else c.fail('enabled', 'must be a boolean');
  } else if (input.status !== undefined) {
    // Sentry's rule `status`.
    enabled = c.oneOf(input.status, 'status', ['active', 'disabled'] as const) !== 'disabled';
  }

  if (c.problems.length > 0 || name === undefined || actionMatch === undefined || frequencyMinutes === undefined || filterMatch === undefined) {
    throw new RuleValidationError(c.problems);
  }
  const rule: AlertRule = { id, projectId, name, actionMatch, conditions, filters, actions, frequencyMinutes, enabled, dateCreated: now.toISOString() };
  if (filterMatch !== 'all') rule.filterMatch = filterMatch;
  if (ruleEnvironment !== undefined) rule.environment = ruleEnvironment;
  return rule;
}
