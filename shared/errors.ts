/**
 * Typed errors, one base per area, each mapped to HTTP in exactly one place
 * (`functions/lib/http.ts`). `expose` is true only below 500: a client sees the
 * detail of its own mistakes, never of ours.
 */
export abstract class FerretError extends Error {
  abstract readonly status: number;
  get expose(): boolean {
    return this.status < 500;
  }
  /** Extra response headers (e.g. `Retry-After`). */
  headers(): Record<string, string> {
    return {};
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Anything wrong with what an SDK sent to a DSN route. */
export class ProtocolError extends FerretError {
  readonly status: number = 400;
}
export class AuthMissingError extends ProtocolError {
  override readonly status = 401;
}
export class AuthForbiddenError extends ProtocolError {
  override readonly status = 403;
}
export class ProjectNotFoundError extends ProtocolError {
  override readonly status = 404;
}
export class PayloadTooLargeError extends ProtocolError {
  override readonly status = 413;
}
export class UnsupportedMediaError extends ProtocolError {
  override readonly status = 415;
}
export class RateLimitedError extends ProtocolError {
  override readonly status = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly categories: readonly string[] = [],
    readonly scope: 'project' | 'key' | 'organization' = 'project',
    /** Relay's optional fourth field, e.g. `project_quota`. */
    readonly reasonCode?: string,
  ) {
    super(message);
  }
  /** `<seconds>:<categories>:<scope>[:<reason_code>]`, Relay's `X-Sentry-Rate-Limits` format. */
  override headers(): Record<string, string> {
    const fields = [String(this.retryAfterSeconds), this.categories.join(';'), this.scope];
    if (this.reasonCode) fields.push(this.reasonCode);
    return { 'retry-after': String(this.retryAfterSeconds), 'x-sentry-rate-limits': fields.join(':') };
  }
}

/** Anything wrong with a call to the portal API. */
export class ApiError extends FerretError {
  readonly status: number = 400;
}
export class ValidationError extends ApiError {}
export class UnauthorizedError extends ApiError {
  override readonly status = 401;
}
export class ForbiddenError extends ApiError {
  override readonly status = 403;
}
export class NotFoundError extends ApiError {
  override readonly status = 404;
}
export class ConflictError extends ApiError {
  override readonly status = 409;
}

/** A configuration mistake: fails loudly at module load. */
export class ConfigError extends FerretError {
  readonly status = 500;
}
