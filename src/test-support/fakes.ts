import { DependencyError, ImageRejectedError } from '../domain/errors';
import { canFinish } from '../domain/image-lifecycle';
import type { Clock } from '../domain/ports/clock';
import type { ImageRepository } from '../domain/ports/image-repository';
import type { FinishedImage, ImageRecord, ImageStatus, PendingImage } from '../domain/image-record';
import { JsonLogger } from '../logging/json-logger';
import type { MetricsSink } from '../domain/ports/metrics-sink';
import type { BucketUsage } from '../domain/measure-storage';
import type { Notifier } from '../domain/ports/notifier';
import type { ImageNotification } from '../domain/image-notification';
import type {
  ListedObject,
  ObjectLister,
  ObjectReader,
  ObjectWriter,
  PresignedPut,
  PresignPutRequest,
  UploadUrlSigner,
} from '../domain/ports/object-store';

/**
 * Makes the next `count` calls of a fake (or of one operation of it) fail the way a throttled or
 * unreachable service does.
 */
export class FaultSwitch {
  private remaining = 0;
  private operation: string | undefined;
  constructor(private readonly service: string) {}
  failNext(count = 1, operation?: string): void {
    this.remaining = count;
    this.operation = operation;
  }
  check(operation: string): void {
    if (this.remaining > 0 && (this.operation === undefined || this.operation === operation)) {
      this.remaining -= 1;
      throw new DependencyError(this.service, operation, true, `${this.service} ${operation} failed: injected fault`);
    }
  }
}

export class InMemoryObjectStore implements ObjectReader, ObjectWriter, ObjectLister {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();
  readonly faults = new FaultSwitch('S3');
  reads = 0;
  writes = 0;

  put(key: string, body: Uint8Array, contentType = 'application/octet-stream'): void {
    this.objects.set(key, { body: Buffer.from(body), contentType });
  }

  async read(key: string, options: { maxBytes: number }): Promise<Buffer> {
    this.faults.check('GetObject');
    this.reads += 1;
    const object = this.objects.get(key);
    if (!object) throw new ImageRejectedError('ORIGINAL_NOT_FOUND', `${key} does not exist.`);
    if (object.body.length > options.maxBytes) throw new ImageRejectedError('TOO_LARGE', `${key} is too large.`);
    return object.body;
  }

  async write(key: string, body: Uint8Array, options: { contentType: string }): Promise<void> {
    this.faults.check('PutObject');
    this.writes += 1;
    this.put(key, body, options.contentType);
  }

  async *listPages(options: { startAfter?: string; signal?: AbortSignal }): AsyncIterable<readonly ListedObject[]> {
    const keys = [...this.objects.keys()].sort().filter((key) => options.startAfter === undefined || key > options.startAfter);
    for (let i = 0; i < keys.length; i += 3) {
      this.faults.check('ListObjectsV2');
      if (options.signal?.aborted) throw new DependencyError('S3', 'ListObjectsV2', true, 'aborted');
      await Promise.resolve();
      yield keys.slice(i, i + 3).map((key) => ({ key, sizeBytes: this.objects.get(key)!.body.length }));
    }
  }
}

/** Behaves like the DynamoDB adapter, conditions included. */
export class InMemoryImageRepository implements ImageRepository {
  readonly records = new Map<string, ImageRecord>();
  readonly faults = new FaultSwitch('DynamoDB');

  async createPending(image: PendingImage): Promise<void> {
    this.faults.check('PutItem');
    if (this.records.has(image.imageId)) throw new Error(`image ${image.imageId} exists`);
    this.records.set(image.imageId, { ...image, status: 'PENDING' });
  }

  async get(imageId: string): Promise<ImageRecord | undefined> {
    this.faults.check('GetItem');
    return this.records.get(imageId);
  }

  async finish(image: FinishedImage): Promise<boolean> {
    this.faults.check('UpdateItem');
    const existing = this.records.get(image.imageId);
    if (!canFinish(existing, image)) return false;
    const kept = existing
      ? {
          contentType: existing.contentType,
          contentLength: existing.contentLength,
          originalFileName: existing.originalFileName,
          createdAt: existing.createdAt,
        }
      : {};
    this.records.set(image.imageId, JSON.parse(JSON.stringify({ ...kept, ...image })) as ImageRecord);
    return true;
  }

  async markNotified(imageId: string, status: ImageStatus, notifiedAt: string): Promise<void> {
    this.faults.check('UpdateItem');
    const existing = this.records.get(imageId);
    if (existing?.status !== status) return;
    this.records.set(imageId, { ...existing, notifiedAt });
  }
}

export class RecordingNotifier implements Notifier {
  readonly published: ImageNotification[] = [];
  readonly faults = new FaultSwitch('SNS');
  async publish(notification: ImageNotification): Promise<void> {
    this.faults.check('Publish');
    this.published.push(notification);
  }
}

export class RecordingMetricsSink implements MetricsSink {
  readonly calls: { usage: readonly BucketUsage[]; measuredAt: Date }[] = [];
  readonly faults = new FaultSwitch('CloudWatch');
  async publishBucketUsage(usage: readonly BucketUsage[], measuredAt: Date): Promise<void> {
    this.faults.check('PutMetricData');
    this.calls.push({ usage, measuredAt });
  }
}

export class FakeSigner implements UploadUrlSigner {
  readonly requests: PresignPutRequest[] = [];
  async presignPut(request: PresignPutRequest): Promise<PresignedPut> {
    this.requests.push(request);
    return {
      url: `https://uploads.example/${request.key}?signature=fake`,
      headers: { 'Content-Type': request.contentType, 'Content-Length': String(request.contentLength) },
    };
  }
}

export const fixedClock = (iso = '2026-11-23T12:00:00.000Z'): Clock => ({ now: () => new Date(iso) });

export function sequentialIds(): { newImageId: () => string } {
  let n = 0;
  return { newImageId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` };
}

/** A real JsonLogger whose lines are kept, parsed, for assertions. */
export function captureLogs(level: 'debug' | 'info' | 'warn' | 'error' = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger({ level, write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
