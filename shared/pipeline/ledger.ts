/**
 * Exactly-once counting under at-least-once delivery, without transactions
 * (dynalite has no TransactWriteItems, and a transaction costs double anyway).
 *
 * Every (batch, issue) update gets a token (`token.ts`). The steps, each one
 * write, in this order:
 *   1. note the events: the first 100 events of an issue per hour (the stored
 *      sample) are each claimed with the token — a conditional put of the event
 *      with its body; the other events of a first delivery are listed together,
 *      ids only, in one COUNTED record of (issue, token) (`recordCounted`),
 *      unless a read finds a claim of theirs (a stored event sent again by an
 *      SDK: it takes the claim path); those of a redelivery are checked against
 *      the records, then claimed (below); each new user is claimed too;
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
 * Counted-only events of a first delivery write no claim. An event is a first
 * delivery when its SQS message's receive count is 1: that message was never
 * handed to the grouping step before, so nothing can have counted its events,
 * and there is nothing to check. The COUNTED record is written before the
 * counting write, so a token that applied always has its record: the record's
 * events are counted exactly when its token applied. A redelivered event
 * (receive count above 1), sampled or counted-only, may have been counted by an
 * earlier delivery on either path — the hour's stored count, or the hour, may
 * have changed between the deliveries. It is looked up in the issue's COUNTED
 * records minted since its message was sent (less a margin for clock skew
 * between SQS and the grouping function; a record lives the queue's
 * retention from its mint, which follows the send): a record whose token
 * settles finished or pending has counted it (pending: its follow-ups are
 * adopted, as for claims); a void token never applied and now never will.
 * Events no applied record holds take the claim path, a small claim when
 * counted-only, which also catches an earlier delivery that took the sampled
 * path.
 *
 * Why a first delivery needs no check, on Lambda: the only way an earlier
 * delivery of the same message could still be running is a redelivery that
 * starts while the first invocation has not ended — and the queue's visibility
 * timeout is 6 × the grouping function's timeout (`QUEUE` in `infra.ts`), so the
 * message stays hidden until Lambda has ended that invocation. The redelivery
 * then sees every write the first delivery made (strongly consistent reads).
 * (The local event source mapping keeps that order where tests shorten the
 * visibility timeout to seconds: a message that comes back while an
 * invocation still handles it waits for that invocation, `cdk/local/poller.ts`.)
 *
 * Two accepted limits, where the count may be one too high and never too low:
 * SQS's rare duplicate delivery of a message that never failed (two first
 * deliveries of one message, both with receive count 1), and an SDK resending
 * a counted-only event in a new message (a new message is a first delivery,
 * and a counted-only event left no claim to find). Stored events stay
 * exactly-once: a first delivery past the sample reads the claims of its
 * events (strongly consistent, no write), and one that finds its claim takes
 * the claim path — unless it races its original's claim write.
 *
 * Costs: one claim write per event of the stored sample (the event store write
 * it replaces); for the rest, one read unit each (the claim check, a fifth of a
 * write's price) and one COUNTED record per issue per batch (about 1 KB for 100
 * events: 8 bytes an event); two writes per issue per batch (the counting
 * write, the APPLY# record); a redelivery adds one strongly consistent query.
 * The fence voids every token minted before it on that issue, so a healthy
 * concurrent batch may be retried once; fences are raised only for claims or
 * records whose owner failed or raced on one event id.
 */
import type { CountedRecord, EventStore, IssueStore, TokenFate } from '../ports.ts';
import { ClaimBusyError } from './errors.ts';

/** Ours: at most this many events of an issue per hour are stored in full; the rest are counted. */
export const EVENTS_STORED_PER_HOUR = 100;

/**
 * How long before its message was sent an earlier delivery's token may look minted: the token
 * is minted after the receive, by the grouping function's clock, the send time is SQS's clock.
 */
export const COUNTED_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * An event's key in COUNTED records: the first 16 hex digits (64 bits) of its id, which the
 * normalizer makes 32 lowercase hex digits. Two events of one issue sharing a key within the
 * records one redelivery reads is a chance of about n²/2⁶⁵.
 */
export function countedKey(eventId: string): string {
  return eventId.slice(0, 16);
}

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

  /**
   * Of `keys` (redelivered events' `countedKey`s), those an earlier delivery counted through a
   * COUNTED record: its token finished, or applied with follow-ups pending (adopted here). A void
   * token never applied and never will: its events are not counted by it.
   */
  async countedBefore(records: readonly CountedRecord[], keys: ReadonlySet<string>): Promise<Set<string>> {
    const holding = records.filter((r) => r.token !== this.token && r.ids.some((k) => keys.has(k)));
    const fates = await Promise.all(holding.map((r) => this.settle(r.issueId, r.token)));
    const counted = new Set<string>();
    holding.forEach((r, i) => {
      const fate = fates[i]!;
      if (fate.fate === 'void') return;
      if (fate.fate === 'pending') this.adopted.set(r.token, fate);
      for (const k of r.ids) if (keys.has(k)) counted.add(k);
    });
    return counted;
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
