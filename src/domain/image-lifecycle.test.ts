import { IMAGE_STATUSES, VISIBLE_STATUSES } from '../contract';
import { canFinish, canMove, holdsQuota, isFinal, predecessorsOf, storedStatesShownAs, usageChange, visibleStatus } from './image-lifecycle';

describe('image lifecycle', () => {
  it('lets the processor finish a reserved image, and retry one that failed', () => {
    expect(canMove('PENDING', 'DONE')).toBe(true);
    expect(canMove('PENDING', 'REJECTED')).toBe(true);
    expect(canMove('PENDING', 'FAILED')).toBe(true);
    expect(canMove('FAILED', 'DONE')).toBe(true);
    expect(canMove('FAILED', 'REJECTED')).toBe(true);
  });

  it('never writes over a deleted image: a late event cannot bring it back', () => {
    for (const to of IMAGE_STATUSES) expect(canMove('DELETED', to)).toBe(false);
    // Where no record exists (never reserved), only a rejection may be recorded, never an image.
    expect(IMAGE_STATUSES.filter((to) => canMove(undefined, to))).toEqual(['REJECTED']);
  });

  it.each(['DONE', 'REJECTED', 'EXPIRED'] as const)('moves a %s image only to DELETED, and the processor has nothing to do for it', (final) => {
    expect(IMAGE_STATUSES.filter((to) => canMove(final, to))).toEqual(['DELETED']);
    expect(isFinal(final)).toBe(true);
  });

  it('lets any image be deleted, once', () => {
    for (const from of IMAGE_STATUSES) expect(canMove(from, 'DELETED')).toBe(from !== 'DELETED');
    expect(isFinal('DELETED')).toBe(true);
  });

  it('expires only a PENDING image, and never goes back to PENDING', () => {
    expect(IMAGE_STATUSES.filter((from) => canMove(from, 'EXPIRED'))).toEqual(['PENDING']);
    for (const from of IMAGE_STATUSES) expect(canMove(from, 'PENDING')).toBe(false);
  });

  it('lets an object nobody reserved end only as REJECTED, never DONE or FAILED', () => {
    expect(canMove(undefined, 'REJECTED')).toBe(true);
    expect(canMove(undefined, 'DONE')).toBe(false);
    expect(canMove(undefined, 'FAILED')).toBe(false);
  });

  it('finishes a record only for the object it was reserved for', () => {
    const record = { status: 'PENDING', userId: 'alice', originalS3Key: 'user-uploads/alice/1.jpg' } as const;

    expect(canFinish(record, { status: 'DONE', userId: 'alice', originalS3Key: 'user-uploads/alice/1.jpg' })).toBe(true);
    expect(canFinish(record, { status: 'DONE', userId: 'bob', originalS3Key: 'user-uploads/bob/1.jpg' })).toBe(false);
    expect(canFinish(record, { status: 'REJECTED', userId: 'alice', originalS3Key: 'user-uploads/alice/1.png' })).toBe(false);
    expect(canFinish(undefined, { status: 'DONE', userId: 'bob', originalS3Key: 'user-uploads/bob/1.jpg' })).toBe(false);
    expect(predecessorsOf('DONE').sameReservation).toBe(true);
  });

  it('describes, for each target, exactly the states canMove accepts', () => {
    for (const to of IMAGE_STATUSES) {
      const { statuses, orMissing } = predecessorsOf(to);
      expect([...statuses].sort()).toEqual(IMAGE_STATUSES.filter((from) => canMove(from, to)).sort());
      expect(orMissing).toBe(canMove(undefined, to));
    }
  });

  it('never lets an object fail another reservation\'s record, nor write over a tombstone', () => {
    const record = { status: 'PENDING', userId: 'alice', originalS3Key: 'user-uploads/alice/1.jpg' } as const;

    expect(canFinish(record, { status: 'FAILED', userId: 'bob', originalS3Key: 'user-uploads/bob/1.jpg' })).toBe(false);
    expect(canFinish({ ...record, status: 'DELETED' }, { status: 'REJECTED', userId: 'alice', originalS3Key: 'user-uploads/alice/1.jpg' })).toBe(false);
  });

  it('lets a REJECTED record of an object nobody reserved be deleted without touching the usage', () => {
    expect(holdsQuota('REJECTED')).toBe(false);
    expect(usageChange('REJECTED', 'DELETED')).toEqual({ images: 0, endsReservation: false });
  });

  it('counts reserved, stored and failed images against the quota, not rejected, expired or deleted ones', () => {
    expect(IMAGE_STATUSES.filter(holdsQuota)).toEqual(['PENDING', 'DONE', 'FAILED']);
  });

  it.each([
    ['PENDING', 'DONE', { images: 0, endsReservation: true }],
    ['PENDING', 'REJECTED', { images: -1, endsReservation: true }],
    ['PENDING', 'EXPIRED', { images: -1, endsReservation: true }],
    ['PENDING', 'DELETED', { images: -1, endsReservation: true }],
    ['FAILED', 'DONE', { images: 0, endsReservation: false }],
    ['FAILED', 'REJECTED', { images: -1, endsReservation: false }],
    ['DONE', 'DELETED', { images: -1, endsReservation: false }],
    ['REJECTED', 'DELETED', { images: 0, endsReservation: false }],
  ] as const)('changes the usage from %s to %s by %j', (from, to, change) => {
    expect(usageChange(from, to)).toEqual(change);
  });

  it('reads a PENDING record past its deadline as EXPIRED, and a deleted one as gone', () => {
    const deadline = 1_000;
    expect(visibleStatus({ status: 'PENDING', expiresAt: deadline }, deadline * 1000 - 1)).toBe('PENDING');
    expect(visibleStatus({ status: 'PENDING', expiresAt: deadline }, deadline * 1000)).toBe('EXPIRED');
    expect(visibleStatus({ status: 'PENDING' }, 9e15)).toBe('PENDING');
    expect(visibleStatus({ status: 'DONE', expiresAt: deadline }, 9e15)).toBe('DONE');
    expect(visibleStatus({ status: 'DELETED' }, 0)).toBeUndefined();
  });

  it('names, for each visible status, the stored states that read as it, and they agree with visibleStatus', () => {
    const now = 5_000_000;
    const samples = IMAGE_STATUSES.flatMap((status) => [
      { status, expiresAt: now / 1000 - 1 },
      { status, expiresAt: now / 1000 + 1 },
    ]);
    for (const visible of VISIBLE_STATUSES) {
      const states = storedStatesShownAs(visible);
      const matches = (record: { status: (typeof IMAGE_STATUSES)[number]; expiresAt: number }) =>
        states.some((state) => state.status === record.status && (state.pastDeadline === undefined || state.pastDeadline === record.expiresAt * 1000 <= now));
      expect(samples.filter(matches)).toEqual(samples.filter((record) => visibleStatus(record, now) === visible));
    }
  });
});
