import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderAlertEmail } from '#shared/alerts/email.ts';
import type { NormalizedEvent } from '#shared/model.ts';
import { emailInput } from './fixtures.ts';
import { PROTOCOL_DIR } from '../../helpers/protocol.ts';

const SAMPLES = `${PROTOCOL_DIR}/sentry-samples`;

/** Only what the renderer's types insist on; everything else stays as Sentry wrote it. */
function asEvent(raw: Record<string, unknown>): NormalizedEvent {
  const tags = Array.isArray(raw.tags) ? raw.tags : raw.tags !== null && typeof raw.tags === 'object' ? Object.entries(raw.tags) : [];
  return { ...raw, tags, level: raw.level ?? 'error', platform: raw.platform ?? 'other', timestamp: 0, received: 0 } as NormalizedEvent;
}

function crashFrameFunction(raw: Record<string, unknown>): string | undefined {
  const values = (raw.exception as { values?: Array<{ stacktrace?: { frames?: Array<{ function?: unknown; in_app?: unknown }> } }> } | undefined)?.values;
  const frames = values?.at(-1)?.stacktrace?.frames ?? [];
  const inApp = frames.filter((f) => f.in_app === true);
  const top = (inApp.length > 0 ? inApp : frames).at(-1);
  return typeof top?.function === 'string' ? top.function : undefined;
}

describe('alert email for Sentry’s sample events of every platform', () => {
  const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json'));

  it('finds the samples', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files)('renders %s with its crashing frame first', (file) => {
    const raw = JSON.parse(readFileSync(`${SAMPLES}/${file}`, 'utf8')) as Record<string, unknown>;
    const { subject, html, text } = renderAlertEmail(emailInput({ event: asEvent(raw) }));
    expect(subject).toMatch(/^\[Ferret\] BACKEND-1A /);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script/i);
    const fn = crashFrameFunction(raw);
    if (fn !== undefined) {
      const lines = text.split('\n');
      const header = lines.findIndex((l) => l.endsWith('(most recent call first)'));
      expect(lines[header + 2]?.startsWith(`  ${fn} in `)).toBe(true);
    }
  });
});
