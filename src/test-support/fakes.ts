import { DependencyError, ImageRejectedError } from '../domain/errors';
import type { QuotaName, VisibleStatus } from '../contract';
import { canFinish, canMove, isPastDeadline, settledTombstone, usageChange, visibleStatus, type UsageChange } from '../domain/image-lifecycle';
import type { Clock } from '../domain/ports/clock';
import type { ImagePage, ImageRepository, PagePosition, QuotaLimits, ReserveOutcome } from '../domain/ports/image-repository';
import type { FinishedImage, ImageRecord, ImageStatus, PendingImage } from '../domain/image-record';
import { JsonLogger } from '../logging/json-logger';
import type { MetricsSink } from '../domain/ports/metrics-sink';
import type { BucketUsage } from '../domain/measure-storage';
import type { Notifier } from '../domain/ports/notifier';
import type { ImageObservation, ProcessingMetrics, StorageRunMetrics, StorageRunObservation } from '../domain/ports/operational-metrics';
import type { ImageNotification } from '../domain/image-notification';
import type {
  DownloadUrlSigner,
  ListedObject,
  ObjectDeleter,
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

export class InMemoryObjectStore implements ObjectReader, ObjectWriter, ObjectDeleter, ObjectLister {
  readonly objects = new Map<string, { body: Buffer; contentType: string; cacheControl?: string }>();
  readonly faults = new FaultSwitch('S3');
  reads = 0;
  writes = 0;

  put(key: string, body: Uint8Array, contentType = 'application/octet-stream'): void {
    this.objects.set(key, { body: Buffer.from(body), contentType });
  }

  async exists(key: string): Promise<boolean> {
    this.faults.check('HeadObject');
    return this.objects.has(key);
  }

  async read(key: string, options: { maxBytes: number }): Promise<Buffer> {
    this.faults.check('GetObject');
    this.reads += 1;
    const object = this.objects.get(key);
    if (!object) throw new ImageRejectedError('ORIGINAL_NOT_FOUND', `${key} does not exist.`);
    if (object.body.length > options.maxBytes) throw new ImageRejectedError('TOO_LARGE', `${key} is too large.`);
    return object.body;
  }

  async write(key: string, body: Uint8Array, options: { contentType: string; cacheControl?: string }): Promise<void> {
    this.faults.check('PutObject');
    this.writes += 1;
    this.objects.set(key, { body: Buffer.from(body), contentType: options.contentType, ...(options.cacheControl ? { cacheControl: options.cacheControl } : {}) });
  }

  async deleteAll(keys: readonly string[]): Promise<void> {
    this.faults.check('DeleteObjects');
    for (const key of keys) this.objects.delete(key);
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

/** Behaves like the DynamoDB adapter, conditions and usage counters included. */
export class InMemoryImageRepository implements ImageRepository {
  readonly records = new Map<string, ImageRecord>();
  readonly usage = new Map<string, Usage>();
  readonly faults = new FaultSwitch('DynamoDB');

  /** A PENDING record with its reservation, as POST /uploads leaves it (no limits apply). */
  async createPending(image: Omit<PendingImage, 'expiresAt'> & { expiresAt?: number }): Promise<void> {
    const unlimited = { pendingUploads: Infinity, storedImages: Infinity, storedBytes: Infinity };
    const outcome = await this.reserve({ expiresAt: 4_000_000_000, ...image }, unlimited, 0);
    if (!outcome.reserved) throw new Error('unreachable');
  }

  usageOf(userId: string): Usage {
    let usage = this.usage.get(userId);
    if (!usage) this.usage.set(userId, (usage = { images: 0, bytes: 0, reservations: new Map() }));
    return usage;
  }

  async reserve(image: PendingImage, limits: QuotaLimits, nowSeconds: number): Promise<ReserveOutcome> {
    this.faults.check('UpdateItem');
    const usage = this.usageOf(image.userId);
    const lapsedReservations = [...usage.reservations.values()].filter((reservation) => reservation.expiresAt <= nowSeconds).length;
    const exceeded: [QuotaName, boolean][] = [
      ['storedBytes', usage.bytes + image.contentLength > limits.storedBytes],
      ['storedImages', usage.images >= limits.storedImages],
      ['pendingUploads', usage.reservations.size >= limits.pendingUploads],
    ];
    const first = exceeded.find(([, over]) => over);
    if (first) return { reserved: false, exceeded: first[0], limit: limits[first[0]], lapsedReservations };
    this.faults.check('PutItem');
    if (this.records.has(image.imageId)) throw new Error(`image ${image.imageId} exists`);
    usage.reservations.set(image.imageId, { bytes: image.contentLength, expiresAt: image.expiresAt });
    usage.images += 1;
    usage.bytes += image.contentLength;
    this.records.set(image.imageId, { ...image, status: 'PENDING' });
    return { reserved: true };
  }

  async expireReservations(userId: string, nowSeconds: number): Promise<number> {
    this.faults.check('UpdateItem');
    const usage = this.usageOf(userId);
    let released = 0;
    for (const [imageId, reservation] of [...usage.reservations]) {
      if (reservation.expiresAt > nowSeconds) continue;
      const record = this.records.get(imageId);
      if (record?.status === 'PENDING') {
        if (!isPastDeadline(record.expiresAt, nowSeconds * 1000)) continue;
        this.records.set(imageId, { ...record, status: 'EXPIRED' });
        this.apply(userId, imageId, reservation.bytes, usageChange('PENDING', 'EXPIRED'));
      } else {
        this.apply(userId, imageId, reservation.bytes, usageChange('PENDING', record?.status ?? 'DELETED'));
      }
      released += 1;
    }
    return released;
  }

  async get(imageId: string): Promise<ImageRecord | undefined> {
    this.faults.check('GetItem');
    return this.records.get(imageId);
  }

  async finish(image: FinishedImage, previous: ImageRecord | undefined): Promise<boolean> {
    this.faults.check(previous ? 'UpdateItem' : 'PutItem');
    if (!canFinish(previous, image) || (previous && previous.imageId !== image.imageId)) return false;
    if (!previous) {
      // Created only where there is still no record; it holds no quota, so the usage stays as it is.
      if (this.records.has(image.imageId)) return false;
      this.records.set(image.imageId, JSON.parse(JSON.stringify(image)) as ImageRecord);
      return true;
    }
    const { notifiedAt: _notifiedAt, expiresAt: _expiresAt, ...kept } = previous;
    const outcomeFields = ['processedS3Key', 'renditions', 'width', 'height', 'format', 'bytes', 'rejectionReason', 'rejectionMessage', 'failureMessage', 'stages'];
    for (const name of outcomeFields) delete (kept as Record<string, unknown>)[name];
    return this.move(previous, image.status, JSON.parse(JSON.stringify({ ...kept, ...image })) as ImageRecord);
  }

  async markNotified(imageId: string, status: ImageStatus, notifiedAt: string): Promise<void> {
    this.faults.check('UpdateItem');
    const existing = this.records.get(imageId);
    if (existing?.status !== status) return;
    this.records.set(imageId, { ...existing, notifiedAt });
  }

  async markDeleted(previous: ImageRecord, deletedAt: string, expiresAt: number): Promise<boolean> {
    this.faults.check('UpdateItem');
    const stored = this.records.get(previous.imageId);
    return this.move(previous, 'DELETED', { ...(stored ?? previous), status: 'DELETED', deletedAt, expiresAt });
  }

  async settleDeleted(imageId: string, objectsRemovedAt: string): Promise<void> {
    this.faults.check('PutItem');
    const stored = this.records.get(imageId);
    if (stored?.status === 'DELETED') this.records.set(imageId, settledTombstone(stored, objectsRemovedAt));
  }

  async listByUser(
    userId: string,
    query: { readonly limit: number; readonly after?: PagePosition; readonly status?: VisibleStatus; readonly nowSeconds: number },
  ): Promise<ImagePage> {
    this.faults.check('Query');
    const order = (record: { createdAt?: string; imageId: string }) => `${record.createdAt ?? ''}|${record.imageId}`;
    const after = query.after ? order(query.after) : undefined;
    const matching = [...this.records.values()]
      .filter((record) => record.userId === userId && record.createdAt !== undefined)
      .filter((record) => after === undefined || order(record) < after)
      .filter((record) => {
        const visible = visibleStatus(record, query.nowSeconds * 1000);
        return visible !== undefined && (query.status === undefined || visible === query.status);
      })
      .sort((a, b) => (order(a) < order(b) ? 1 : -1));
    const items = matching.slice(0, query.limit);
    const last = items[items.length - 1];
    return { items, ...(matching.length > query.limit && last ? { next: { imageId: last.imageId, createdAt: last.createdAt! } } : {}) };
  }

  private move(previous: ImageRecord, to: ImageStatus, next: ImageRecord): boolean {
    const stored = this.records.get(previous.imageId);
    const sameReservation = stored && stored.userId === previous.userId && stored.originalS3Key === previous.originalS3Key;
    if (!stored || !sameReservation || stored.status !== previous.status || !canMove(stored.status, to)) return false;
    const change = usageChange(stored.status, to);
    if (change.endsReservation && !this.usageOf(stored.userId).reservations.has(stored.imageId)) {
      throw new DependencyError('DynamoDB', 'TransactWriteItems', false, 'no reservation');
    }
    this.records.set(previous.imageId, next);
    this.apply(stored.userId, stored.imageId, stored.contentLength ?? 0, change);
    return true;
  }

  private apply(userId: string, imageId: string, bytes: number, change: UsageChange): void {
    const usage = this.usageOf(userId);
    if (change.endsReservation) usage.reservations.delete(imageId);
    usage.images += change.images;
    usage.bytes += change.images * bytes;
  }
}

export interface Usage {
  images: number;
  bytes: number;
  readonly reservations: Map<string, { bytes: number; expiresAt: number }>;
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

export class RecordingProcessingMetrics implements ProcessingMetrics {
  readonly recorded: ImageObservation[] = [];
  flushes = 0;
  recordImage(observation: ImageObservation): void {
    this.recorded.push(observation);
  }
  flush(): void {
    this.flushes += 1;
  }
}

export class RecordingStorageRunMetrics implements StorageRunMetrics {
  readonly recorded: StorageRunObservation[] = [];
  recordRun(observation: StorageRunObservation): void {
    this.recorded.push(observation);
  }
  flush(): void {}
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

/** Signs nothing: the URL names the key and lifetime, so tests can see what was signed. */
export class FakeDownloadSigner implements DownloadUrlSigner {
  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return `https://renditions.example/${key}?expires=${expiresInSeconds}&signature=fake`;
  }
}

/** A clock tests can move. */
export class ManualClock implements Clock {
  constructor(private current: Date = new Date('2026-11-23T12:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export const fixedClock = (iso = '2026-11-23T12:00:00.000Z'): Clock => ({ now: () => new Date(iso) });

/** A clock that moves `stepMs` forward every time it is read, so successive stages get distinct times. */
export function steppingClock(startIso = '2026-11-23T12:00:00.000Z', stepMs = 10): Clock & { readonly reads: number } {
  let reads = 0;
  const start = Date.parse(startIso);
  return {
    now: () => new Date(start + stepMs * reads++),
    get reads() {
      return reads;
    },
  };
}

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
