import { readFileSync } from 'node:fs';
import type { Issue, Level, NormalizedEvent, Project } from '#shared/model.ts';
import type { AlertRule } from '#shared/alerts/rules.ts';
import type { AlertEmailInput } from '#shared/alerts/email.ts';
import { PROTOCOL_DIR } from '../../helpers/protocol.ts';

const CAPTURES = `${PROTOCOL_DIR}/captures/sentry-python/decoded`;

/** JSON nulls become absent fields, as normalization leaves them. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, dropNulls(v)]));
  }
  return value;
}

/**
 * A sentry-python capture adapted to the normalized shape by hand (the
 * normalizer is tested on its own): timestamps as epoch seconds, tags as pairs.
 * 0001: logging.exception (foo → ZeroDivisionError), 0002: capture_exception
 * (divide → ZeroDivisionError), 0003: capture_message.
 */
export function pythonEvent(n: 1 | 2 | 3): NormalizedEvent {
  const raw = dropNulls(JSON.parse(readFileSync(`${CAPTURES}/000${n}-POST.body.json`, 'utf8'))) as Record<string, unknown>;
  const timestamp = Date.parse(String(raw.timestamp)) / 1000;
  const tags = raw.tags !== undefined && typeof raw.tags === 'object' ? Object.entries(raw.tags as Record<string, string>) : [];
  return { ...raw, timestamp, received: timestamp + 0.2, level: (raw.level as Level | undefined) ?? 'error', platform: String(raw.platform), tags } as NormalizedEvent;
}

export function project(overrides: Partial<Project> = {}): Project {
  return {
    id: '42',
    slug: 'backend',
    name: 'Backend',
    orgSlug: 'acme',
    platform: 'python',
    dateCreated: '2026-01-01T00:00:00.000Z',
    shortIdPrefix: 'BACKEND',
    retentionDays: 90,
    rateLimitPerMinute: 0,
    storeIp: false,
    sensitiveFields: [],
    safeFields: [],
    ...overrides,
  };
}

export function issue(overrides: Partial<Issue> = {}): Issue {
  return {
    id: '1046',
    projectId: '42',
    shortId: 'BACKEND-1A',
    title: 'ZeroDivisionError: division by zero',
    culprit: '__main__ in divide',
    metadata: { type: 'ZeroDivisionError', value: 'division by zero' },
    type: 'error',
    level: 'error',
    platform: 'python',
    status: 'unresolved',
    firstSeen: '2026-11-24T21:05:58.138Z',
    lastSeen: '2026-11-24T22:10:01.500Z',
    count: 128,
    userCount: 7,
    hashes: ['a'.repeat(32)],
    ...overrides,
  };
}

export function rule(overrides: Partial<AlertRule> = {}): AlertRule {
  return {
    id: 'r-7',
    projectId: '42',
    name: 'Errors in production',
    actionMatch: 'any',
    conditions: [{ id: 'first_seen' }],
    filters: [],
    actions: [{ id: 'email', targetType: 'members' }],
    frequencyMinutes: 30,
    enabled: true,
    dateCreated: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function emailInput(overrides: Partial<AlertEmailInput> = {}): AlertEmailInput {
  return {
    reason: 'new',
    issue: issue(),
    event: pythonEvent(2),
    project: project(),
    rule: rule(),
    mergedCount: 0,
    portalUrl: 'https://ferret.example.com',
    ...overrides,
  };
}
