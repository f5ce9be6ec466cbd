import { type ApiClient, ApiError, type Image, UnauthorizedError, type UploadGrant } from '../api/client';
import { SessionEndedError } from '../auth/session';
import { checkFile, type FileFacts, type UploadLimits } from './check-file';
import { rejectionMessage, uploadFailure } from './messages';

/**
 * The life of each chosen file in the page: checked in the browser (refused at once, with no
 * request, when the API would refuse it), then waiting for a free slot, asking for its upload URL,
 * uploading straight to S3 with progress, and followed by polling GET /images/{id} until the
 * processor is done with it. Files are independent: one that fails leaves the others going.
 */

export type UploadPhase = 'refused' | 'waiting' | 'requesting' | 'uploading' | 'processing' | 'done' | 'rejected' | 'failed';

export interface UploadItem {
  /** Local id of this row (a file chosen twice gets two). */
  readonly key: string;
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly phase: UploadPhase;
  /** Bytes S3 has received so far. */
  readonly sentBytes: number;
  /** Words for refused, rejected and failed; a note while processing takes long. */
  readonly message?: string;
  /** A failed file can be tried again as it is. */
  readonly retryable: boolean;
  readonly imageId?: string;
  /** The image as the API last described it. */
  readonly image?: Image;
}

export interface ChosenFile extends FileFacts {
  readonly body: Blob;
}

/** PUTs the bytes to a presigned URL; reports bytes sent; throws StorageRefusedError or NetworkError. */
export type PutObject = (grant: UploadGrant, body: Blob, onProgress: (sentBytes: number) => void) => Promise<void>;

export interface UploadQueueOptions {
  readonly api: Pick<ApiClient, 'createUpload' | 'getImage'>;
  readonly putObject: PutObject;
  readonly limits: UploadLimits;
  /** Called after every change of an item. */
  readonly onChange: (item: UploadItem) => void;
  /** An upload reached its final state (done or rejected), to show it in the gallery. */
  readonly onFinished?: (image: Image) => void;
  /** The session ended mid-way: the page asks the user to sign in again. */
  readonly onSessionEnded: (error: SessionEndedError) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Files asking for a URL or uploading at once. */
  readonly concurrency?: number;
  /** Delays between status checks: the first ones short, then the last one repeated. */
  readonly pollDelaysMs?: readonly number[];
  /** How long to follow processing before saying it takes long and stopping. */
  readonly processingDeadlineMs?: number;
}

const FINAL: ReadonlySet<UploadPhase> = new Set(['refused', 'done', 'rejected', 'failed']);

export class UploadQueue {
  private readonly items = new Map<string, UploadItem>();
  private readonly files = new Map<string, ChosenFile & { contentType: string }>();
  private readonly waiting: string[] = [];
  private active = 0;
  private counter = 0;
  private stopped = false;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: UploadQueueOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  /** Checks every file and starts the ones that pass; returns their rows in the order given. */
  add(files: readonly ChosenFile[]): UploadItem[] {
    const added = files.map((file) => {
      const key = `upload-${(this.counter += 1)}`;
      const check = checkFile(file, this.options.limits);
      const base = { key, fileName: file.name, sizeBytes: file.size, sentBytes: 0 };
      if (!check.ok) return this.set({ ...base, phase: 'refused', message: check.problem, retryable: false });
      this.files.set(key, { ...file, contentType: check.contentType });
      this.waiting.push(key);
      return this.set({ ...base, phase: 'waiting', retryable: false });
    });
    this.pump();
    return added;
  }

  /** Tries a failed file again from the start (a new upload URL). */
  retry(key: string): void {
    const item = this.items.get(key);
    if (!item || item.phase !== 'failed' || !item.retryable) return;
    this.set({ key: item.key, fileName: item.fileName, sizeBytes: item.sizeBytes, sentBytes: 0, phase: 'waiting', retryable: false });
    this.waiting.push(key);
    this.pump();
  }

  /** Removes a finished row. */
  dismiss(key: string): void {
    const item = this.items.get(key);
    if (item && FINAL.has(item.phase)) {
      this.items.delete(key);
      this.files.delete(key);
    }
  }

  list(): UploadItem[] {
    return [...this.items.values()];
  }

  /** Stops everything (sign-out): nothing more is sent or polled. */
  stop(): void {
    this.stopped = true;
    this.waiting.length = 0;
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 3;
    while (!this.stopped && this.active < limit && this.waiting.length > 0) {
      const key = this.waiting.shift()!;
      this.active += 1;
      void this.upload(key).then((grant) => {
        this.active -= 1;
        this.pump();
        if (grant) void this.follow(key, grant.image_id);
      });
    }
  }

  /** Asks for the URL and PUTs the file; resolves with the grant once S3 has it, undefined otherwise. */
  private async upload(key: string): Promise<UploadGrant | undefined> {
    const file = this.files.get(key)!;
    try {
      this.update(key, { phase: 'requesting' });
      const grant = await this.options.api.createUpload({ contentType: file.contentType, contentLength: file.size, fileName: file.name });
      if (this.stopped) return undefined;
      this.update(key, { phase: 'uploading', imageId: grant.image_id });
      await this.options.putObject(grant, file.body, (sentBytes) => this.update(key, { sentBytes: Math.min(sentBytes, file.size) }));
      if (this.stopped) return undefined;
      this.update(key, { phase: 'processing', sentBytes: file.size });
      return grant;
    } catch (error) {
      this.fail(key, error);
      return undefined;
    }
  }

  /** Polls the image until the processor has finished with it. */
  private async follow(key: string, imageId: string): Promise<void> {
    const delays = this.options.pollDelaysMs ?? [300, 500, 1000, 1500, 2000];
    const deadline = this.now() + (this.options.processingDeadlineMs ?? 5 * 60_000);
    for (let attempt = 0; !this.stopped; attempt += 1) {
      await this.sleep(delays[Math.min(attempt, delays.length - 1)]!);
      if (this.stopped) return;
      let image: Image;
      try {
        image = await this.options.api.getImage(imageId);
      } catch (error) {
        if (isSessionEnd(error)) return this.fail(key, error);
        if (error instanceof ApiError && error.code === 'NOT_FOUND') {
          return this.update(key, { phase: 'failed', message: 'This image was deleted.', retryable: false });
        }
        // A refusal that asking again will not change (no such route, a malformed id).
        if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
          return this.update(key, { phase: 'failed', message: 'Its status could not be read because of a problem on the server. It may still appear in your gallery.', retryable: false });
        }
        // Anything else is passing (network, busy): keep following until the deadline.
        if (this.now() > deadline) return this.stillProcessing(key);
        continue;
      }
      if (image.status === 'DONE') {
        this.update(key, { phase: 'done', image, message: undefined });
        return this.options.onFinished?.(image);
      }
      if (image.status === 'REJECTED') {
        this.update(key, { phase: 'rejected', image, message: rejectionMessage(image.rejection, this.options.limits) });
        return this.options.onFinished?.(image);
      }
      if (image.status === 'FAILED' || image.status === 'EXPIRED') {
        const message = image.status === 'FAILED' ? 'Processing failed. An operator can retry it; it stays in your gallery.' : 'The upload did not arrive in time.';
        this.update(key, { phase: 'failed', image, message, retryable: image.status === 'EXPIRED' });
        return this.options.onFinished?.(image);
      }
      if (this.now() > deadline) return this.stillProcessing(key);
    }
  }

  private stillProcessing(key: string): void {
    this.update(key, { message: 'Still processing. It will appear in your gallery when it is ready.' });
  }

  private fail(key: string, error: unknown): void {
    if (isSessionEnd(error)) {
      const ended = error instanceof SessionEndedError ? error : new SessionEndedError('expired');
      this.update(key, { phase: 'failed', message: 'Your session expired before this file was sent.', retryable: true });
      // Files in flight together all meet the end of the session: the page hears it once.
      const first = !this.stopped;
      this.stop();
      if (first) this.options.onSessionEnded(ended);
      return;
    }
    const failure = uploadFailure(error, this.options.limits);
    this.update(key, { phase: 'failed', message: failure.message, retryable: failure.retryable });
  }

  private update(key: string, change: Partial<Omit<UploadItem, 'key'>>): void {
    const item = this.items.get(key);
    if (!item) return;
    const next = { ...item, ...change };
    if (change.message === undefined && 'message' in change) delete (next as { message?: string }).message;
    this.set(next);
  }

  private set(item: UploadItem): UploadItem {
    this.items.set(item.key, item);
    this.options.onChange(item);
    return item;
  }
}

const isSessionEnd = (error: unknown) => error instanceof UnauthorizedError || error instanceof SessionEndedError;
