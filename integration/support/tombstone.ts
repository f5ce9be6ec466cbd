import { SETTLED_TOMBSTONE_FIELDS } from '../../src/domain/image-lifecycle';
import type { ImageRecord } from '../../src/domain/image-record';

/**
 * Checks what a deleted image leaves in the table once its objects are gone: a DELETED tombstone
 * that keeps its reservation (so a late upload under its URL is told apart from an object nobody
 * reserved) and nothing else, the file name above all (README "Quotas").
 */
export function expectSettledTombstone(
  record: ImageRecord | undefined,
  reservation: { readonly imageId: string; readonly userId: string; readonly originalS3Key: string },
): void {
  expect(record).toMatchObject({ ...reservation, status: 'DELETED', deletedAt: expect.any(String), objectsRemovedAt: expect.any(String) });
  const kept: readonly string[] = SETTLED_TOMBSTONE_FIELDS;
  expect(Object.keys(record ?? {}).filter((field) => !kept.includes(field))).toEqual([]);
}
