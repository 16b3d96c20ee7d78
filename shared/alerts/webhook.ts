/**
 * The alert as a chat webhook body. Slack's incoming-webhook shape (`text`
 * in mrkdwn, https://api.slack.com/reference/surfaces/formatting), which
 * Mattermost, Rocket.Chat and Discord's `/slack` endpoint also accept.
 *
 * Event text is escaped the way Slack requires (`&`, `<`, `>`), so it cannot
 * forge links or `<!channel>` mentions; a zero-width space after `@` keeps
 * plain-text `@here`/`@channel`/`@everyone` from pinging in the tools that
 * honour those; URLs in event text are defanged.
 *
 * Beside `text`, the body carries a structured part shaped like Sentry's issue
 * alert webhook (`Sentry-Hook-Resource: event_alert`,
 * https://docs.sentry.io/integrations/integration-platform/webhooks/issue-alerts/):
 * `action: "triggered"`, `data.event` (with `issue_id`, `web_url`), `data.triggered_rule`,
 * plus Ferret's `data.issue` and `url`, so a receiver need not parse the chat text.
 * Its values are the same cleaned, bounded summary the email shows; JSON
 * encoding is their only escaping (a receiver that renders them must escape).
 */
import { summarizeAlert, type AlertEmailInput, type AlertEmailReason, type AlertSummary } from './summary.ts';
import { defang, oneLine, truncate } from './text.ts';

/**
 * Ours: a chat line is glanced at, so event fields are cut shorter than in the
 * email; with escaping at most 5× longer, the whole text stays far below
 * Slack's 40,000-character `text` limit.
 */
export const MAX_WEBHOOK_FIELD_CHARS = 150;

/** Stack frames in the payload: Sentry's order, oldest first, the crashing frame last. */
export interface WebhookFrame {
  function: string;
  filename: string;
  lineno?: number;
  in_app: boolean;
  context_line?: string;
}

export interface WebhookPayload {
  /** Slack-compatible chat text. */
  text: string;
  action: 'triggered';
  actor: { id: 'ferret'; name: 'Ferret'; type: 'application' };
  /** The issue in the portal. */
  url: string;
  data: {
    /** Why the alert went out: new, regression, reappeared or frequency. */
    reason: AlertEmailReason;
    triggered_rule: string;
    issue_alert: { id: string; title: string; url: string };
    /** Events merged into this alert since the previous one for the issue. */
    merged: number;
    issue: {
      id: string;
      shortId: string;
      title: string;
      culprit: string;
      level: string;
      status: string;
      count: number;
      userCount: number;
      firstSeen: string;
      lastSeen: string;
      permalink: string;
      project: { id: string; slug: string; name: string };
    };
    event: {
      event_id: string;
      issue_id: string;
      title: string;
      culprit: string;
      level: string;
      platform: string;
      datetime: string;
      environment?: string;
      release?: string;
      message?: string;
      tags: Array<[string, string]>;
      exception?: { values: Array<{ type?: string; value?: string; stacktrace: { frames: WebhookFrame[] } }> };
      web_url: string;
    };
  };
}

/** Escape for Slack mrkdwn, and make event text inert (no mentions, no links). */
function inert(value: string, max = MAX_WEBHOOK_FIELD_CHARS): string {
  return defang(truncate(value, max))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@\u200B')
    .replace(/[`*_~|]/g, (c) => `\u200B${c}`);
}

/** JSON for chat tools (Slack-compatible text) and for programs (Sentry-like structure). */
export function webhookPayload(input: AlertEmailInput): WebhookPayload {
  const s = summarizeAlert(input);
  return { text: chatText(s), ...structured(input, s) };
}

function isoOf(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

function structured(input: AlertEmailInput, s: AlertSummary): Omit<WebhookPayload, 'text'> {
  const { issue, event, project, rule } = input;
  const frames: WebhookFrame[] = [...s.frames].reverse().map((f) => {
    const frame: WebhookFrame = { function: f.function, filename: f.location, in_app: f.inApp };
    if (f.lineno !== undefined) frame.lineno = f.lineno;
    const current = f.lines.find((l) => l.current);
    if (current !== undefined) frame.context_line = current.code;
    return frame;
  });
  const eventSummary: WebhookPayload['data']['event'] = {
    event_id: oneLine(String(event.event_id ?? ''), 64),
    issue_id: issue.id,
    title: s.title,
    culprit: s.culprit,
    level: s.level,
    platform: oneLine(String(event.platform ?? ''), 40),
    datetime: typeof event.timestamp === 'number' && Number.isFinite(event.timestamp) ? new Date(event.timestamp * 1000).toISOString() : '',
    tags: s.tags,
    web_url: s.issueUrl,
  };
  if (s.environment !== undefined) eventSummary.environment = s.environment;
  if (s.release !== undefined) eventSummary.release = s.release;
  if (s.message !== undefined) eventSummary.message = s.message;
  if (s.exceptionType !== undefined || s.exceptionValue !== undefined || frames.length > 0) {
    const value: { type?: string; value?: string; stacktrace: { frames: WebhookFrame[] } } = { stacktrace: { frames } };
    if (s.exceptionType !== undefined) value.type = s.exceptionType;
    if (s.exceptionValue !== undefined) value.value = s.exceptionValue;
    eventSummary.exception = { values: [value] };
  }
  return {
    action: 'triggered',
    actor: { id: 'ferret', name: 'Ferret', type: 'application' },
    url: s.issueUrl,
    data: {
      reason: s.reason,
      triggered_rule: s.ruleName,
      issue_alert: { id: rule.id, title: s.ruleName, url: s.ruleUrl },
      merged: s.mergedCount,
      issue: {
        id: issue.id,
        shortId: s.shortId,
        title: s.title,
        culprit: s.culprit,
        level: oneLine(issue.level, 20),
        status: issue.status,
        count: s.count,
        userCount: s.userCount,
        firstSeen: isoOf(issue.firstSeen),
        lastSeen: isoOf(issue.lastSeen),
        permalink: s.issueUrl,
        project: { id: project.id, slug: project.slug, name: s.projectName },
      },
      event: eventSummary,
    },
  };
}

function chatText(s: AlertSummary): string {
  const lines = [
    // Ferret's own link; the label is event text, made inert.
    `*${s.headline}* <${s.issueUrl}|${inert(s.shortId)} ${inert(s.title)}>`,
    s.mergedText === undefined ? s.explanation : `${s.explanation.replace(/\.$/, '')}, ${s.mergedText}.`,
  ];
  const facts = [`project ${inert(s.projectName)}`];
  if (s.environment !== undefined) facts.push(`env ${inert(s.environment)}`);
  if (s.release !== undefined) facts.push(`release ${inert(s.release)}`);
  facts.push(`${s.count} events`, `${s.userCount} users`);
  lines.push(facts.join(' · '));
  if (s.culprit !== '') lines.push(`Culprit: ${inert(s.culprit)}`);
  const top = s.frames[0];
  if (top !== undefined) {
    lines.push(`At ${inert(top.function)} in ${inert(top.location)}${top.lineno === undefined ? '' : `:${top.lineno}`}`);
  }
  lines.push(`<${s.ruleUrl}|Alert rule: ${inert(s.ruleName)}>`);
  return lines.join('\n');
}
