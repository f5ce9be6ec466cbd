import { createHmac, timingSafeEqual } from 'node:crypto';
import { VISIBLE_STATUSES, type VisibleStatus } from '../contract';
import { RequestError } from './errors';
import { isImageId } from './image-key';
import type { PagePosition } from './ports/image-repository';

/** Longest cursor accepted (ours are about 200 characters). */
export const MAX_CURSOR_LENGTH = 2048;
const VERSION = 1;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

interface CursorContent {
  readonly v: number;
  /** The user it was issued to. */
  readonly u: string;
  /** The status filter it was issued for, or null. */
  readonly s: VisibleStatus | null;
  readonly c: string;
  readonly i: string;
}

/**
 * `GET /images` cursors: the position after the last item of a page, bound to the user and the
 * status filter it was issued for, signed with HMAC-SHA256. A cursor that was altered, forged,
 * issued to another user or for another filter is refused (400) before anything is read. The
 * listing is also always confined to the caller's own partition of the index, so even a leaked key
 * could not reach another user's images: the signature makes tampering an error instead of a
 * silently different page. Not encrypted: the position (an image id and a timestamp) is the
 * caller's own data.
 */
export class PageCursorCodec {
  private readonly key: Buffer;

  constructor(signingKey: string) {
    this.key = Buffer.from(signingKey, 'utf8');
  }

  encode(userId: string, status: VisibleStatus | undefined, position: PagePosition): string {
    const content: CursorContent = { v: VERSION, u: userId, s: status ?? null, c: position.createdAt, i: position.imageId };
    const payload = Buffer.from(JSON.stringify(content), 'utf8').toString('base64url');
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  /** The position a cursor stands for; RequestError INVALID_REQUEST for anything else. */
  decode(cursor: string, userId: string, status: VisibleStatus | undefined): PagePosition {
    const invalid = () => new RequestError('INVALID_REQUEST', 'The cursor is not valid for this request: pass nextCursor exactly as it was returned, with the same status filter.');
    if (cursor.length > MAX_CURSOR_LENGTH) throw invalid();
    const [payload = '', signature = '', ...rest] = cursor.split('.');
    if (rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]+$/.test(signature)) throw invalid();
    const presented = Buffer.from(signature, 'base64url');
    const expected = this.sign(payload);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw invalid();
    let content: Partial<CursorContent>;
    try {
      content = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<CursorContent>;
    } catch {
      throw invalid();
    }
    const statusMatches = (content.s === null && status === undefined) || content.s === status;
    if (
      content.v !== VERSION ||
      content.u !== userId ||
      !statusMatches ||
      (content.s !== null && !(VISIBLE_STATUSES as readonly unknown[]).includes(content.s)) ||
      typeof content.c !== 'string' ||
      !ISO_TIMESTAMP.test(content.c) ||
      typeof content.i !== 'string' ||
      !isImageId(content.i)
    ) {
      throw invalid();
    }
    return { createdAt: content.c, imageId: content.i };
  }

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.key).update(`imgproc-page-cursor.${payload}`).digest();
  }
}
