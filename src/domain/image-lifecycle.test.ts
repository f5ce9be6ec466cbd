import { IMAGE_STATUSES } from '../contract';
import { canFinish, canMove, isFinal, predecessorsOf } from './image-lifecycle';

describe('image lifecycle', () => {
  it('lets the processor finish a reserved image, and retry one that failed', () => {
    expect(canMove('PENDING', 'DONE')).toBe(true);
    expect(canMove('PENDING', 'REJECTED')).toBe(true);
    expect(canMove('PENDING', 'FAILED')).toBe(true);
    expect(canMove('FAILED', 'DONE')).toBe(true);
    expect(canMove('FAILED', 'REJECTED')).toBe(true);
  });

  it.each(['DONE', 'REJECTED'] as const)('never moves a %s image again', (final) => {
    for (const to of IMAGE_STATUSES) expect(canMove(final, to)).toBe(false);
    expect(isFinal(final)).toBe(true);
  });

  it('never goes back to PENDING', () => {
    for (const from of IMAGE_STATUSES) expect(canMove(from, 'PENDING')).toBe(false);
    expect(canMove(undefined, 'PENDING')).toBe(false);
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
});
