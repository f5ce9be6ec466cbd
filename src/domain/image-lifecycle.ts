import type { ImageStatus } from '../contract';

/**
 * The one place that says how an image record may move between states. The DynamoDB adapter turns
 * it into condition expressions and the in-memory fake checks it directly, so both refuse exactly
 * the same writes.
 *
 *   (no record) ──▶ REJECTED                     an object no upload URL was issued for (NOT_RESERVED)
 *   PENDING     ──▶ DONE | REJECTED | FAILED     the upload URL was issued, then the processor decided
 *   FAILED      ──▶ DONE | REJECTED | FAILED     a dead-lettered upload retried (or marked again)
 *   DONE, REJECTED                               final: a redelivered or late message changes nothing
 *
 * A record is bound to its owner: over an existing record, only the object it was reserved for
 * (the same userId and originalS3Key) may write, so an object under one user's folder never
 * finishes another user's image, and an object nobody reserved never becomes DONE.
 */
const NEXT: Readonly<Record<ImageStatus, readonly ImageStatus[]>> = {
  PENDING: ['DONE', 'REJECTED', 'FAILED'],
  FAILED: ['DONE', 'REJECTED', 'FAILED'],
  DONE: [],
  REJECTED: [],
};
const NEXT_WITHOUT_RECORD: readonly ImageStatus[] = ['REJECTED'];

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

/** Whether `image` (a final state of one object) may be written over `existing`. */
export function canFinish(existing: (Reservation & { readonly status: ImageStatus }) | undefined, image: Reservation & { readonly status: ImageStatus }): boolean {
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

/** No move leads out of this state, so the processor has nothing left to do for it. */
export const isFinal = (status: ImageStatus): boolean => NEXT[status].length === 0;
