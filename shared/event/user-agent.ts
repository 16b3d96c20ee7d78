/**
 * Browser, OS and device contexts read from the event's `User-Agent` request
 * header when the SDK sent none, as Relay does: browser SDKs send only the
 * header, and the portal's context tables and the `browser`/`os`/`device` tags
 * come from the contexts. Parsing is bowser's (a small, maintained parser whose
 * rules track new browsers; a hand-written regex list would rot).
 *
 * Like Relay, the OS goes to `os` for JavaScript events only; a server SDK's
 * event keeps `os` for the server, and the client's OS goes to `client_os`.
 */
import Bowser from 'bowser';
import type { NormalizedEvent } from '../model.ts';

/** Longer headers are junk or attacks; Relay caps header values too. */
const MAX_USER_AGENT_CHARS = 1024;

/**
 * Parsed headers, by header. An application's users send a few hundred distinct
 * User-Agents at most, over and over, and a parse runs bowser's whole rule list
 * (about a tenth of the grouping step's CPU for a browser event). Bounded: a
 * flood of distinct headers starts the cache over.
 */
const MAX_USER_AGENTS_REMEMBERED = 1000;
const parsedUserAgents = new Map<string, Bowser.Parser.ParsedResult>();

function parseUserAgent(ua: string): Bowser.Parser.ParsedResult {
  let parsed = parsedUserAgents.get(ua);
  if (parsed === undefined) {
    parsed = Bowser.parse(ua);
    if (parsedUserAgents.size >= MAX_USER_AGENTS_REMEMBERED) parsedUserAgents.clear();
    parsedUserAgents.set(ua, parsed);
  }
  return parsed;
}

function userAgentOf(event: NormalizedEvent): string | undefined {
  const headers = event.request?.headers;
  if (!headers) return undefined;
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [k, v] of pairs) if (typeof k === 'string' && k.toLowerCase() === 'user-agent' && typeof v === 'string' && v.trim()) return v.trim().slice(0, MAX_USER_AGENT_CHARS);
  return undefined;
}

function compact(o: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (v) out[k] = v;
  return out;
}

/** Adds the contexts a User-Agent header implies; never replaces one the SDK sent. Idempotent. */
export function inferUserAgentContexts(event: NormalizedEvent): void {
  const ua = userAgentOf(event);
  if (!ua) return;
  const parsed = parseUserAgent(ua);
  const contexts: Record<string, Record<string, unknown>> = { ...(event.contexts ?? {}) };
  const hasType = (type: string) => Object.entries(contexts).some(([alias, c]) => (typeof c['type'] === 'string' ? c['type'] : alias) === type);
  let changed = false;

  if (parsed.browser.name && !hasType('browser')) {
    contexts['browser'] = compact({ type: 'browser', name: parsed.browser.name, version: parsed.browser.version });
    changed = true;
  }
  const device = parsed.platform;
  if ((device.type === 'mobile' || device.type === 'tablet') && (device.model || device.vendor) && !hasType('device')) {
    contexts['device'] = compact({ type: 'device', family: device.model ?? device.vendor, model: device.model, brand: device.vendor });
    changed = true;
  }
  if (parsed.os.name) {
    const alias = event.platform === 'javascript' ? 'os' : 'client_os';
    if (!(alias in contexts) && !(alias === 'os' && hasType('os'))) {
      contexts[alias] = compact({ type: 'os', name: parsed.os.name, version: parsed.os.version });
      changed = true;
    }
  }
  if (changed) event.contexts = contexts;
}
