import { NetworkError, type UploadGrant } from '../api/client';
import { s3ErrorCode, StorageRefusedError } from './messages';
import type { PutObject } from './upload-queue';

/**
 * Headers a page may not set: the browser sends its own (Content-Length from the body).
 * https://fetch.spec.whatwg.org/#forbidden-request-header
 */
const BROWSER_SET_HEADERS = new Set(['content-length', 'host', 'connection', 'expect']);

/**
 * PUTs the file straight to S3 with the presigned URL and exactly the signed headers. XMLHttpRequest
 * rather than fetch: only it reports upload progress (`upload.onprogress`, bytes sent of total).
 * https://xhr.spec.whatwg.org/#the-upload-attribute
 */
export const putObjectWithProgress: PutObject = (grant: UploadGrant, body: Blob, onProgress: (sentBytes: number) => void) =>
  new Promise<void>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', grant.upload_url);
    for (const [name, value] of Object.entries(grant.headers)) {
      if (!BROWSER_SET_HEADERS.has(name.toLowerCase())) request.setRequestHeader(name, value);
    }
    request.upload.onprogress = (event) => onProgress(event.loaded);
    // Every byte is sent; S3's answer follows.
    request.upload.onload = () => onProgress(body.size);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) resolve();
      else reject(new StorageRefusedError(request.status, s3ErrorCode(request.responseText)));
    };
    // Status 0: no answer the page may read (offline, refused connection, or a CORS refusal).
    request.onerror = () => reject(new NetworkError(false));
    request.ontimeout = () => reject(new NetworkError(true));
    request.onabort = () => reject(new NetworkError(false));
    request.send(body);
  });
