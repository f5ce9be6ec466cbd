import type { ImageStatus, VisibleStatus } from '../contract';
import type { ImageRecord } from './image-record';

/**
 * The one place that says how an image record may move between states, which object a record is
 * bound to, which states hold a share of the owner's quota, and how a stored state reads. The
 * DynamoDB adapter turns it into condition and update expressions and the in-memory fake checks it
 * directly, so both refuse exactly the same writes and count exactly the same usage.
 *
 *   (no record) ──▶ REJECTED                 an object no upload URL was issued for (NOT_RESERVED)
 *   PENDING ──▶ DONE | REJECTED | FAILED     the upload URL was issued, then the processor decided
 *   FAILED  ──▶ DONE | REJECTED | FAILED     a dead-lettered upload retried (or marked again)
 *   PENDING ──▶ EXPIRED                      no upload came before its deadline (reclaimed at POST /uploads)
 *   any but DELETED ──▶ DELETED              DELETE /images/{id}
 *
 * DONE, REJECTED, EXPIRED and DELETED are final for the processor. An object nobody reserved never
 * becomes DONE: it can only be recorded as REJECTED, and only where no record exists.
 *
 * DELETED is a tombstone, not a gap: once the image's objects are removed it is stripped to its
 * owner and key and kept until its TTL (README "Quotas"), which outlives every upload URL
 * (at most an hour). So an upload that still arrives under a deleted image's URL, or an event still
 * in the queue for it, finds the tombstone and brings nothing back, while an object that finds no
 * record at all truly was never reserved.
 *
 * A record is bound to its reservation: only the object it was reserved for (the same userId and
 * originalS3Key) may write it, so an object under one user's folder never finishes, fails or
 * deletes another user's image.
 */
const NEXT: Readonly<Record<ImageStatus, readonly ImageStatus[]>> = {
  PENDING: ['DONE', 'REJECTED', 'FAILED', 'EXPIRED', 'DELETED'],
  FAILED: ['DONE', 'REJECTED', 'FAILED', 'DELETED'],
  DONE: ['DELETED'],
  REJECTED: ['DELETED'],
  EXPIRED: ['DELETED'],
  DELETED: [],
};
const NEXT_WITHOUT_RECORD: readonly ImageStatus[] = ['REJECTED'];

/** What the processor and the dead-letter handler may write. */
const PROCESSING_OUTCOMES: readonly ImageStatus[] = ['DONE', 'REJECTED', 'FAILED'];

/** Whether a record in state `from` (or no record at all) may be written as `to`. */
export function canMove(from: ImageStatus | undefined, to: ImageStatus): boolean {
  return (from === undefined ? NEXT_WITHOUT_RECORD : NEXT[from]).includes(to);
}

/** Who a record was reserved for: generate-upload-url writes both when it issues the URL. */
export interface Reservation {
  readonly userId: string;
  readonly originalS3Key: string;
}

/** Whether `record` was reserved for this very object: the key's user and the key itself. */
export const isReservedFor = (record: Reservation, object: Reservation): boolean =>
  record.userId === object.userId && record.originalS3Key === object.originalS3Key;

/** Whether `image` (a final state of one object) may be written over `existing` (or where there is no record). */
export function canFinish(
  existing: (Reservation & { readonly status: ImageStatus }) | undefined,
  image: Reservation & { readonly status: ImageStatus },
): boolean {
  if (existing === undefined) return canMove(undefined, image.status);
  return isReservedFor(existing, image) && canMove(existing.status, image.status);
}

/**
 * The states a record may be in for a write of `to` to succeed, whether it may be missing, and
 * that an existing record must be reserved for the writing object (always).
 */
export function predecessorsOf(to: ImageStatus): {
  readonly statuses: readonly ImageStatus[];
  readonly orMissing: boolean;
  readonly sameReservation: true;
} {
  const statuses = (Object.keys(NEXT) as ImageStatus[]).filter((from) => NEXT[from].includes(to));
  return { statuses, orMissing: NEXT_WITHOUT_RECORD.includes(to), sameReservation: true };
}

/** No processing move leads out of this state, so the processor has nothing left to do for it. */
export const isFinal = (status: ImageStatus): boolean => !PROCESSING_OUTCOMES.some((to) => canMove(status, to));

// Quotas (README "Quotas"). A reserved, stored or failed image counts against its owner's images and
// bytes (its declared size); a rejected, expired or deleted one does not. PENDING also holds one of
// the owner's pending reservations. A REJECTED record of an object nobody reserved therefore never
// touches the usage: it starts in a state that holds nothing, and leaves it only for DELETED.
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

// Deletion. DELETE /images/{id} turns the record into a DELETED tombstone (markDeleted), removes the
// objects, then settles the tombstone: it keeps only what tells a late upload for the image apart
// from an object nobody reserved, until its TTL.

/**
 * What a deleted image's record keeps once its objects are gone: the reservation (whose user, which
 * key), when it was deleted and when it goes. Everything else, the file name above all, goes with the objects.
 */
export const SETTLED_TOMBSTONE_FIELDS = ['imageId', 'userId', 'originalS3Key', 'status', 'deletedAt', 'expiresAt', 'objectsRemovedAt'] as const;

/** `tombstone` (a DELETED record) reduced to SETTLED_TOMBSTONE_FIELDS, noting when its objects were removed. */
export function settledTombstone(tombstone: ImageRecord, objectsRemovedAt: string): ImageRecord {
  const settled: ImageRecord = { ...tombstone, objectsRemovedAt };
  return Object.fromEntries(SETTLED_TOMBSTONE_FIELDS.filter((name) => settled[name] !== undefined).map((name) => [name, settled[name]])) as unknown as ImageRecord;
}

/** The image was deleted and its objects are gone: nothing is left to delete, or to show. */
export const isSettledTombstone = (record: { readonly status: ImageStatus; readonly objectsRemovedAt?: string }): boolean =>
  record.status === 'DELETED' && record.objectsRemovedAt !== undefined;
