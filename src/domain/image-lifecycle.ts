import type { ImageStatus, VisibleStatus } from '../contract';

/**
 * The one place that says how an image record may move between states, which states hold a share
 * of the owner's quota, and how a stored state reads. The DynamoDB adapter turns it into condition
 * and update expressions and the in-memory fake checks it directly, so both refuse exactly the same
 * writes and count exactly the same usage.
 *
 *   PENDING ──▶ DONE | REJECTED | FAILED    the upload URL was issued, then the processor decided
 *   FAILED  ──▶ DONE | REJECTED | FAILED    a dead-lettered upload retried (or marked again)
 *   PENDING ──▶ EXPIRED                     no upload came before its deadline (reclaimed at POST /uploads)
 *   any but DELETED ──▶ DELETED             DELETE /images/{id}; the record is removed once its objects are
 *
 * There is no move from "no record": only a record reserved by POST /uploads can be finished, so
 * an event that arrives after a delete (or for an object nobody reserved) brings nothing back.
 * DONE, REJECTED, EXPIRED and DELETED are final for the processor.
 */
const NEXT: Readonly<Record<ImageStatus, readonly ImageStatus[]>> = {
  PENDING: ['DONE', 'REJECTED', 'FAILED', 'EXPIRED', 'DELETED'],
  FAILED: ['DONE', 'REJECTED', 'FAILED', 'DELETED'],
  DONE: ['DELETED'],
  REJECTED: ['DELETED'],
  EXPIRED: ['DELETED'],
  DELETED: [],
};

/** What the processor and the dead-letter handler may write. */
const PROCESSING_OUTCOMES: readonly ImageStatus[] = ['DONE', 'REJECTED', 'FAILED'];

/** Whether a record in state `from` may be written as `to`. A missing record may never be written. */
export function canMove(from: ImageStatus | undefined, to: ImageStatus): boolean {
  return from !== undefined && NEXT[from].includes(to);
}

/** The states a record must be in for a write of `to` to succeed (it must exist). */
export function predecessorsOf(to: ImageStatus): { readonly statuses: readonly ImageStatus[] } {
  return { statuses: (Object.keys(NEXT) as ImageStatus[]).filter((from) => NEXT[from].includes(to)) };
}

/** No processing move leads out of this state, so the processor has nothing left to do for it. */
export const isFinal = (status: ImageStatus): boolean => !PROCESSING_OUTCOMES.some((to) => canMove(status, to));

// Quotas (README "Quotas"). A reserved, stored or failed image counts against its owner's images and
// bytes (its declared size); a rejected, expired or deleted one does not. PENDING also holds one of
// the owner's pending reservations.
const HOLDS_QUOTA: ReadonlySet<ImageStatus> = new Set(['PENDING', 'DONE', 'FAILED']);

export const holdsQuota = (status: ImageStatus): boolean => HOLDS_QUOTA.has(status);

/** How the owner's usage changes when a record moves from `from` to `to`. */
export interface UsageChange {
  /** -1, 0 or +1 image; the bytes follow with the image's declared size. */
  readonly images: number;
  /** The move ends the image's pending reservation. */
  readonly endsReservation: boolean;
}

export function usageChange(from: ImageStatus, to: ImageStatus): UsageChange {
  return {
    images: Number(holdsQuota(to)) - Number(holdsQuota(from)),
    endsReservation: from === 'PENDING' && to !== 'PENDING',
  };
}

/** Whether a usage change touches the usage item at all. */
export const changesUsage = (change: UsageChange): boolean => change.images !== 0 || change.endsReservation;

// Expiry. A PENDING record carries its deadline (epoch seconds) in its TTL attribute; past it, the
// upload URL has long expired and no upload came, so the record reads as EXPIRED even before it is
// reclaimed (DynamoDB Local never runs TTL, and DynamoDB's own may take days).

/** A record's state as the API shows it at `nowMs`; `undefined` for a deleted image. */
export function visibleStatus(record: { readonly status: ImageStatus; readonly expiresAt?: number }, nowMs: number): VisibleStatus | undefined {
  if (record.status === 'DELETED') return undefined;
  if (record.status === 'PENDING' && isPastDeadline(record.expiresAt, nowMs)) return 'EXPIRED';
  return record.status;
}

export const isPastDeadline = (expiresAtSeconds: number | undefined, nowMs: number): boolean =>
  expiresAtSeconds !== undefined && expiresAtSeconds * 1000 <= nowMs;

/**
 * The stored states that read as `visible`: a stored status, and for PENDING whether its deadline
 * has passed (`true`), has not (`false`), or does not matter (`undefined`). Listing by status filters on this.
 */
export function storedStatesShownAs(visible: VisibleStatus): readonly { readonly status: ImageStatus; readonly pastDeadline?: boolean }[] {
  if (visible === 'PENDING') return [{ status: 'PENDING', pastDeadline: false }];
  if (visible === 'EXPIRED') return [{ status: 'EXPIRED' }, { status: 'PENDING', pastDeadline: true }];
  return [{ status: visible }];
}
