import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  paginateListObjectsV2,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
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
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: 1000, ...(options.signal ? { abortSignal: options.signal } : {}) },
      { Bucket: this.bucketName, ...(options.startAfter !== undefined ? { StartAfter: options.startAfter } : {}) },
    );
    try {
      for await (const page of pages) {
        yield (page.Contents ?? []).map((object) => ({ key: object.Key ?? '', sizeBytes: object.Size ?? 0 }));
      }
    } catch (error) {
      throw dependencyError('S3', 'ListObjectsV2', error);
    }
  }
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
