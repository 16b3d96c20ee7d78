/**
 * Checks of portal API bodies and queries. Each failure is a ValidationError
 * (400) whose detail names the field and what it must be, as Sentry's API
 * answers `{"detail": "email: …"}`. Hand-written: the shapes are few and flat,
 * and the messages are the product.
 */
import { ValidationError } from '../errors.ts';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** RFC 5321 path limit. */
const MAX_EMAIL_CHARS = 254;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
export const SLUG = /^[a-z0-9][a-z0-9_-]{0,49}$/;

export type Body = Record<string, unknown>;

/** The JSON body as an object; `required` refuses an absent body. */
export function objectBody(body: unknown, required = true): Body {
  if (body === undefined || body === null) {
    if (required) throw new ValidationError('body: a JSON object is required');
    return {};
  }
  if (typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('body: must be a JSON object');
  return body as Body;
}

/** A nested object field; absent gives `{}`. */
export function objectField(b: Body, field: string): Body {
  const v = b[field];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ValidationError(`${field}: must be a JSON object`);
  return v as Body;
}

export function text(b: Body, field: string, opts: { max: number; required?: boolean; pattern?: RegExp; patternHint?: string }): string | undefined {
  const v = b[field];
  if (v === undefined || v === null) {
    if (opts.required) throw new ValidationError(`${field}: is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new ValidationError(`${field}: must be a string`);
  const t = v.trim();
  if (opts.required && t === '') throw new ValidationError(`${field}: must not be empty`);
  if (t.length > opts.max) throw new ValidationError(`${field}: must be at most ${opts.max} characters`);
  if (CONTROL.test(t)) throw new ValidationError(`${field}: must not contain control characters`);
  if (opts.pattern && t !== '' && !opts.pattern.test(t)) throw new ValidationError(`${field}: ${opts.patternHint ?? 'has an invalid format'}`);
  return t;
}

export function email(b: Body, field = 'email'): string {
  const v = text(b, field, { max: MAX_EMAIL_CHARS, required: true })!;
  if (!EMAIL.test(v)) throw new ValidationError(`${field}: "${v.slice(0, 60)}" is not an email address`);
  return v.toLowerCase();
}

export function oneOf<T extends string>(b: Body, field: string, choices: readonly T[]): T | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !choices.includes(v as T)) throw new ValidationError(`${field}: must be one of ${choices.join(', ')}`);
  return v as T;
}

export function stringList(b: Body, field: string, opts: { max: number; itemPattern?: RegExp; choices?: readonly string[] }): string[] | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new ValidationError(`${field}: must be an array of strings`);
  if (v.length > opts.max) throw new ValidationError(`${field}: at most ${opts.max} items`);
  v.forEach((item, i) => {
    if (typeof item !== 'string') throw new ValidationError(`${field}[${i}]: must be a string`);
    if (opts.itemPattern && !opts.itemPattern.test(item)) throw new ValidationError(`${field}[${i}]: "${item.slice(0, 60)}" is not a valid value`);
    if (opts.choices && !opts.choices.includes(item)) throw new ValidationError(`${field}[${i}]: "${item.slice(0, 60)}" is not one of ${opts.choices.join(', ')}`);
  });
  return [...new Set(v as string[])];
}

export function isoDate(b: Body, field: string): string | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > 40 || Number.isNaN(Date.parse(v))) throw new ValidationError(`${field}: must be an ISO 8601 date`);
  return new Date(v).toISOString();
}

export function bool(b: Body, field: string): boolean | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ValidationError(`${field}: must be true or false`);
  return v;
}

/** A whole number from a query parameter, within bounds; absent gives the default. */
export function queryInt(query: Record<string, string>, field: string, opts: { min: number; max: number; fallback: number }): number {
  const v = query[field];
  if (v === undefined || v === '') return opts.fallback;
  if (!/^\d+$/.test(v)) throw new ValidationError(`${field}: must be a whole number`);
  const n = Number(v);
  if (n < opts.min || n > opts.max) throw new ValidationError(`${field}: must be between ${opts.min} and ${opts.max}`);
  return n;
}
