/**
 * A rule as Sentry's issue alert API answers it
 * (https://docs.sentry.io/api/alerts/retrieve-an-issue-alert-rule-for-a-project/):
 * conditions, filters and actions named by Sentry's class paths, `frequency`
 * in minutes, `environment` at the top, `status`. `parseRuleInput` reads this
 * shape back, so what the API answers can be sent again unchanged (PUT), and
 * rules exported from Sentry can be imported.
 *
 * Where Ferret goes beyond Sentry it says so in the same shape: a webhook is
 * Sentry's service action with the URL in the action (Sentry keeps it in the
 * WebHooks plugin's settings); an email to listed addresses is one `Member`
 * target per address.
 */
import { SENTRY_EMAIL_ACTION, SENTRY_SERVICE_ACTION, type AlertAction, type AlertCondition, type AlertFilter, type AlertRule } from './rules.ts';
import type { Level } from '#shared/model.ts';

export const SENTRY_CONDITION_IDS: Record<AlertCondition['id'], string> = {
  first_seen: 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition',
  regression: 'sentry.rules.conditions.regression_event.RegressionEventCondition',
  reappeared: 'sentry.rules.conditions.reappeared_event.ReappearedEventCondition',
  event_frequency: 'sentry.rules.conditions.event_frequency.EventFrequencyCondition',
  event_unique_user_frequency: 'sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition',
};
export const SENTRY_LEVEL_FILTER = 'sentry.rules.filters.level.LevelFilter';
export const SENTRY_TAG_FILTER = 'sentry.rules.filters.tagged_event.TaggedEventFilter';

/** Sentry's interval names for frequency conditions, by minutes. */
const INTERVAL_NAMES: Record<number, string> = { 1: '1m', 5: '5m', 15: '15m', 60: '1h', 1440: '1d', 10_080: '1w', 43_200: '30d' };
/** Sentry's level filter speaks Python logging numbers. */
const LEVEL_NUMBERS: Record<Level, string> = { debug: '10', info: '20', warning: '30', error: '40', fatal: '50' };
const TAG_MATCH_WORDS: Record<string, string> = { eq: 'equals', ne: 'does not equal', sw: 'starts with', ew: 'ends with', co: 'contains', nc: 'does not contain', is: 'is set', ns: 'is not set' };
const LEVEL_MATCH_WORDS: Record<string, string> = { eq: 'equal to', gte: 'greater than or equal to', lte: 'less than or equal to' };

export interface SentryRuleItem {
  id: string;
  /** Sentry's human-readable label of the item. */
  name: string;
  [field: string]: unknown;
}

export interface SentryRuleJson {
  id: string;
  name: string;
  actionMatch: 'all' | 'any';
  filterMatch: 'all' | 'any' | 'none';
  conditions: SentryRuleItem[];
  filters: SentryRuleItem[];
  actions: SentryRuleItem[];
  /** Minutes between alerts for one issue. */
  frequency: number;
  environment: string | null;
  status: 'active' | 'disabled';
  projects: string[];
  owner: null;
  createdBy: null;
  snooze: false;
  dateCreated: string;
}

function condition(c: AlertCondition): SentryRuleItem {
  const id = SENTRY_CONDITION_IDS[c.id];
  switch (c.id) {
    case 'first_seen':
      return { id, name: 'A new issue is created' };
    case 'regression':
      return { id, name: 'The issue changes state from resolved to unresolved' };
    case 'reappeared':
      return { id, name: 'The issue changes state from ignored to unresolved' };
    case 'event_frequency':
    case 'event_unique_user_frequency': {
      const interval = INTERVAL_NAMES[c.intervalMinutes] ?? `${c.intervalMinutes}m`;
      const what = c.id === 'event_frequency' ? 'seen' : 'seen by';
      const unit = c.id === 'event_frequency' ? 'times' : 'users';
      return { id, name: `The issue is ${what} more than ${c.value} ${unit} in ${interval}`, value: c.value, interval, comparisonType: 'count' };
    }
  }
}

function filter(f: AlertFilter): SentryRuleItem {
  switch (f.id) {
    case 'level':
      return { id: SENTRY_LEVEL_FILTER, name: `The event's level is ${LEVEL_MATCH_WORDS[f.match]} ${f.level}`, match: f.match, level: LEVEL_NUMBERS[f.level] };
    case 'tag': {
      const match = f.match ?? 'eq';
      const item: SentryRuleItem = { id: SENTRY_TAG_FILTER, name: `The event's tags match ${f.key} ${TAG_MATCH_WORDS[match]}${match === 'is' || match === 'ns' ? '' : ` ${f.value}`}`, key: f.key, match };
      if (match !== 'is' && match !== 'ns') item['value'] = f.value;
      return item;
    }
    // Release and further environments are tags in Sentry (the first environment is the rule's own `environment`).
    case 'release':
      return { id: SENTRY_TAG_FILTER, name: `The event's tags match release equals ${f.release}`, key: 'release', match: 'eq', value: f.release };
    case 'environment':
      return { id: SENTRY_TAG_FILTER, name: `The event's tags match environment equals ${f.environment}`, key: 'environment', match: 'eq', value: f.environment };
  }
}

function actions(a: AlertAction): SentryRuleItem[] {
  if (a.id === 'webhook') {
    // The secret is answered like the URL it guards: both are readable by whoever may read the rule.
    const item: SentryRuleItem = { id: SENTRY_SERVICE_ACTION, name: `Send a notification via webhooks to ${a.url}`, service: 'webhooks', url: a.url };
    if (a.secret !== undefined) item['secret'] = a.secret;
    return [item];
  }
  if (a.targetType === 'members') {
    return [{ id: SENTRY_EMAIL_ACTION, name: 'Send a notification to the project\'s members', targetType: 'IssueOwners', targetIdentifier: '', fallthroughType: 'AllMembers' }];
  }
  return (a.addresses ?? []).map((address) => ({ id: SENTRY_EMAIL_ACTION, name: `Send a notification to ${address}`, targetType: 'Member', targetIdentifier: address }));
}

/** The rule as Sentry's API answers it. */
export function toSentryRule(rule: AlertRule, projectSlug: string): SentryRuleJson {
  const environmentFilter = rule.filters.find((f): f is Extract<AlertFilter, { id: 'environment' }> => f.id === 'environment');
  // Sentry's top-level environment always restricts the rule; a filter under "any"/"none" would not mean the same.
  const lift = environmentFilter !== undefined && (rule.filterMatch ?? 'all') === 'all';
  return {
    id: rule.id,
    name: rule.name,
    actionMatch: rule.actionMatch,
    filterMatch: rule.filterMatch ?? 'all',
    conditions: rule.conditions.map(condition),
    filters: rule.filters.filter((f) => !(lift && f === environmentFilter)).map(filter),
    actions: rule.actions.flatMap(actions),
    frequency: rule.frequencyMinutes,
    environment: rule.environment ?? (lift ? environmentFilter.environment : null),
    status: rule.enabled ? 'active' : 'disabled',
    projects: [projectSlug],
    owner: null,
    createdBy: null,
    snooze: false,
    dateCreated: rule.dateCreated,
  };
}
