/**
 * What an alert shows, extracted once from the issue and its latest event and
 * already made safe (controls stripped, lengths bounded). The email and the
 * webhook render this; only they decide how to escape it for their medium.
 */
import type { Frame, Issue, NormalizedEvent, Project, Stacktrace } from '#shared/model.ts';
import type { AlertReason, AlertRule } from './rules.ts';
import { asText, codeLine, displayValue, oneLine } from './text.ts';

export type AlertEmailReason = AlertReason;

/** Ours: an issue title past this is noise in a subject line (RFC 5322 §2.1.1 allows 998 per line). */
export const MAX_SUBJECT_CHARS = 200;
/** Ours: one-line fields (culprit, release, exception value, …) in the body. */
export const MAX_FIELD_CHARS = 300;
/** "top in-app frames (up to ~5)". */
export const MAX_FRAMES = 5;
/** Sentry SDKs send 5 lines of context either side of the error line by default. */
export const MAX_CONTEXT_LINES = 5;
/** Ours: a source line wider than this is minified code; its start is enough. */
export const MAX_CODE_LINE_CHARS = 160;
export const MAX_VARS_PER_FRAME = 6;
export const MAX_VAR_NAME_CHARS = 60;
export const MAX_VAR_VALUE_CHARS = 120;
export const MAX_TAGS = 20;
/** Relay bounds tag keys and values at 200 characters; 100 is what fits a mail column. */
export const MAX_TAG_CHARS = 100;

export interface SourceLine {
  lineno: number | undefined;
  code: string;
  /** The line the frame stopped at. */
  current: boolean;
}

export interface FrameSummary {
  /** `foo in app/handlers.py at line 9` parts. */
  function: string;
  location: string;
  lineno: number | undefined;
  inApp: boolean;
  lines: SourceLine[];
  vars: Array<[string, string]>;
}

export interface AlertSummary {
  reason: AlertEmailReason;
  /** "New issue", "Regression", … */
  headline: string;
  /** One sentence on what happened. */
  explanation: string;
  subject: string;
  shortId: string;
  title: string;
  culprit: string;
  level: string;
  projectName: string;
  environment: string | undefined;
  release: string | undefined;
  firstSeen: string;
  lastSeen: string;
  count: number;
  userCount: number;
  mergedCount: number;
  /** "and 37 more times since the last alert", or undefined. */
  mergedText: string | undefined;
  exceptionType: string | undefined;
  exceptionValue: string | undefined;
  message: string | undefined;
  frames: FrameSummary[];
  /** True when the frames are all frames because none was in-app. */
  framesIncludeLibraries: boolean;
  request: string | undefined;
  tags: Array<[string, string]>;
  ruleName: string;
  issueUrl: string;
  ruleUrl: string;
}

export interface AlertEmailInput {
  reason: AlertEmailReason;
  issue: Issue;
  event: NormalizedEvent;
  project: Project;
  rule: AlertRule;
  /** events merged into this alert since the previous one (the suppressed ones) */
  mergedCount: number;
  /** The portal's origin (configuration, trusted), with or without a trailing slash. */
  portalUrl: string;
}

/** `{portalUrl}/organizations/{org}/issues/{id}/` */
export function issueUrl(portalUrl: string, orgSlug: string, issueId: string): string {
  return `${portalUrl.replace(/\/+$/, '')}/organizations/${encodeURIComponent(orgSlug)}/issues/${encodeURIComponent(issueId)}/`;
}

/** `{portalUrl}/settings/{org}/projects/{project}/alerts/{ruleId}/` */
export function ruleUrl(portalUrl: string, orgSlug: string, projectSlug: string, ruleId: string): string {
  return `${portalUrl.replace(/\/+$/, '')}/settings/${encodeURIComponent(orgSlug)}/projects/${encodeURIComponent(projectSlug)}/alerts/${encodeURIComponent(ruleId)}/`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function intervalText(minutes: number): string {
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day', 'days');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour', 'hours');
  return plural(minutes, 'minute', 'minutes');
}

function describe(reason: AlertEmailReason, rule: AlertRule): { headline: string; explanation: string } {
  switch (reason) {
    case 'new':
      return { headline: 'New issue', explanation: 'A new issue was seen for the first time.' };
    case 'regression':
      return { headline: 'Regression', explanation: 'An issue marked as resolved happened again.' };
    case 'reappeared':
      return { headline: 'Issue came back', explanation: 'An ignored issue met its condition and is unresolved again.' };
    case 'frequency': {
      const c = rule.conditions.find((x) => x.id === 'event_frequency' || x.id === 'event_unique_user_frequency');
      if (c === undefined || (c.id !== 'event_frequency' && c.id !== 'event_unique_user_frequency')) {
        return { headline: 'Frequent issue', explanation: 'An issue crossed the frequency set in an alert rule.' };
      }
      const what = c.id === 'event_frequency' ? plural(c.value, 'time', 'times') : plural(c.value, 'user', 'users');
      const verb = c.id === 'event_frequency' ? 'was seen more than' : 'affected more than';
      return { headline: 'Frequent issue', explanation: `An issue ${verb} ${what} in ${intervalText(c.intervalMinutes)}.` };
    }
  }
}

/** ISO date → `2026-11-24 21:05:58 UTC`; anything unparsable is shown cleaned. */
export function formatDate(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return oneLine(String(value), 40);
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function frameList(st: Stacktrace | undefined | null): Frame[] {
  return st !== null && typeof st === 'object' && Array.isArray(st.frames)
    ? st.frames.filter((f): f is Frame => f !== null && typeof f === 'object')
    : [];
}

/**
 * The stack to show: the most recent exception's (Sentry lists the chain
 * oldest-first, so the last value with frames), else the crashed or current
 * thread's, else the first thread's that has one.
 */
function pickFrames(event: NormalizedEvent): Frame[] {
  const values = Array.isArray(event.exception?.values) ? event.exception.values : [];
  for (let i = values.length - 1; i >= 0; i--) {
    const frames = frameList(values[i]?.stacktrace);
    if (frames.length > 0) return frames;
  }
  const threads = Array.isArray(event.threads?.values) ? event.threads.values : [];
  const thread = threads.find((t) => t?.crashed === true && frameList(t.stacktrace).length > 0)
    ?? threads.find((t) => t?.current === true && frameList(t.stacktrace).length > 0)
    ?? threads.find((t) => frameList(t?.stacktrace).length > 0);
  return frameList(thread?.stacktrace);
}

function sourceLines(frame: Frame): SourceLine[] {
  const context = asText(frame.context_line);
  if (context === undefined) return [];
  const lineno = typeof frame.lineno === 'number' && Number.isInteger(frame.lineno) ? frame.lineno : undefined;
  const pre = (Array.isArray(frame.pre_context) ? frame.pre_context : []).slice(-MAX_CONTEXT_LINES);
  const post = (Array.isArray(frame.post_context) ? frame.post_context : []).slice(0, MAX_CONTEXT_LINES);
  const at = (offset: number) => (lineno === undefined ? undefined : lineno + offset);
  return [
    ...pre.map((l, i) => ({ lineno: at(i - pre.length), code: codeLine(asText(l) ?? '', MAX_CODE_LINE_CHARS), current: false })),
    { lineno, code: codeLine(context, MAX_CODE_LINE_CHARS), current: true },
    ...post.map((l, i) => ({ lineno: at(i + 1), code: codeLine(asText(l) ?? '', MAX_CODE_LINE_CHARS), current: false })),
  ];
}

function summarizeFrame(frame: Frame): FrameSummary {
  const vars: Array<[string, string]> = [];
  if (frame.vars !== null && typeof frame.vars === 'object' && !Array.isArray(frame.vars)) {
    for (const [name, value] of Object.entries(frame.vars).slice(0, MAX_VARS_PER_FRAME)) {
      vars.push([oneLine(name, MAX_VAR_NAME_CHARS), displayValue(value, MAX_VAR_VALUE_CHARS)]);
    }
  }
  const place = asText(frame.filename) ?? asText(frame.abs_path) ?? asText(frame.module) ?? asText(frame.package) ?? '?';
  const lineno = typeof frame.lineno === 'number' && Number.isInteger(frame.lineno) ? frame.lineno : undefined;
  return {
    function: oneLine(asText(frame.function) ?? asText(frame.raw_function) ?? '?', MAX_FIELD_CHARS),
    location: oneLine(place, MAX_FIELD_CHARS),
    lineno,
    inApp: frame.in_app === true,
    lines: sourceLines(frame),
    vars,
  };
}

function eventMessage(event: NormalizedEvent): string | undefined {
  const entry = event.logentry;
  const text = asText(entry?.formatted) ?? asText(entry?.message) ?? asText(event.message);
  return text === undefined || text.trim() === '' ? undefined : oneLine(text, MAX_FIELD_CHARS);
}

function requestLine(event: NormalizedEvent): string | undefined {
  const url = asText(event.request?.url);
  if (url === undefined) return undefined;
  const method = asText(event.request?.method);
  return oneLine(method === undefined ? url : `${method} ${url}`, MAX_FIELD_CHARS);
}

/** Build the safe, bounded summary the email and webhook render. */
export function summarizeAlert(input: AlertEmailInput): AlertSummary {
  const { issue, event, project, rule, reason } = input;
  const { headline, explanation } = describe(reason, rule);
  const shortId = oneLine(issue.shortId, 40);
  const title = oneLine(issue.title, MAX_FIELD_CHARS);

  const values = Array.isArray(event.exception?.values) ? event.exception.values : [];
  const main = values[values.length - 1];
  const exceptionType = asText(main?.type);
  const exceptionValue = asText(main?.value);

  const all = pickFrames(event);
  const inApp = all.filter((f) => f.in_app === true);
  const chosen = (inApp.length > 0 ? inApp : all).slice(-MAX_FRAMES).reverse();

  const tags: Array<[string, string]> = [];
  for (const pair of Array.isArray(event.tags) ? event.tags : []) {
    if (tags.length >= MAX_TAGS) break;
    if (!Array.isArray(pair)) continue;
    const key = asText(pair[0]);
    const value = asText(pair[1]);
    if (key !== undefined && value !== undefined) tags.push([oneLine(key, MAX_TAG_CHARS), oneLine(value, MAX_TAG_CHARS)]);
  }

  const merged = Number.isInteger(input.mergedCount) && input.mergedCount > 0 ? input.mergedCount : 0;
  const environment = asText(event.environment);
  const release = asText(event.release);
  return {
    reason,
    headline,
    explanation,
    subject: oneLine(`[Ferret] ${shortId} ${oneLine(issue.title, MAX_SUBJECT_CHARS)}`, MAX_SUBJECT_CHARS),
    shortId,
    title,
    culprit: oneLine(issue.culprit ?? '', MAX_FIELD_CHARS),
    level: oneLine(asText(event.level) ?? issue.level, 20),
    projectName: oneLine(project.name || project.slug, MAX_FIELD_CHARS),
    environment: environment === undefined ? undefined : oneLine(environment, MAX_FIELD_CHARS),
    release: release === undefined ? undefined : oneLine(release, MAX_FIELD_CHARS),
    firstSeen: formatDate(issue.firstSeen),
    lastSeen: formatDate(issue.lastSeen),
    count: issue.count,
    userCount: issue.userCount,
    mergedCount: merged,
    mergedText: merged > 0 ? `and ${plural(merged, 'more time', 'more times')} since the last alert` : undefined,
    exceptionType: exceptionType === undefined ? undefined : oneLine(exceptionType, MAX_FIELD_CHARS),
    exceptionValue: exceptionValue === undefined ? undefined : oneLine(exceptionValue, MAX_FIELD_CHARS),
    message: eventMessage(event),
    frames: chosen.map(summarizeFrame),
    framesIncludeLibraries: inApp.length === 0 && all.length > 0,
    request: requestLine(event),
    tags,
    ruleName: oneLine(rule.name, MAX_FIELD_CHARS),
    issueUrl: issueUrl(input.portalUrl, project.orgSlug, issue.id),
    ruleUrl: ruleUrl(input.portalUrl, project.orgSlug, project.slug, rule.id),
  };
}
