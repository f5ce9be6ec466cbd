/** One bucket's objects, as the use cases need them. Adapters throw DependencyError on failure. */
export interface ObjectReader {
  /**
   * The object's bytes. Throws ImageRejectedError `ORIGINAL_NOT_FOUND` when there is no such key
   * and `TOO_LARGE` as soon as more than `maxBytes` arrive (the rest is never downloaded).
   */
  read(key: string, options: { maxBytes: number }): Promise<Buffer>;
  /** Whether the object is there, without reading any of it. */
  exists(key: string): Promise<boolean>;
}

export interface ObjectWriter {
  write(key: string, body: Uint8Array, options: { contentType: string; cacheControl?: string }): Promise<void>;
}

export interface ObjectDeleter {
  /** Deletes these keys; a key that does not exist is no error. */
  deleteAll(keys: readonly string[]): Promise<void>;
}

export interface DownloadUrlSigner {
  /** A URL that GETs this one object until it expires. */
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}

export interface ListedObject {
  readonly key: string;
  readonly sizeBytes: number;
}

export interface ObjectLister {
  /** Pages of objects in key order, starting after `startAfter` (exclusive) when given. */
  listPages(options: { startAfter?: string; signal?: AbortSignal }): AsyncIterable<readonly ListedObject[]>;
}

export interface PresignPutRequest {
  readonly key: string;
  readonly contentType: string;
  readonly contentLength: number;
  readonly expiresInSeconds: number;
}

export interface PresignedPut {
  readonly url: string;
  /** The headers the PUT must send, byte for byte: they are part of the signature. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface UploadUrlSigner {
  /** A URL that accepts exactly one object: this key, this content type, this many bytes. */
  presignPut(request: PresignPutRequest): Promise<PresignedPut>;
}
