/**
 * The alert rule form's state and its translation to and from the rule JSON of
 * the API (Sentry's issue alert rule shape: class-path ids, `frequency` in
 * minutes, `environment`, `status`). Pure, so it is tested without a DOM.
 */
import type { AlertRule, RuleItem } from '$lib/types.ts';

export const IDS = {
  firstSeen: 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition',
  regression: 'sentry.rules.conditions.regression_event.RegressionEventCondition',
  reappeared: 'sentry.rules.conditions.reappeared_event.ReappearedEventCondition',
  events: 'sentry.rules.conditions.event_frequency.EventFrequencyCondition',
  users: 'sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition',
  level: 'sentry.rules.filters.level.LevelFilter',
  tag: 'sentry.rules.filters.tagged_event.TaggedEventFilter',
  email: 'sentry.mail.actions.NotifyEmailAction',
  webhook: 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction',
} as const;

/** The intervals Sentry offers for frequency conditions. */
export const INTERVALS = [
  { value: '1m', label: 'one minute' },
  { value: '5m', label: '5 minutes' },
  { value: '15m', label: '15 minutes' },
  { value: '1h', label: 'one hour' },
  { value: '1d', label: 'one day' },
  { value: '1w', label: 'one week' },
  { value: '30d', label: '30 days' },
] as const;

/** Sentry's level filter speaks Python logging numbers. */
export const LEVELS = [
  { value: '50', label: 'fatal' },
  { value: '40', label: 'error' },
  { value: '30', label: 'warning' },
  { value: '20', label: 'info' },
  { value: '10', label: 'debug' },
] as const;

export interface Frequency {
  on: boolean;
  value: number;
  interval: string;
}

export interface RuleFormState {
  name: string;
  actionMatch: 'any' | 'all';
  firstSeen: boolean;
  regression: boolean;
  reappeared: boolean;
  events: Frequency;
  users: Frequency;
  /** '' = any level, else a logging number ("at least"). */
  level: string;
  environment: string;
  tagKey: string;
  tagValue: string;
  emailMembers: boolean;
  /** Comma- or space-separated addresses. */
  addresses: string;
  webhookUrl: string;
  /** Signs each POST (HMAC-SHA256 of the body, `Sentry-Hook-Signature`); '' = unsigned. */
  webhookSecret: string;
  /** Minutes between alerts for one issue. */
  frequency: number;
  enabled: boolean;
}

export function emptyForm(): RuleFormState {
  return {
    name: 'Send a notification for new issues',
    actionMatch: 'any',
    firstSeen: true,
    regression: false,
    reappeared: false,
    events: { on: false, value: 100, interval: '1h' },
    users: { on: false, value: 10, interval: '1h' },
    level: '',
    environment: '',
    tagKey: '',
    tagValue: '',
    emailMembers: true,
    addresses: '',
    webhookUrl: '',
    webhookSecret: '',
    frequency: 30,
    enabled: true,
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** The form for an existing rule; what the form cannot show (more tags, other comparisons) is kept by `extra`. */
export function formFromRule(rule: AlertRule): { form: RuleFormState; extra: { filters: RuleItem[]; actions: RuleItem[] } } {
  const form = { ...emptyForm(), firstSeen: false, emailMembers: false, name: rule.name, actionMatch: rule.actionMatch === 'all' ? ('all' as const) : ('any' as const) };
  form.frequency = rule.frequency;
  form.enabled = rule.status !== 'disabled';
  form.environment = rule.environment ?? '';
  for (const c of rule.conditions) {
    if (c.id === IDS.firstSeen) form.firstSeen = true;
    else if (c.id === IDS.regression) form.regression = true;
    else if (c.id === IDS.reappeared) form.reappeared = true;
    else if (c.id === IDS.events || c.id === IDS.users) {
      form[c.id === IDS.events ? 'events' : 'users'] = { on: true, value: Number(c['value'] ?? 0), interval: str(c['interval']) || '1h' };
    }
  }
  const extra = { filters: [] as RuleItem[], actions: [] as RuleItem[] };
  for (const f of rule.filters) {
    if (f.id === IDS.level && f['match'] === 'gte' && form.level === '') form.level = str(f['level']);
    else if (f.id === IDS.tag && (f['match'] ?? 'eq') === 'eq' && form.tagKey === '') {
      form.tagKey = str(f['key']);
      form.tagValue = str(f['value']);
    } else extra.filters.push(f);
  }
  const addresses: string[] = [];
  for (const a of rule.actions) {
    if (a.id === IDS.email && a['targetType'] === 'IssueOwners') form.emailMembers = true;
    else if (a.id === IDS.email && a['targetType'] === 'Member') addresses.push(str(a['targetIdentifier']));
    else if (a.id === IDS.webhook && form.webhookUrl === '' && typeof a['url'] === 'string') {
      form.webhookUrl = a['url'];
      form.webhookSecret = str(a['secret']);
    }
    else extra.actions.push(a);
  }
  form.addresses = addresses.join(', ');
  return { form, extra };
}

/** The rule JSON the API takes, from the form; `extra` carries what the form did not show. */
export function ruleFromForm(form: RuleFormState, extra: { filters: RuleItem[]; actions: RuleItem[] } = { filters: [], actions: [] }): AlertRule {
  const conditions: RuleItem[] = [];
  if (form.firstSeen) conditions.push({ id: IDS.firstSeen });
  if (form.regression) conditions.push({ id: IDS.regression });
  if (form.reappeared) conditions.push({ id: IDS.reappeared });
  for (const [on, id] of [[form.events, IDS.events], [form.users, IDS.users]] as const) {
    if (on.on) conditions.push({ id, value: Number(on.value), interval: on.interval, comparisonType: 'count' });
  }
  const filters: RuleItem[] = [];
  if (form.level !== '') filters.push({ id: IDS.level, match: 'gte', level: form.level });
  if (form.tagKey.trim() !== '') filters.push({ id: IDS.tag, key: form.tagKey.trim(), match: 'eq', value: form.tagValue.trim() });
  filters.push(...extra.filters);
  const actions: RuleItem[] = [];
  if (form.emailMembers) actions.push({ id: IDS.email, targetType: 'IssueOwners', fallthroughType: 'AllMembers' });
  for (const address of form.addresses.split(/[\s,;]+/).filter(Boolean)) actions.push({ id: IDS.email, targetType: 'Member', targetIdentifier: address });
  if (form.webhookUrl.trim() !== '') {
    const hook: RuleItem = { id: IDS.webhook, service: 'webhooks', url: form.webhookUrl.trim() };
    if (form.webhookSecret.trim() !== '') hook['secret'] = form.webhookSecret.trim();
    actions.push(hook);
  }
  actions.push(...extra.actions);
  return {
    name: form.name.trim(),
    actionMatch: form.actionMatch,
    filterMatch: 'all',
    conditions,
    filters,
    actions,
    frequency: Number(form.frequency),
    environment: form.environment.trim() === '' ? null : form.environment.trim(),
    status: form.enabled ? 'active' : 'disabled',
  };
}

/** What the form must have before it is sent (the API says the rest). */
export function formProblem(form: RuleFormState): string {
  const r = ruleFromForm(form);
  if (r.name === '') return 'Give the rule a name.';
  if (r.conditions.length === 0) return 'Choose at least one condition.';
  if (r.actions.length === 0) return 'Choose at least one action: email or webhook.';
  return '';
}
