/**
 * Where a firing rule's alert goes: one email (every email action of the rule
 * merged into one message) and one POST per webhook URL.
 *
 * Each channel has its own suppression key, so a webhook that fails and is
 * retried never sends the email again, and the other way round. The email
 * channel's key is the rule id itself (the key alerts had before webhooks were
 * sent), so windows open when this shipped stay valid.
 */
import type { AlertRule } from './rules.ts';

export type AlertChannel = { kind: 'email'; key: string; to: string[] } | { kind: 'webhook'; key: string; url: string; secret?: string };

/** FNV-1a, 32 bits: a short, stable tag for a URL inside a key (not a secret, not a security boundary). */
function fnv1a(value: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The suppression key of a rule's webhook channel for `url`. */
export function webhookChannelKey(ruleId: string, url: string): string {
  return `${ruleId}~webhook~${fnv1a(url)}`;
}

/**
 * The channels of a rule: the email (when it has recipients) then each
 * distinct webhook URL. `members` are the addresses "members" resolve to.
 */
export function alertChannels(rule: AlertRule, members: readonly string[]): AlertChannel[] {
  const to = new Set<string>();
  // URL → signing secret (the first action naming a URL decides).
  const urls = new Map<string, string | undefined>();
  for (const action of rule.actions) {
    if (action.id === 'webhook') {
      if (!urls.has(action.url)) urls.set(action.url, action.secret);
    }
    else if (action.targetType === 'members') members.forEach((m) => to.add(m));
    else action.addresses?.forEach((a) => to.add(a));
  }
  const channels: AlertChannel[] = [];
  if (to.size > 0) channels.push({ kind: 'email', key: rule.id, to: [...to] });
  for (const [url, secret] of urls) channels.push(secret === undefined ? { kind: 'webhook', key: webhookChannelKey(rule.id, url), url } : { kind: 'webhook', key: webhookChannelKey(rule.id, url), url, secret });
  return channels;
}

/** Every suppression key a rule may hold for an issue (to release them all when a person closes the issue). */
export function alertChannelKeys(rule: AlertRule): string[] {
  return [rule.id, ...new Set(rule.actions.flatMap((a) => (a.id === 'webhook' ? [webhookChannelKey(rule.id, a.url)] : [])))];
}
