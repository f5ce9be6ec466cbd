import { PROCESSING_STAGES } from '../../src/contract';
import type { ImageRecord } from '../../src/domain/image-record';
import { percentile, round } from './measure';

/**
 * The stretches between an image's recorded stage times, in the order they happen: where the time
 * from its upload to DONE went. `putDone` is the uploader's own clock when its PUT returned (the
 * stack runs on the same machine, so one clock).
 */
export const STRETCHES = [
  { name: 'PUT returned → S3 event time', from: 'putDone', to: 'objectCreatedAt', note: 'negative when S3 stamps the event before the PUT returns' },
  { name: 'S3 event → in the queue', from: 'objectCreatedAt', to: 'queuedAt', note: 'S3 notification delivery' },
  { name: 'in the queue → invocation', from: 'queuedAt', to: 'receivedAt', note: 'waiting for a free processor container (receive, batching)' },
  { name: 'invocation → work starts', from: 'receivedAt', to: 'startedAt', note: 'waiting for a worker inside the batch' },
  { name: 'download', from: 'startedAt', to: 'downloadedAt', note: 'record lookup and GetObject' },
  { name: 'render', from: 'downloadedAt', to: 'renderedAt', note: 'sniff, header checks, sharp' },
  { name: 'store renditions', from: 'renderedAt', to: 'storedAt', note: 'PutObject of every rendition' },
  { name: 'record DONE', from: 'storedAt', to: 'processedAt', note: '' },
  { name: 'notify', from: 'processedAt', to: 'notifiedAt', note: 'UpdateItem, SNS Publish, UpdateItem (after DONE)' },
] as const;

export interface StretchFigures {
  readonly name: string;
  readonly note: string;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** The mean, so the stretches add up to the mean upload→DONE time. */
  readonly meanMs: number;
}

type TimeName = (typeof STRETCHES)[number]['from'] | (typeof STRETCHES)[number]['to'];

function timesOf(record: ImageRecord, putDoneMs: number | undefined): Partial<Record<TimeName, number>> {
  const times: Partial<Record<TimeName, number>> = {};
  if (putDoneMs !== undefined) times.putDone = putDoneMs;
  for (const stage of PROCESSING_STAGES) {
    const value = record.stages?.[stage];
    if (value !== undefined) times[stage] = Date.parse(value);
  }
  if (record.processedAt) times.processedAt = Date.parse(record.processedAt);
  if (record.notifiedAt) times.notifiedAt = Date.parse(record.notifiedAt);
  return times;
}

/** p50, p95 and mean of each stretch over the DONE records that have both ends of it. */
export function stageBreakdown(records: readonly ImageRecord[], putDoneAtMs: ReadonlyMap<string, number>): StretchFigures[] {
  const done = records.filter((record) => record.status === 'DONE');
  return STRETCHES.map(({ name, note, from, to }) => {
    const spans = done.flatMap((record) => {
      const times = timesOf(record, putDoneAtMs.get(record.imageId));
      const [start, end] = [times[from], times[to]];
      return start !== undefined && end !== undefined ? [end - start] : [];
    });
    if (spans.length === 0) return { name, note, p50Ms: Number.NaN, p95Ms: Number.NaN, meanMs: Number.NaN };
    return {
      name,
      note,
      p50Ms: round(percentile(spans, 50), 0),
      p95Ms: round(percentile(spans, 95), 0),
      meanMs: round(spans.reduce((sum, span) => sum + span, 0) / spans.length, 0),
    };
  });
}
