import type { ImageRecord } from '../../src/domain/image-record';
import { stageBreakdown } from './stages';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 23, 12) + ms).toISOString();

function record(imageId: string, offsetMs: number, status: ImageRecord['status'] = 'DONE'): ImageRecord {
  return {
    imageId,
    userId: 'u',
    originalS3Key: `user-uploads/u/${imageId}.jpg`,
    status,
    stages: {
      objectCreatedAt: at(offsetMs + 0),
      queuedAt: at(offsetMs + 10),
      receivedAt: at(offsetMs + 110),
      startedAt: at(offsetMs + 130),
      downloadedAt: at(offsetMs + 160),
      renderedAt: at(offsetMs + 260),
      storedAt: at(offsetMs + 300),
    },
    processedAt: at(offsetMs + 301),
    notifiedAt: at(offsetMs + 351),
  };
}

describe('stageBreakdown', () => {
  it('gives each stretch between recorded stages, from the PUT to the notification', () => {
    const records = [record('a', 0), record('b', 1000)];
    const putDone = new Map([['a', Date.UTC(2026, 10, 23, 12) + 5], ['b', Date.UTC(2026, 10, 23, 12) + 1005]]);

    const figures = stageBreakdown(records, putDone);

    expect(figures.map((figure) => [figure.name, figure.p50Ms, figure.p95Ms, figure.meanMs])).toEqual([
      ['PUT returned → S3 event time', -5, -5, -5],
      ['S3 event → in the queue', 10, 10, 10],
      ['in the queue → invocation', 100, 100, 100],
      ['invocation → work starts', 20, 20, 20],
      ['download', 30, 30, 30],
      ['render', 100, 100, 100],
      ['store renditions', 40, 40, 40],
      ['record DONE', 1, 1, 1],
      ['notify', 50, 50, 50],
    ]);
  });

  it('counts DONE records only, and leaves a stretch with no data as NaN', () => {
    const { stages: _stages, ...bare } = record('c', 0);
    const figures = stageBreakdown([record('a', 0, 'REJECTED'), bare], new Map());

    expect(figures.every((figure) => Number.isNaN(figure.p50Ms))).toBe(false);
    expect(figures.find((figure) => figure.name === 'notify')!.p50Ms).toBe(50);
    expect(figures.find((figure) => figure.name === 'render')!.p50Ms).toBeNaN();
  });
});
