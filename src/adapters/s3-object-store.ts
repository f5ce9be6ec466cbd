import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { DeserializeMiddleware } from '@smithy/types';
import { ImageRejectedError } from '../domain/errors';
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
import { dependencyError, errorName } from './aws-errors';
import { decodeUtf8, type ListObjectsV2Page, ListPageFormatError, parseListObjectsV2Page, rootElementName } from './list-objects-v2-page';

/** One S3 bucket. */
export class S3ObjectStore implements ObjectReader, ObjectWriter, ObjectDeleter, ObjectLister {
  constructor(
    private readonly client: S3Client,
    readonly bucketName: string,
  ) {}

  async read(key: string, options: { maxBytes: number }): Promise<Buffer> {
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.bucketName, Key: key }));
    } catch (error) {
      // NoSuchKey only: another 404 (NoSuchBucket, a wrong endpoint) is a deployment fault to retry.
      if (error instanceof NoSuchKey || errorName(error) === 'NoSuchKey') {
        throw new ImageRejectedError('ORIGINAL_NOT_FOUND', `s3://${this.bucketName}/${key} does not exist.`, { cause: error });
      }
      throw dependencyError('S3', 'GetObject', error);
    }
    const tooLarge = () =>
      new ImageRejectedError('TOO_LARGE', `s3://${this.bucketName}/${key} is larger than ${options.maxBytes} bytes.`);
    const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    if ((response.ContentLength ?? 0) > options.maxBytes) {
      body?.destroy?.();
      throw tooLarge();
    }
    if (!body) return Buffer.alloc(0);
    // Stream with a running count so a body larger than announced is cut off, never buffered.
    const chunks: Uint8Array[] = [];
    let received = 0;
    try {
      for await (const chunk of body) {
        received += chunk.length;
        if (received > options.maxBytes) {
          body.destroy?.();
          throw tooLarge();
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof ImageRejectedError) throw error;
      throw dependencyError('S3', 'GetObject', error);
    }
    return Buffer.concat(chunks, received);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucketName, Key: key }));
      return true;
    } catch (error) {
      // HEAD answers have no body, so a missing key comes back as NotFound, not NoSuchKey (a missing
      // bucket too; the processor only asks about the bucket it checked the event against).
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
      if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey') return false;
      throw dependencyError('S3', 'HeadObject', error);
    }
  }

  async write(key: string, body: Uint8Array, options: { contentType: string; cacheControl?: string }): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucketName,
          Key: key,
          Body: body,
          ContentType: options.contentType,
          // Stored with the object, so S3 sends it with every GET (presigned ones too).
          ...(options.cacheControl !== undefined ? { CacheControl: options.cacheControl } : {}),
        }),
      );
    } catch (error) {
      throw dependencyError('S3', 'PutObject', error);
    }
  }

  async deleteAll(keys: readonly string[]): Promise<void> {
    // DeleteObjects takes up to 1000 keys; deleting a missing key succeeds (S3 reports it deleted).
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000);
      let response;
      try {
        response = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucketName, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
      } catch (error) {
        throw dependencyError('S3', 'DeleteObjects', error);
      }
      // Per-key failures come back in a 200 answer, not as an exception.
      const [failed] = response.Errors ?? [];
      if (failed) {
        const cause = Object.assign(new Error(failed.Message ?? 'DeleteObjects failed'), { name: failed.Code ?? 'DeleteObjectsError' });
        throw dependencyError('S3', 'DeleteObjects', cause);
      }
    }
  }

  async *listPages(options: { startAfter?: string; signal?: AbortSignal }): AsyncIterable<readonly ListedObject[]> {
    let continuationToken: string | undefined;
    for (;;) {
      const page = await this.listPage(options.startAfter, continuationToken, options.signal);
      yield page.objects;
      if (!page.isTruncated) return;
      continuationToken = page.nextContinuationToken;
    }
  }

  /** One ListObjectsV2 request, its body read by readKeysAndSizes (below). */
  private async listPage(startAfter: string | undefined, continuationToken: string | undefined, signal: AbortSignal | undefined): Promise<ListObjectsV2Page> {
    const command = new ListObjectsV2Command({
      Bucket: this.bucketName,
      MaxKeys: 1000,
      ...(startAfter !== undefined ? { StartAfter: startAfter } : {}),
      ...(continuationToken !== undefined ? { ContinuationToken: continuationToken } : {}),
    });
    let page: ListObjectsV2Page | undefined;
    command.middlewareStack.addRelativeTo(
      readKeysAndSizes((read) => {
        page = read;
      }),
      { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'readListObjectsV2KeysAndSizes' },
    );
    try {
      await this.client.send(command, signal ? { abortSignal: signal } : {});
    } catch (error) {
      throw dependencyError('S3', 'ListObjectsV2', error);
    }
    if (!page) throw dependencyError('S3', 'ListObjectsV2', new ListPageFormatError('the SDK answered without reading a page'));
    return page;
  }
}

/**
 * Reads a successful ListObjectsV2 body for its keys, sizes and continuation token
 * (parseListObjectsV2Page), and hands the SDK an empty body to deserialize instead.
 *
 * Why: once the listings run in parallel, the function's CPU per page is what bounds a run over
 * 100 million objects (docs/BENCHMARKS.md, "Metrics at scale"). The SDK's deserializer turns every
 * key of a page into a full object (dates, ETags, storage classes): a whole 1,000-key request costs
 * three to four times the CPU that way (docs/BENCHMARKS.md has the figures of the last run, about
 * 20 ms against 5 ms on a shared 2-core machine), of which this reader's parse is about 1.6 ms.
 * Why not an XML library: measured on the same 1,000-key page, the strict, well-kept SAX parser
 * saxes (jsdom's) takes about 2.5 times the CPU of parseListObjectsV2Page, the SDK's own parseXML
 * (@aws-sdk/xml-builder) 4 to 6 times before any shaping, fast-xml-parser 10 to 18 times; txml is
 * as fast but lenient (it returns a tree for a body cut short, and leaves `&amp;` undecoded), and
 * a count must never be read from a body cut short.
 *
 * How: a middleware placed after the SDK's deserializer, so it sees the raw response before the
 * deserializer does, as the SDK's own throw200Exceptions middleware does for S3. Everything else
 * stays the SDK's: endpoint, credentials, SigV4, retries with backoff on throttling, 5xx and network
 * errors, timeouts, the abort signal, and its error parsing: any other status passes through
 * untouched, and so does a 200 holding an <Error> document, which throw200Exceptions turns into a
 * retried 503. A body that is neither fails loudly as a ListPageFormatError, never retried.
 *
 * No EncodingType is requested: LocalStack 4.14 then compares URL-encoded keys with StartAfter and
 * the continuation token and skips keys (localstack/services/s3/provider.py, list_objects_v2), and
 * the parser reads any character S3 writes as a reference (a control character comes as `&#x1;`).
 */
function readKeysAndSizes(onPage: (page: ListObjectsV2Page) => void): DeserializeMiddleware<ListObjectsV2CommandInput, ListObjectsV2CommandOutput> {
  return (next) => async (args) => {
    const result = await next(args);
    const response = result.response as { statusCode?: number; body?: unknown };
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) return result;
    const body = await readBody(response.body);
    const text = decodeUtf8(body);
    if (rootElementName(text) === 'Error') {
      response.body = body;
      return result;
    }
    onPage(parseListObjectsV2Page(text));
    response.body = new Uint8Array(0);
    return result;
  };
}

async function readBody(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] !== 'function') {
    throw new ListPageFormatError(`a response body the listing cannot read (${typeof body})`);
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * Presigns PUTs into one bucket. Give it a client configured with the endpoint the *uploader*
 * reaches (inside Docker the functions reach S3 at another address than a browser does) and with
 * `requestChecksumCalculation: 'WHEN_REQUIRED'`: otherwise the SDK signs a CRC32 of the empty
 * body into the URL and every real upload fails its checksum.
 */
export class S3UploadUrlSigner implements UploadUrlSigner {
  constructor(
    private readonly presignClient: S3Client,
    readonly bucketName: string,
  ) {}

  async presignPut(request: PresignPutRequest): Promise<PresignedPut> {
    const headers = {
      'Content-Type': request.contentType,
      'Content-Length': String(request.contentLength),
      // Write-once: S3 refuses a second PUT to an existing key, so a replayed URL can never
      // replace an image once uploaded. https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
      'If-None-Match': '*',
    };
    const command = new PutObjectCommand({
      Bucket: this.bucketName,
      Key: request.key,
      ContentType: request.contentType,
      ContentLength: request.contentLength,
      IfNoneMatch: '*',
    });
    try {
      const url = await getSignedUrl(this.presignClient, command, {
        expiresIn: request.expiresInSeconds,
        // Listed in X-Amz-SignedHeaders, so S3 refuses an upload that sends other values.
        signableHeaders: new Set(Object.keys(headers).map((name) => name.toLowerCase())),
      });
      return { url, headers };
    } catch (error) {
      throw dependencyError('S3', 'presign PutObject', error);
    }
  }
}

/** Presigns GETs of renditions, for the address the *client* reaches S3 at (see S3UploadUrlSigner). */
export class S3DownloadUrlSigner implements DownloadUrlSigner {
  constructor(
    private readonly presignClient: S3Client,
    readonly bucketName: string,
  ) {}

  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    try {
      return await getSignedUrl(this.presignClient, new GetObjectCommand({ Bucket: this.bucketName, Key: key }), { expiresIn: expiresInSeconds });
    } catch (error) {
      throw dependencyError('S3', 'presign GetObject', error);
    }
  }
}
