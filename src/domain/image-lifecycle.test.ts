import { IMAGE_STATUSES, VISIBLE_STATUSES } from '../contract';
import { canMove, holdsQuota, isFinal, predecessorsOf, storedStatesShownAs, usageChange, visibleStatus } from './image-lifecycle';

describe('image lifecycle', () => {
  it('lets the processor finish a reserved image, and retry one that failed', () => {
    expect(canMove('PENDING', 'DONE')).toBe(true);
    expect(canMove('PENDING', 'REJECTED')).toBe(true);
    expect(canMove('PENDING', 'FAILED')).toBe(true);
    expect(canMove('FAILED', 'DONE')).toBe(true);
    expect(canMove('FAILED', 'REJECTED')).toBe(true);
  });

  it('never writes a record that does not exist: a late event cannot bring a deleted image back', () => {
    for (const to of IMAGE_STATUSES) expect(canMove(undefined, to)).toBe(false);
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

  it('describes, for each target, exactly the states canMove accepts', () => {
    for (const to of IMAGE_STATUSES) {
      expect([...predecessorsOf(to).statuses].sort()).toEqual(IMAGE_STATUSES.filter((from) => canMove(from, to)).sort());
    }
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
