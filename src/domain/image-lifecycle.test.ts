import { IMAGE_STATUSES } from '../contract';
import { canMove, isFinal, predecessorsOf } from './image-lifecycle';

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

  it('describes, for each target, exactly the states canMove accepts', () => {
    for (const to of IMAGE_STATUSES) {
      const { statuses, orMissing } = predecessorsOf(to);
      expect([...statuses].sort()).toEqual(IMAGE_STATUSES.filter((from) => canMove(from, to)).sort());
      expect(orMissing).toBe(canMove(undefined, to));
    }
  });
});
