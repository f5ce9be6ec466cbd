import type { QuotaName, VisibleStatus } from '../../contract';
import type { FinishedImage, ImageRecord, ImageStatus, PendingImage } from '../image-record';

/** The per-user limits POST /uploads enforces. */
export type QuotaLimits = Readonly<Record<QuotaName, number>>;

export type ReserveOutcome =
  | { readonly reserved: true }
  | {
      readonly reserved: false;
      readonly exceeded: QuotaName;
      readonly limit: number;
      /** Reservations of this user whose deadline has passed: `expireReservations` can free them. */
      readonly lapsedReservations: number;
    };

/** Where a page of a user's images ends; the next page starts after it. */
export interface PagePosition {
  readonly imageId: string;
  readonly createdAt: string;
}

export interface ImagePage {
  readonly items: readonly ImageRecord[];
  /** Absent when nothing follows. */
  readonly next?: PagePosition;
}

export interface ImageRepository {
  /**
   * Records a PENDING image and, atomically with the owner's usage, one pending reservation, one
   * image and its declared bytes; nothing when a limit would be exceeded (then says which).
   * `nowSeconds` only tells which reservations have lapsed.
   */
  reserve(image: PendingImage, limits: QuotaLimits, nowSeconds: number): Promise<ReserveOutcome>;
  /**
   * Ends every reservation of the user whose deadline has passed at `nowSeconds`: its record
   * becomes EXPIRED (if still PENDING) and its share of the usage is released. Returns how many.
   */
  expireReservations(userId: string, nowSeconds: number): Promise<number>;
  get(imageId: string): Promise<ImageRecord | undefined>;
  /**
   * Records a final outcome over `previous`, if the record is still in `previous.status`, was
   * reserved for the same object (userId and originalS3Key) and the image lifecycle
   * (src/domain/image-lifecycle.ts) allows the move, updating the owner's usage with it. With no
   * `previous`, creates the record, if there is still none and the lifecycle lets a record start in
   * that state (REJECTED, for an object nobody reserved; it holds no quota, so no usage changes).
   * Returns false, changing nothing, otherwise: also when the record no longer exists.
   */
  finish(image: FinishedImage, previous: ImageRecord | undefined): Promise<boolean>;
  /**
   * Notes that the notification of `status` went out, so a retry does not send it again. Changes
   * nothing if the record has meanwhile moved to another state (whose notification is still owed).
   */
  markNotified(imageId: string, status: ImageStatus, notifiedAt: string): Promise<void>;
  /**
   * Turns `previous` into a DELETED tombstone (kept until `expiresAt`, epoch seconds) and releases
   * its share of the owner's usage, if it is still in `previous.status`. False otherwise.
   */
  markDeleted(previous: ImageRecord, deletedAt: string, expiresAt: number): Promise<boolean>;
  /**
   * Once a deleted image's objects are gone: reduces its DELETED tombstone to what tells a late
   * upload for it apart from one nobody reserved (image-record.ts: settledTombstone), kept until
   * its TTL. A record in any other state stays as it is.
   */
  settleDeleted(imageId: string, objectsRemovedAt: string): Promise<void>;
  /** One page of the user's images, newest first, optionally only those that read as `status` at `nowSeconds`. */
  listByUser(
    userId: string,
    query: { readonly limit: number; readonly after?: PagePosition; readonly status?: VisibleStatus; readonly nowSeconds: number },
  ): Promise<ImagePage>;
}
