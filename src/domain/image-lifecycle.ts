import type { ImageStatus } from '../contract';

/**
 * The one place that says how an image record may move between states. The DynamoDB adapter turns
 * it into condition expressions and the in-memory fake checks it directly, so both refuse exactly
 * the same writes.
 *
 *   (no record) ──▶ DONE | REJECTED | FAILED     an object that arrived without a reserved record
 *   PENDING     ──▶ DONE | REJECTED | FAILED     the upload URL was issued, then the processor decided
 *   FAILED      ──▶ DONE | REJECTED | FAILED     a dead-lettered upload retried (or marked again)
 *   DONE, REJECTED                               final: a redelivered or late message changes nothing
 */
const NEXT: Readonly<Record<ImageStatus, readonly ImageStatus[]>> = {
  PENDING: ['DONE', 'REJECTED', 'FAILED'],
  FAILED: ['DONE', 'REJECTED', 'FAILED'],
  DONE: [],
  REJECTED: [],
};
const NEXT_WITHOUT_RECORD: readonly ImageStatus[] = ['DONE', 'REJECTED', 'FAILED'];

/** Whether a record in state `from` (or no record at all) may be written as `to`. */
export function canMove(from: ImageStatus | undefined, to: ImageStatus): boolean {
  return (from === undefined ? NEXT_WITHOUT_RECORD : NEXT[from]).includes(to);
}

/** The states a record may be in for a write of `to` to succeed, and whether it may be missing. */
export function predecessorsOf(to: ImageStatus): { readonly statuses: readonly ImageStatus[]; readonly orMissing: boolean } {
  const statuses = (Object.keys(NEXT) as ImageStatus[]).filter((from) => NEXT[from].includes(to));
  return { statuses, orMissing: NEXT_WITHOUT_RECORD.includes(to) };
}

/** No move leads out of this state, so the processor has nothing left to do for it. */
export const isFinal = (status: ImageStatus): boolean => NEXT[status].length === 0;
