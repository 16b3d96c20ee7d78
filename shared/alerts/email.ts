/**
 * The alert email, as HTML and plain text.
 *
 * The HTML follows the habits that survive common mail clients: table layout,
 * inline styles, no scripts or external resources, and explicit foreground and
 * background colours on every block so clients that recolour for dark mode keep
 * contrast (clients that honour `prefers-color-scheme` get a dark palette).
 * Event data is attacker-controlled: every value from it is cleaned
 * (`summary.ts`), defanged so it never becomes a link, and escaped; the only
 * hrefs are Ferret's own portal links.
 */
import { summarizeAlert, type AlertEmailInput, type AlertSummary, type FrameSummary } from './summary.ts';
import { defang, escapeHtml } from './text.ts';

export type { AlertEmailInput } from './summary.ts';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const MONO = "ui-monospace,SFMono-Regular,Menlo,Consolas,'Liberation Mono',monospace";
const C = {
  page: '#f4f4f5',
  card: '#ffffff',
  text: '#18181b',
  muted: '#52525b',
  border: '#e4e4e7',
  code: '#f4f4f5',
  highlight: '#fde68a',
  link: '#4338ca',
  button: '#4338ca',
  buttonText: '#ffffff',
} as const;
const BADGE: Record<AlertSummary['reason'], string> = {
  new: '#b91c1c',
  regression: '#c2410c',
  reappeared: '#a16207',
  frequency: '#7e22ce',
};

/** Event-derived text → HTML: never a link, always escaped. */
const ev = (value: string): string => escapeHtml(defang(value));

/** Indentation must survive clients that ignore `white-space: pre`. */
const code = (value: string): string => ev(value).replace(/^ +/, (s) => '&nbsp;'.repeat(s.length)).replace(/ {2}/g, ' &nbsp;');

const DARK_CSS = `
:root { color-scheme: light dark; supported-color-schemes: light dark; }
@media (prefers-color-scheme: dark) {
  .fx-page { background-color: #09090b !important; }
  .fx-card { background-color: #18181b !important; border-color: #3f3f46 !important; }
  .fx-text { color: #f4f4f5 !important; }
  .fx-muted { color: #a1a1aa !important; }
  .fx-code { background-color: #27272a !important; color: #f4f4f5 !important; }
  .fx-hl { background-color: #713f12 !important; color: #fef9c3 !important; }
  .fx-link { color: #a5b4fc !important; }
}`;

function detailRow(label: string, valueHtml: string): string {
  return `<tr>
<td class="fx-muted" style="padding:3px 12px 3px 0;color:${C.muted};font-size:13px;white-space:nowrap;vertical-align:top;">${label}</td>
<td class="fx-text" style="padding:3px 0;color:${C.text};font-size:13px;word-break:break-word;">${valueHtml}</td>
</tr>`;
}

function section(title: string, bodyHtml: string): string {
  return `<tr><td class="fx-text" style="padding:20px 24px 0 24px;color:${C.text};">
<div class="fx-muted" style="color:${C.muted};font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:0.05em;margin:0 0 8px 0;">${title}</div>
${bodyHtml}
</td></tr>`;
}

function frameHtml(frame: FrameSummary): string {
  const where = `<span style="font-family:${MONO};font-weight:600;">${ev(frame.function)}</span> in <span style="font-family:${MONO};">${ev(frame.location)}</span>${
    frame.lineno === undefined ? '' : ` at line ${frame.lineno}`
  }${frame.inApp ? '' : ' <span class="fx-muted" style="color:' + C.muted + ';">(library)</span>'}`;
  const lines = frame.lines
    .map((l) => {
      const bg = l.current ? C.highlight : C.code;
      const cls = l.current ? 'fx-hl' : 'fx-code';
      const weight = l.current ? 'font-weight:600;' : '';
      return `<tr>
<td class="${cls}" style="background-color:${bg};color:${C.muted};padding:1px 8px;text-align:right;font-family:${MONO};font-size:12px;white-space:nowrap;vertical-align:top;">${l.lineno ?? ''}</td>
<td class="${cls}" style="background-color:${bg};color:${C.text};padding:1px 8px;font-family:${MONO};font-size:12px;white-space:pre-wrap;word-break:break-all;${weight}">${code(l.code) || '&nbsp;'}</td>
</tr>`;
    })
    .join('\n');
  const codeTable = lines === ''
    ? ''
    : `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" class="fx-code" style="background-color:${C.code};border:1px solid ${C.border};border-radius:4px;margin:6px 0 0 0;border-collapse:separate;">${lines}</table>`;
  const vars = frame.vars.length === 0
    ? ''
    : `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:6px 0 0 0;">${frame.vars
        .map(([k, v]) => `<tr>
<td class="fx-muted" style="color:${C.muted};padding:1px 10px 1px 0;font-family:${MONO};font-size:12px;vertical-align:top;white-space:nowrap;">${ev(k)}</td>
<td class="fx-text" style="color:${C.text};padding:1px 0;font-family:${MONO};font-size:12px;word-break:break-all;">${ev(v)}</td>
</tr>`)
        .join('\n')}</table>`;
  return `<div style="margin:0 0 14px 0;font-size:13px;" class="fx-text">${where}${codeTable}${vars}</div>`;
}

function renderHtml(s: AlertSummary): string {
  const badge = `<span style="display:inline-block;background-color:${BADGE[s.reason]};color:#ffffff;font-size:12px;font-weight:600;padding:3px 8px;border-radius:3px;">${escapeHtml(s.headline)}</span>`;
  const explanation = s.mergedText === undefined
    ? escapeHtml(s.explanation)
    : `${escapeHtml(s.explanation.replace(/\.$/, ''))}, <strong class="fx-text" style="color:${C.text};">${escapeHtml(s.mergedText)}</strong>.`;
  const details = [
    detailRow('Project', ev(s.projectName)),
    s.environment === undefined ? '' : detailRow('Environment', ev(s.environment)),
    s.release === undefined ? '' : detailRow('Release', ev(s.release)),
    detailRow('Level', ev(s.level)),
    s.culprit === '' ? '' : detailRow('Culprit', `<span style="font-family:${MONO};">${ev(s.culprit)}</span>`),
    s.request === undefined ? '' : detailRow('Request', ev(s.request)),
    detailRow('First seen', ev(s.firstSeen)),
    detailRow('Last seen', ev(s.lastSeen)),
    detailRow('Events', String(s.count)),
    detailRow('Users', String(s.userCount)),
  ].join('');

  let problem = '';
  if (s.exceptionType !== undefined || s.exceptionValue !== undefined) {
    const type = s.exceptionType === undefined ? '' : `<span style="font-weight:600;">${ev(s.exceptionType)}</span>`;
    const sep = s.exceptionType !== undefined && s.exceptionValue !== undefined ? ': ' : '';
    problem = section('Exception', `<div style="font-family:${MONO};font-size:13px;word-break:break-word;">${type}${sep}${ev(s.exceptionValue ?? '')}</div>`);
  } else if (s.message !== undefined) {
    problem = section('Message', `<div style="font-family:${MONO};font-size:13px;word-break:break-word;">${ev(s.message)}</div>`);
  }
  const frames = s.frames.length === 0
    ? ''
    : section(s.framesIncludeLibraries ? 'Stack trace (most recent call first)' : 'In-app frames (most recent call first)', s.frames.map(frameHtml).join('\n'));
  const tags = s.tags.length === 0
    ? ''
    : section('Tags', `<table role="presentation" cellpadding="0" cellspacing="0" border="0">${s.tags.map(([k, v]) => detailRow(ev(k), ev(v))).join('')}</table>`);

  const issueHref = escapeHtml(s.issueUrl);
  const ruleHref = escapeHtml(s.ruleUrl);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${ev(s.subject)}</title>
<style>${DARK_CSS}</style>
</head>
<body class="fx-page" style="margin:0;padding:0;background-color:${C.page};color:${C.text};font-family:${FONT};">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${escapeHtml(s.explanation)} ${ev(s.title)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" class="fx-page" style="background-color:${C.page};">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" class="fx-card" style="width:100%;max-width:640px;background-color:${C.card};border:1px solid ${C.border};border-radius:6px;">
<tr><td class="fx-text" style="padding:24px 24px 0 24px;color:${C.text};">
${badge}
<h1 class="fx-text" style="margin:12px 0 4px 0;font-size:18px;line-height:1.35;color:${C.text};word-break:break-word;"><span class="fx-muted" style="color:${C.muted};font-weight:400;">${ev(s.shortId)}</span> ${ev(s.title)}</h1>
<p class="fx-muted" style="margin:0;font-size:14px;color:${C.muted};">${explanation}</p>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:16px 0 0 0;"><tr><td style="background-color:${C.button};border-radius:4px;">
<a href="${issueHref}" style="display:inline-block;padding:10px 18px;color:${C.buttonText};background-color:${C.button};font-size:14px;font-weight:600;text-decoration:none;border-radius:4px;">View issue ${ev(s.shortId)}</a>
</td></tr></table>
</td></tr>
${section('Details', `<table role="presentation" cellpadding="0" cellspacing="0" border="0">${details}</table>`)}
${problem}
${frames}
${tags}
<tr><td class="fx-muted" style="padding:20px 24px 24px 24px;color:${C.muted};font-size:12px;border-top:1px solid ${C.border};">
<p style="margin:16px 0 0 0;">You receive this because of the alert rule “${ev(s.ruleName)}”. <a class="fx-link" href="${ruleHref}" style="color:${C.link};">Change the rule</a> · <a class="fx-link" href="${issueHref}" style="color:${C.link};">Open the issue</a></p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

function renderText(s: AlertSummary): string {
  const out: string[] = [];
  const t = defang;
  out.push(`${s.headline}: ${t(s.shortId)} ${t(s.title)}`);
  out.push(s.mergedText === undefined ? s.explanation : `${s.explanation.replace(/\.$/, '')}, ${s.mergedText}.`);
  out.push('', `View the issue: ${s.issueUrl}`, '');
  const row = (label: string, value: string) => out.push(`${(label + ':').padEnd(13)}${value}`);
  row('Project', t(s.projectName));
  if (s.environment !== undefined) row('Environment', t(s.environment));
  if (s.release !== undefined) row('Release', t(s.release));
  row('Level', t(s.level));
  if (s.culprit !== '') row('Culprit', t(s.culprit));
  if (s.request !== undefined) row('Request', t(s.request));
  row('First seen', s.firstSeen);
  row('Last seen', s.lastSeen);
  row('Events', String(s.count));
  row('Users', String(s.userCount));

  if (s.exceptionType !== undefined || s.exceptionValue !== undefined) {
    const text = [s.exceptionType, s.exceptionValue].filter((x) => x !== undefined).join(': ');
    out.push('', 'Exception', `  ${t(text)}`);
  } else if (s.message !== undefined) {
    out.push('', 'Message', `  ${t(s.message)}`);
  }
  if (s.frames.length > 0) {
    out.push('', s.framesIncludeLibraries ? 'Stack trace (most recent call first)' : 'In-app frames (most recent call first)');
    const width = Math.max(1, ...s.frames.flatMap((f) => f.lines.map((l) => String(l.lineno ?? '').length)));
    for (const f of s.frames) {
      out.push('', `  ${t(f.function)} in ${t(f.location)}${f.lineno === undefined ? '' : ` at line ${f.lineno}`}${f.inApp ? '' : ' (library)'}`);
      for (const l of f.lines) out.push(`  ${l.current ? '>' : ' '} ${String(l.lineno ?? '').padStart(width)} | ${t(l.code)}`);
      if (f.vars.length > 0) {
        out.push('    Local variables:');
        for (const [k, v] of f.vars) out.push(`      ${t(k)} = ${t(v)}`);
      }
    }
  }
  if (s.tags.length > 0) {
    out.push('', 'Tags');
    for (const [k, v] of s.tags) out.push(`  ${t(k)} = ${t(v)}`);
  }
  out.push('', '--', `You receive this because of the alert rule "${t(s.ruleName)}".`, `Change the rule: ${s.ruleUrl}`);
  return out.join('\n') + '\n';
}

/**
 * Render the alert email for one issue: subject like
 * `[Ferret] BACKEND-1A ZeroDivisionError: division by zero`, an HTML body and
 * its plain-text alternative.
 */
export function renderAlertEmail(input: AlertEmailInput): RenderedEmail {
  const summary = summarizeAlert(input);
  return { subject: summary.subject, html: renderHtml(summary), text: renderText(summary) };
}
