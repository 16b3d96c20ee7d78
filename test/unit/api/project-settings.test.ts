import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors.ts';
import { applyKeyUpdate, applyProjectUpdate, parseKeyCreate } from '#shared/api/project-settings.ts';
import type { Project, ProjectKey } from '#shared/model.ts';

const project: Project = {
  id: '7',
  slug: 'web',
  name: 'Web',
  orgSlug: 'ferret',
  platform: 'javascript',
  dateCreated: '2026-01-01T00:00:00.000Z',
  shortIdPrefix: 'WEB',
  retentionDays: 90,
  rateLimitPerMinute: 0,
  storeIp: false,
  sensitiveFields: [],
  safeFields: [],
};

const key: ProjectKey = { publicKey: 'a'.repeat(32), projectId: '7', label: 'Default', isActive: true, dateCreated: '2026-01-01T00:00:00.000Z' };

describe('project settings bodies', () => {
  it('changes only the fields sent, and never the original object', () => {
    const next = applyProjectUpdate(project, { name: '  Storefront ', options: { retentionDays: 30 } });
    expect(next).toEqual({ ...project, name: 'Storefront', retentionDays: 30 });
    expect(project.name).toBe('Web');
    expect(applyProjectUpdate(project, { unknownField: 1 })).toEqual(project);
  });

  it('reads field lists as arrays or as text, one per line or comma, trimmed and once each', () => {
    expect(applyProjectUpdate(project, { sensitiveFields: 'card\n pin ,pin,,' }).sensitiveFields).toEqual(['card', 'pin']);
    expect(applyProjectUpdate(project, { options: { safeFields: [' id ', 'id'] } }).safeFields).toEqual(['id']);
  });

  it("takes Sentry's scrubIPAddresses as the opposite of storeIp, with storeIp winning when both are sent", () => {
    expect(applyProjectUpdate(project, { scrubIPAddresses: false }).storeIp).toBe(true);
    expect(applyProjectUpdate(project, { scrubIPAddresses: false, options: { storeIp: false } }).storeIp).toBe(false);
  });

  it('clears the platform with null or empty, and refuses a platform that is not a name', () => {
    expect(applyProjectUpdate(project, { platform: null }).platform).toBeUndefined();
    expect(applyProjectUpdate(project, { platform: '' }).platform).toBeUndefined();
    expect(() => applyProjectUpdate(project, { platform: '<b>' })).toThrow(/platform/);
  });

  it('lifts a limit in force only when a limit changes', () => {
    const limited = { ...project, limitedUntil: 123 };
    expect(applyProjectUpdate(limited, { name: 'X' }).limitedUntil).toBe(123);
    expect(applyProjectUpdate(limited, { options: { rateLimitPerMinute: 10 } }).limitedUntil).toBeUndefined();
  });

  it('refuses with a ValidationError that names the field', () => {
    for (const [body, field] of [
      [{ options: { retentionDays: 0 } }, 'options.retentionDays'],
      [{ retentionDays: 400 }, 'retentionDays'],
      [{ options: { monthlyQuota: -1 } }, 'options.monthlyQuota'],
      [{ sensitiveFields: Array.from({ length: 201 }, (_, i) => `f${i}`) }, 'sensitiveFields'],
      [{ safeFields: ['x'.repeat(201)] }, 'safeFields'],
      [{ slug: '-lead' }, 'slug'],
      ['text', 'body'],
    ] as const) {
      expect(() => applyProjectUpdate(project, body), JSON.stringify(body)).toThrow(ValidationError);
      expect(() => applyProjectUpdate(project, body)).toThrow(field);
    }
  });
});

describe('client key bodies', () => {
  it('names a new key Default unless told, and refuses an over-long name', () => {
    expect(parseKeyCreate(undefined)).toEqual({ label: 'Default' });
    expect(parseKeyCreate({ name: 'Mobile' })).toEqual({ label: 'Mobile' });
    expect(() => parseKeyCreate({ name: 'x'.repeat(65) })).toThrow(/name/);
  });

  it('renames and disables, keeping the rest', () => {
    expect(applyKeyUpdate(key, { name: 'Worker', isActive: false })).toEqual({ ...key, label: 'Worker', isActive: false });
    expect(() => applyKeyUpdate(key, { isActive: 'no' })).toThrow(/isActive/);
  });
});
