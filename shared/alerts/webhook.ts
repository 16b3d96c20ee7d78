/**
 * The alert as a chat webhook body. Slack's incoming-webhook shape (`text`
 * in mrkdwn, https://api.slack.com/reference/surfaces/formatting), which
 * Mattermost, Rocket.Chat and Discord's `/slack` endpoint also accept.
 *
 * Event text is escaped the way Slack requires (`&`, `<`, `>`), so it cannot
 * forge links or `<!channel>` mentions; a zero-width space after `@` keeps
 * plain-text `@here`/`@channel`/`@everyone` from pinging in the tools that
 * honour those; URLs in event text are defanged.
 */
import { summarizeAlert, type AlertEmailInput } from './summary.ts';
import { defang, truncate } from './text.ts';

/**
 * Ours: a chat line is glanced at, so event fields are cut shorter than in the
 * email; with escaping at most 5× longer, the whole text stays far below
 * Slack's 40,000-character `text` limit.
 */
export const MAX_WEBHOOK_FIELD_CHARS = 150;

export interface WebhookPayload {
  text: string;
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

/** JSON for chat tools (Slack-compatible text). */
export function webhookPayload(input: AlertEmailInput): WebhookPayload {
  const s = summarizeAlert(input);
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
  return { text: lines.join('\n') };
}
