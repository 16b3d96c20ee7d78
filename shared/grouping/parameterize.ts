/**
 * Message parameterization for grouping: variable parts of a message (ids,
 * numbers, addresses, dates) become placeholders, so "user 123 not found" and
 * "user 456 not found" hash alike.
 *
 * Follows Sentry's `normalize_message_for_grouping` and its default
 * parameterization regexes (src/sentry/grouping/parameterization.py): one
 * combined pattern, scanned once, the first alternative that matches at a
 * position wins. Sentry's hostname, duration, quoted-string and boolean
 * patterns are left out; its `<sha1>`/`<md5>` are folded into `<hash>`.
 */

/** Sentry keeps the first two non-empty lines of a message for grouping. */
export const GROUPING_MESSAGE_LINES = 2;
/**
 * Characters of the trimmed message that are parameterized and hashed. Sentry
 * trims exception values to 1024 characters (`trim(value, 1024)` in its error
 * event type); bounding the input also bounds the regex work per event.
 */
export const GROUPING_MESSAGE_MAX_CHARS = 1024;

const IPV4_OCTET = '(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])';
const IPV4 = `(?:${IPV4_OCTET}\\.){3}${IPV4_OCTET}`;
const H16 = '[0-9a-fA-F]{1,4}';
const IPV6 = [
  `(?:${H16}:){7}${H16}`,
  `(?:${H16}:){1,7}:(?!${H16})`,
  `(?:${H16}:){1,6}:${H16}`,
  `(?:${H16}:){1,5}(?::${H16}){1,2}`,
  `(?:${H16}:){1,4}(?::${H16}){1,3}`,
  `(?:${H16}:){1,3}(?::${H16}){1,4}`,
  `(?:${H16}:){1,2}(?::${H16}){1,5}`,
  `${H16}:(?::${H16}){1,6}`,
  `::ffff(?::0{1,4})?:${IPV4}`,
  `(?:${H16}:){1,4}:${IPV4}`,
  `::(?:${H16}(?::${H16}){0,6})?`,
].join('|');

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const WEEKDAY = '(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)';
const ZONE = '(?:[-+]\\d{2}[0-5]\\d|UT|GMT|[ECMP][SD]T|[A-IK-Z])';
const DATE = [
  // RFC 822 / 1123: "Mon, 02 Jan 2006 15:04:05 -0700"
  `${WEEKDAY},\\s\\d{1,2}\\s${MONTH}\\s\\d{2,4}\\s\\d{1,2}:\\d{1,2}(?::\\d{1,2})?\\s${ZONE}`,
  // ANSI C / ruby: "Mon Jan  2 15:04:05 2006"
  `(?:${WEEKDAY}\\s+)?${MONTH}\\s+\\d{1,2}\\s+\\d{2}:\\d{2}:\\d{2}\\s+\\d{4}`,
  // "Mon Jan 02, 1999", "Jan 02, 1999"
  `(?:${WEEKDAY}\\s)?${MONTH}\\s[0-3]\\d,\\s\\d{2,4}`,
  // RFC 3339 / ISO 8601 date-times, with fractions and zones
  `\\d{4}-[01]\\d-[0-3]\\d[T ][0-2]\\d:[0-5]\\d(?::[0-5]\\d(?:[.,]\\d+)?)?(?:Z|[+-][0-2]\\d:?[0-5]\\d)?`,
  // ISO dates alone
  `\\d{4}-[01]\\d-[0-3]\\d`,
  // times of day ("15:04:05.123", "3:04 PM")
  `\\b\\d{1,2}:[0-5]\\d(?::[0-5]\\d(?:\\.\\d+)?)?(?:\\s?[aApP][mM]\\b)?`,
].join('|');

/**
 * Placeholder name → pattern, in priority order. Word boundaries keep digits
 * inside identifiers ("s3", "utf8") untouched, as in Sentry.
 */
const PATTERNS: ReadonlyArray<readonly [string, string]> = [
  ['email', "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*"],
  ['url', '\\b(?:wss?|https?|ftp)://[^\\s/$.?#][^\\s]*'],
  ['uuid', '\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b'],
  // sha512, sha256, sha1, md5
  ['hash', '\\b(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{64}|[0-9a-fA-F]{40}|[0-9a-fA-F]{32})\\b'],
  ['ip', `(?<![\\w:.])(?:${IPV6})(?![\\w:])|\\b${IPV4}\\b`],
  ['date', DATE],
  ['hex', '\\b0[xX][0-9a-fA-F]+\\b'],
  ['float', '-?\\b\\d+\\.\\d+\\b'],
  ['int', '-?\\b\\d+\\b'],
];

const NAMES = PATTERNS.map(([name]) => name);
const COMBINED = new RegExp(PATTERNS.map(([name, pattern]) => `(?<${name}>${pattern})`).join('|'), 'g');

function placeholder(...args: unknown[]): string {
  // The last argument of a replacer is the named-groups object.
  const groups = args[args.length - 1] as Record<string, string | undefined>;
  for (const name of NAMES) {
    if (groups[name] !== undefined) return `<${name}>`;
  }
  return String(args[0]);
}

/** Replace variable values in `text` with `<email>`, `<url>`, `<uuid>`, `<hash>`, `<ip>`, `<date>`, `<hex>`, `<float>` and `<int>`. */
export function parameterize(text: string): string {
  return text.replace(COMBINED, placeholder);
}

/**
 * A message as it enters a grouping hash: its first two non-empty lines
 * (with "..." when something was cut, as Sentry does), bounded in length,
 * then parameterized.
 */
export function normalizeMessageForGrouping(message: string): string {
  const lines: string[] = [];
  let start = 0;
  while (lines.length < GROUPING_MESSAGE_LINES && start <= message.length) {
    let end = message.indexOf('\n', start);
    if (end === -1) end = message.length;
    const line = message.slice(start, end).replace(/\r$/, '');
    if (line.trim() !== '') lines.push(line);
    start = end + 1;
  }
  let trimmed = lines.join('\n');
  if (trimmed.length > GROUPING_MESSAGE_MAX_CHARS) trimmed = trimmed.slice(0, GROUPING_MESSAGE_MAX_CHARS);
  if (trimmed !== message) trimmed += '...';
  return parameterize(trimmed);
}
