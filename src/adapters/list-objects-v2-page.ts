import type { ListedObject } from '../domain/ports/object-store';

/**
 * What s3-metrics needs from one ListObjectsV2 answer: each object's key and size, and where the
 * listing goes on. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
export interface ListObjectsV2Page {
  readonly objects: ListedObject[];
  readonly isTruncated: boolean;
  /** Present whenever `isTruncated` is true. */
  readonly nextContinuationToken?: string;
}

/** A 2xx ListObjectsV2 body that is not the documented ListBucketResult document. */
export class ListPageFormatError extends Error {
  constructor(message: string) {
    super(`Unexpected ListObjectsV2 response: ${message}`);
    this.name = 'ListPageFormatError';
  }
}

function fail(message: string): never {
  throw new ListPageFormatError(message);
}

// Fatal: a body that is not UTF-8 fails here instead of turning keys into replacement characters.
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(body: Uint8Array): string {
  try {
    return utf8.decode(body);
  } catch {
    return fail('the body is not valid UTF-8');
  }
}

interface OpenTag {
  readonly name: string;
  readonly selfClosing: boolean;
  /** Index just after the tag's `>`. */
  readonly end: number;
}

const isSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

function skipSpace(text: string, at: number): number {
  while (at < text.length && isSpace(text.charCodeAt(at))) at += 1;
  return at;
}

/** The start tag at `at` (attributes are allowed and ignored: S3 puts an xmlns on the root). */
function openTag(text: string, at: number): OpenTag {
  if (text.charCodeAt(at) !== 0x3c /* < */) fail(`expected an element at offset ${at}`);
  const first = text[at + 1];
  if (first === '!' || first === '?') fail(`comments, CDATA sections, DOCTYPEs and processing instructions are not expected (offset ${at})`);
  if (first === '/') fail(`unexpected closing tag at offset ${at}`);
  let nameEnd = at + 1;
  while (nameEnd < text.length) {
    const code = text.charCodeAt(nameEnd);
    if (isSpace(code) || code === 0x2f /* / */ || code === 0x3e /* > */ || code === 0x3c /* < */) break;
    nameEnd += 1;
  }
  const gt = text.indexOf('>', nameEnd);
  if (nameEnd === at + 1 || gt < 0) fail(`a malformed tag at offset ${at}`);
  const attributes = text.slice(nameEnd, gt);
  if (attributes.includes('<')) fail(`a malformed tag at offset ${at}`);
  return { name: text.slice(at + 1, nameEnd), selfClosing: attributes.endsWith('/'), end: gt + 1 };
}

/** The text content of a simple element whose start tag ended at `at`: raw (entities not yet decoded). */
function rawText(text: string, at: number, tag: OpenTag): { raw: string; end: number } {
  if (tag.selfClosing) return { raw: '', end: at };
  const lt = text.indexOf('<', at);
  const end = closingTagEnd(text, lt, tag.name);
  if (end < 0) fail(`<${tag.name}> must hold text only (offset ${at})`);
  return { raw: text.slice(at, lt), end };
}

/** The index just after `</name>` when it starts at `at`, else -1 (without building the closing tag: this runs for every element). */
function closingTagEnd(text: string, at: number, name: string): number {
  if (at < 0 || text.charCodeAt(at + 1) !== 0x2f /* / */ || !text.startsWith(name, at + 2)) return -1;
  const gt = at + 2 + name.length;
  return text.charCodeAt(gt) === 0x3e /* > */ ? gt + 1 : -1;
}

/** Skips an element of any depth whose start tag ended at `at`, checking that its tags nest. */
function skipElement(text: string, at: number, tag: OpenTag): number {
  if (tag.selfClosing) return at;
  // Most elements hold text only (LastModified, ETag, StorageClass): their closing tag is next.
  const simpleEnd = closingTagEnd(text, text.indexOf('<', at), tag.name);
  if (simpleEnd >= 0) return simpleEnd;
  const open = [tag.name];
  let position = at;
  while (open.length > 0) {
    const lt = text.indexOf('<', position);
    if (lt < 0) fail(`<${open[open.length - 1]}> is never closed`);
    if (text.charCodeAt(lt + 1) === 0x2f /* / */) {
      const name = open.pop()!;
      const close = `</${name}>`;
      if (!text.startsWith(close, lt)) fail(`expected ${close} at offset ${lt}`);
      position = lt + close.length;
    } else {
      const inner = openTag(text, lt);
      if (!inner.selfClosing) open.push(inner.name);
      position = inner.end;
    }
  }
  return position;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * XML character data to a string: line ends normalised as XML requires, the five named entities
 * and numeric character references decoded. Any code point is accepted in a reference: S3 writes a
 * key holding a control character (which XML 1.0 forbids) as `&#x1;` and the key must still count.
 */
export function decodeXmlText(raw: string): string {
  const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  let decoded = '';
  let from = 0;
  while (amp >= 0) {
    const semicolon = text.indexOf(';', amp);
    const reference = semicolon < 0 ? '' : text.slice(amp + 1, semicolon);
    let character: string | undefined = NAMED_ENTITIES[reference];
    if (character === undefined) {
      const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(reference);
      const codePoint = numeric ? Number.parseInt(numeric[1] ?? numeric[2]!, numeric[1] !== undefined ? 16 : 10) : -1;
      if (codePoint < 0 || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
        return fail(`an invalid character reference "${text.slice(amp, Math.min(text.length, amp + 12))}"`);
      }
      character = String.fromCodePoint(codePoint);
    }
    decoded += text.slice(from, amp) + character;
    from = semicolon + 1;
    amp = text.indexOf('&', from);
  }
  return decoded + text.slice(from);
}

/** `EncodingType=url` keys: S3 writes a space as `+` and a `+` as `%2B` (form encoding). */
function decodeUrlKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, '%20'));
  } catch {
    return fail(`a Key that is not valid URL encoding: "${encoded.slice(0, 64)}"`);
  }
}

function parseCount(raw: string, element: string): number {
  if (!/^[0-9]{1,15}$/.test(raw)) fail(`<${element}> is not a whole number: "${raw.slice(0, 32)}"`);
  return Number(raw);
}

function parseBoolean(raw: string, element: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return fail(`<${element}> is neither true nor false: "${raw.slice(0, 32)}"`);
}

/** The name of the document's root element, or undefined when there is none to read. */
export function rootElementName(text: string): string | undefined {
  try {
    return openTag(text, skipProlog(text)).name;
  } catch {
    return undefined;
  }
}

/** Past a byte-order mark, white space and the XML declaration. */
function skipProlog(text: string): number {
  let at = skipSpace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (text.startsWith('<?xml', at)) {
    const end = text.indexOf('?>', at);
    if (end < 0) fail('an unterminated XML declaration');
    at = skipSpace(text, end + 2);
  }
  return at;
}

/** One <Contents> element (start tag ended at `at`): its Key (raw) and Size. */
function readContents(text: string, at: number, tag: OpenTag): { rawKey: string; sizeBytes: number; end: number } {
  if (tag.selfClosing) fail(`an empty <Contents/> at offset ${at}`);
  let rawKey: string | undefined;
  let sizeBytes: number | undefined;
  let position = at;
  for (;;) {
    position = skipSpace(text, position);
    if (text.startsWith('</Contents>', position)) break;
    const child = openTag(text, position);
    if (child.name === 'Key' || child.name === 'Size') {
      const { raw, end } = rawText(text, child.end, child);
      if (child.name === 'Key') {
        if (rawKey !== undefined) fail(`a <Contents> with two <Key>s at offset ${position}`);
        rawKey = raw;
      } else {
        if (sizeBytes !== undefined) fail(`a <Contents> with two <Size>s at offset ${position}`);
        sizeBytes = parseCount(raw, 'Size');
      }
      position = end;
    } else {
      position = skipElement(text, child.end, child);
    }
  }
  if (rawKey === undefined || rawKey === '' || sizeBytes === undefined) fail(`a <Contents> without a Key or a Size at offset ${at}`);
  return { rawKey: rawKey!, sizeBytes: sizeBytes!, end: position + '</Contents>'.length };
}

/**
 * Reads a ListObjectsV2 body (a `<ListBucketResult>` document) for the keys and sizes of its
 * objects and the continuation token, and nothing else. Strict: anything that could make a count
 * wrong fails loudly (a body cut short, a missing or contradicted KeyCount, a Contents without
 * Key or Size, a truncated page without a token, CommonPrefixes in a listing without a delimiter,
 * markup where text belongs, an unknown entity, bytes that are not UTF-8).
 */
export function parseListObjectsV2Page(body: Uint8Array | string): ListObjectsV2Page {
  const text = typeof body === 'string' ? body : decodeUtf8(body);
  const rootTag = openTag(text, skipProlog(text));
  if (rootTag.name !== 'ListBucketResult') fail(`the root element is <${rootTag.name}>, not <ListBucketResult>`);
  if (rootTag.selfClosing) fail('an empty <ListBucketResult/>');
  const rawKeys: string[] = [];
  const sizes: number[] = [];
  let isTruncated: boolean | undefined;
  let keyCount: number | undefined;
  let nextContinuationToken: string | undefined;
  let encodingType: string | undefined;
  let position = rootTag.end;
  for (;;) {
    position = skipSpace(text, position);
    if (position >= text.length) fail('the body ends before </ListBucketResult>');
    if (text.startsWith('</ListBucketResult>', position)) {
      position += '</ListBucketResult>'.length;
      break;
    }
    const tag = openTag(text, position);
    if (tag.name === 'Contents') {
      const contents = readContents(text, tag.end, tag);
      rawKeys.push(contents.rawKey);
      sizes.push(contents.sizeBytes);
      position = contents.end;
      continue;
    }
    if (tag.name === 'CommonPrefixes') fail('CommonPrefixes in a listing sent without a delimiter');
    if (tag.name !== 'IsTruncated' && tag.name !== 'KeyCount' && tag.name !== 'NextContinuationToken' && tag.name !== 'EncodingType') {
      position = skipElement(text, tag.end, tag);
      continue;
    }
    const { raw, end } = rawText(text, tag.end, tag);
    position = end;
    if (tag.name === 'IsTruncated') {
      if (isTruncated !== undefined) fail('two <IsTruncated> elements');
      isTruncated = parseBoolean(raw, tag.name);
    } else if (tag.name === 'KeyCount') {
      if (keyCount !== undefined) fail('two <KeyCount> elements');
      keyCount = parseCount(raw, tag.name);
    } else if (tag.name === 'NextContinuationToken') {
      if (nextContinuationToken !== undefined) fail('two <NextContinuationToken> elements');
      nextContinuationToken = decodeXmlText(raw);
    } else {
      if (encodingType !== undefined) fail('two <EncodingType> elements');
      encodingType = decodeXmlText(raw);
    }
  }
  if (skipSpace(text, position) !== text.length) fail('content after </ListBucketResult>');
  if (isTruncated === undefined) fail('no <IsTruncated>');
  if (keyCount === undefined) fail('no <KeyCount>');
  if (keyCount !== rawKeys.length) fail(`<KeyCount> says ${keyCount} keys, the body holds ${rawKeys.length}`);
  if (isTruncated && !nextContinuationToken) fail('a truncated page without a <NextContinuationToken>');
  if (encodingType !== undefined && encodingType !== 'url') fail(`an unknown <EncodingType> "${encodingType}"`);
  const objects = rawKeys.map((rawKey, i) => {
    const xmlDecoded = decodeXmlText(rawKey);
    return { key: encodingType === 'url' ? decodeUrlKey(xmlDecoded) : xmlDecoded, sizeBytes: sizes[i]! };
  });
  return { objects, isTruncated: isTruncated!, ...(isTruncated ? { nextContinuationToken: nextContinuationToken! } : {}) };
}
