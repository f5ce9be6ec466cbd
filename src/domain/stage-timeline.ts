import { PROCESSING_STAGES, type ProcessingStage } from '../contract';
import type { FinishedImage, ImageRecord, StageTimes } from './image-record';
import type { Clock } from './ports/clock';
import type { ImageObservation } from './ports/operational-metrics';
import type { ProcessOutcome, ProcessUploadDeps } from './process-upload';
import { epochMsOf } from './time';

/**
 * The times of one image's processing stages (PROCESSING_STAGES), kept as it goes and stored with
 * its final state. Stages known before the work starts (S3's event time, the queue's, the
 * invocation's) are given; the others are marked by `timedProcessing`, which watches the ports the
 * use case calls rather than changing the use case.
 */
export class StageTimeline {
  private readonly times: Partial<Record<ProcessingStage, string>> = {};
  private stored: FinishedImage | undefined;

  constructor(
    private readonly clock: Clock,
    known: StageTimes = {},
  ) {
    for (const stage of PROCESSING_STAGES) {
      const time = known[stage];
      if (time !== undefined && epochMsOf(time) !== undefined) this.times[stage] = time;
    }
  }

  /** Notes that `stage` happened now; the first time wins unless `again` (the last one wins). */
  mark(stage: ProcessingStage, options: { again?: boolean } = {}): void {
    if (options.again || this.times[stage] === undefined) this.times[stage] = this.clock.now().toISOString();
  }

  get stages(): StageTimes {
    return { ...this.times };
  }

  /** The final state this attempt stored, when it stored one. */
  get finished(): FinishedImage | undefined {
    return this.stored;
  }

  recordFinished(image: FinishedImage): void {
    this.stored = image;
  }
}

/**
 * The use case's dependencies, watched: the original read marks `downloadedAt`, the first rendition
 * write `renderedAt` (every rendition is made before any is written), the last write to complete
 * `storedAt`, and the final write carries the stage times onto the record.
 */
export function timedProcessing(deps: ProcessUploadDeps, timeline: StageTimeline): ProcessUploadDeps {
  return {
    ...deps,
    originals: overriding(deps.originals, {
      async read(key: string, options: { maxBytes: number }) {
        const body = await deps.originals.read(key, options);
        timeline.mark('downloadedAt');
        return body;
      },
    }),
    processed: overriding(deps.processed, {
      async write(key: string, body: Uint8Array, options: { contentType: string }) {
        timeline.mark('renderedAt');
        await deps.processed.write(key, body, options);
        timeline.mark('storedAt', { again: true });
      },
    }),
    images: overriding(deps.images, {
      async finish(image: FinishedImage, previous: ImageRecord | undefined) {
        const withStages = { ...image, stages: timeline.stages } as FinishedImage;
        const stored = await deps.images.finish(withStages, previous);
        if (stored) timeline.recordFinished(withStages);
        return stored;
      },
    }),
  };
}

/** `target` with some methods replaced; every other member still reaches `target`. */
function overriding<T extends object>(target: T, methods: Partial<T>): T {
  return Object.assign(Object.create(target) as T, methods);
}

function elapsedMs(from: string | undefined, to: string | undefined): number | undefined {
  const [start, end] = [from && epochMsOf(from), to && epochMsOf(to)];
  return typeof start === 'number' && typeof end === 'number' ? Math.max(0, end - start) : undefined;
}

/** What the metrics learn from one settled image: its outcome, how long it took, how many bytes. */
export function observationOf(outcome: ProcessOutcome, timeline: StageTimeline): ImageObservation {
  const image = timeline.finished;
  if (outcome === 'ALREADY_FINISHED' || outcome === 'NOT_RESERVED' || outcome === 'DISCARDED') return { status: outcome };
  // Settled without a record of its own (an object outside the upload layout has no image id).
  if (!image) return { status: outcome };
  const stages = image.stages ?? {};
  const processingMs = elapsedMs(stages.startedAt, image.processedAt);
  const timing = processingMs === undefined ? {} : { processingMs };
  if (image.status === 'REJECTED') return { status: 'REJECTED', reason: image.rejectionReason, ...timing };
  if (image.status !== 'DONE') return { status: image.status };
  const uploadToDoneMs = elapsedMs(stages.objectCreatedAt, image.processedAt);
  return {
    status: 'DONE',
    ...timing,
    ...(uploadToDoneMs === undefined ? {} : { uploadToDoneMs }),
    originalBytes: image.bytes,
    renditionBytes: image.renditions.reduce((sum, rendition) => sum + rendition.bytes, 0),
  };
}
