/**
 * Answers of the issue store that the grouping step acts on. They are not
 * FerretErrors: they never reach an HTTP client.
 */

/** The issue was merged into another; apply to the survivor instead. */
export class IssueMergedError extends Error {
  constructor(
    readonly issueId: string,
    readonly survivorId: string,
  ) {
    super(`issue ${issueId} was merged into ${survivorId}`);
    this.name = 'IssueMergedError';
  }
}

/**
 * A recovering writer gave this token up (its claims were taken over): the
 * batch must not apply, and its messages are retried.
 */
export class TokenFencedError extends Error {
  constructor(readonly token: string) {
    super(`token ${token} was fenced by a recovering writer`);
    this.name = 'TokenFencedError';
  }
}

/** Another writer holds a claim this batch needs; retry the messages later. */
export class ClaimBusyError extends Error {
  constructor(what: string) {
    super(`${what} is held by another writer`);
    this.name = 'ClaimBusyError';
  }
}
