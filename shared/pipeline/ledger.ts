/**
 * Exactly-once counting under at-least-once delivery, without transactions
 * (dynalite has no TransactWriteItems, and a transaction costs double anyway).
 *
 * Every (batch, issue) update gets a token (`token.ts`). The steps, each one
 * write, in this order:
 *   1. claim each event id (and each new user) with the token — a conditional
 *      put; the first 100 events of an issue per hour carry their body, the rest
 *      are small claims that only deduplicate;
 *   2. the counting write on the issue: counts, hour bucket, status change, and
 *      `applied[token] = {kind, count}` — one write per issue per batch, refused
 *      if the token is already applied, or fenced (below), or the issue merged;
 *   3. follow-ups (alerts), then `finishToken`: an APPLY#token record; the
 *      token leaves the issue item with the issue's next counting write, which
 *      keeps the item small without a write of its own.
 *
 * A retry that meets a claim held by another token asks what became of it
 * (`settleToken`): applied and finished → a duplicate; applied but not finished
 * → a duplicate whose follow-ups this batch re-runs (an alert whose send failed
 * is sent now); not applied → the issue's `fence` is raised to the token's mint
 * time, so that token can never apply, and its claims are taken over and
 * counted here. A crash anywhere therefore leaves either counted events or
 * claims that the next delivery takes over: no loss, no double count.
 *
 * Costs: one claim write per event (the event store write it replaces), and
 * two writes per issue per batch (the counting write, the APPLY# record). The fence voids every token minted
 * before it on that issue, so a healthy concurrent batch may be retried once;
 * fences are raised only for claims whose owner failed or raced on one event id.
 */
import type { EventStore, IssueStore, TokenFate } from '../ports.ts';
import { ClaimBusyError } from './errors.ts';

/** Ours: at most this many events of an issue per hour are stored in full; the rest are counted. */
export const EVENTS_STORED_PER_HOUR = 100;

/** One batch's view of other tokens: each is settled at most once per batch. */
export class Ledger {
  private readonly fates = new Map<string, Promise<TokenFate>>();
  /** Applied-but-unfinished tokens met in this batch, whose follow-ups it re-runs. */
  readonly adopted = new Map<string, Extract<TokenFate, { fate: 'pending' }>>();

  constructor(
    private readonly issues: Pick<IssueStore, 'settleToken' | 'claimUser' | 'takeOverUser'>,
    private readonly events: Pick<EventStore, 'claimEvent' | 'takeOverEvent'>,
    readonly token: string,
  ) {}

  settle(issueId: string, token: string): Promise<TokenFate> {
    let fate = this.fates.get(token);
    if (!fate) {
      fate = this.issues.settleToken(issueId, token);
      this.fates.set(token, fate);
      fate.catch(() => this.fates.delete(token));
    }
    return fate;
  }

  /** Whether a claim held by `holder` is counted elsewhere, or becomes this batch's. */
  private async resolve(holder: string | undefined, holderIssue: string, takeOver: () => Promise<boolean>, what: string): Promise<boolean> {
    // Claims written before tokens existed were counted when they were written.
    if (holder === undefined) return false;
    const fate = await this.settle(holderIssue, holder);
    if (fate.fate === 'finished') return false;
    if (fate.fate === 'pending') {
      this.adopted.set(holder, fate);
      return false;
    }
    if (await takeOver()) return true;
    throw new ClaimBusyError(what);
  }

  /** Claims an event for this batch: true when it is to be counted here. */
  async claimEvent(...[stored, expiresAt, full]: [Parameters<EventStore['claimEvent']>[0], number, boolean]): Promise<boolean> {
    const r = await this.events.claimEvent(stored, this.token, expiresAt, full);
    if (r.claimed) return true;
    return this.resolve(r.token, r.issueId || stored.issueId, () => this.events.takeOverEvent(stored.projectId, stored.eventId, r.token!, this.token, stored.issueId), `event ${stored.eventId}`);
  }

  /** Claims a user on an issue: true when the user is new to it and counted here. */
  async claimUser(issueId: string, userKey: string): Promise<boolean> {
    const r = await this.issues.claimUser(issueId, userKey, this.token);
    if (r.claimed) return true;
    return this.resolve(r.token, r.issueId || issueId, () => this.issues.takeOverUser(issueId, userKey, r.token!, this.token), `user ${userKey}`);
  }
}
