import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

/**
 * HEIC files made at test time: libheif's `heif-enc` (Debian's libheif-examples, installed by
 * scripts/setup.sh) encodes a JPEG that sharp generates into HEVC, copying its EXIF; the iPhone
 * touches (an `irot` box beside an EXIF orientation) are then written into the file's boxes here.
 */

export function heifEncAvailable(): boolean {
  return spawnSync('heif-enc', ['--help'], { encoding: 'utf8' }).error === undefined;
}

/** HEVC-coded HEIC from any image sharp can read, through heif-enc. */
export async function heicFrom(image: sharp.Sharp | Buffer, options: { quality?: number } = {}): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'imgproc-heic-'));
  try {
    const jpeg = Buffer.isBuffer(image) ? image : await image.jpeg({ quality: 95 }).toBuffer();
    writeFileSync(join(dir, 'in.jpg'), jpeg);
    const run = spawnSync('heif-enc', ['-q', String(options.quality ?? 90), '-o', join(dir, 'out.heic'), join(dir, 'in.jpg')], { encoding: 'utf8' });
    if (run.error || run.status !== 0) {
      throw new Error(`heif-enc failed (${run.error?.message ?? run.stderr}); install Debian's libheif-examples (scripts/setup.sh does it as root)`);
    }
    return readFileSync(join(dir, 'out.heic'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const RED = { r: 255, g: 0, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };

/** Stored 40×20: left half red, right half blue (as a phone sensor records a portrait shot). */
async function sensorPixels(): Promise<sharp.Sharp> {
  const half = (colour: sharp.Color) => sharp({ create: { width: 20, height: 20, channels: 3, background: colour } }).png().toBuffer();
  return sharp({ create: { width: 40, height: 20, channels: 3, background: RED } }).composite([
    { input: await half(RED), left: 0, top: 0 },
    { input: await half(BLUE), left: 20, top: 0 },
  ]);
}

/**
 * An iPhone-style HEIC: pixels stored 40×20 (red left, blue right), an `irot` box turning them 90°
 * clockwise and an EXIF block with Orientation 6, camera make and model and GPS coordinates, as
 * iPhones write them. Displayed correctly it is 20×40, red on top, blue below; a decoder that
 * applies both irot and the EXIF orientation turns it twice.
 */
export async function iphoneStyleHeic(options: { exifOrientation?: 1 | 6; irot?: boolean } = {}): Promise<Buffer> {
  const pixels = (await sensorPixels()).jpeg({ quality: 95 }).withExif({
    IFD0: { Make: 'Apple', Model: 'iPhone 15 Pro' },
    IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
  });
  let heic = await heicFrom(await pixels.toBuffer());
  if ((options.exifOrientation ?? 6) !== 1) heic = setExifOrientation(heic, options.exifOrientation ?? 6);
  if (options.irot ?? true) heic = addRotation(heic, 3); // irot counts anticlockwise quarter turns: 3 = 90° clockwise
  return heic;
}

/** Rewrites the EXIF Orientation (tag 0x0112, little-endian TIFF as sharp writes it) in place. */
function setExifOrientation(file: Buffer, orientation: number): Buffer {
  const entry = Buffer.from([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00]);
  const at = file.indexOf(entry);
  if (at < 0 || file.indexOf(entry, at + 1) >= 0) throw new Error('expected exactly one EXIF orientation entry');
  const copy = Buffer.from(file);
  copy.writeUInt16LE(orientation, at + 8);
  return copy;
}

interface Box {
  readonly type: string;
  readonly start: number;
  readonly size: number;
  /** Where the children (or payload) begin. */
  readonly body: number;
}

function boxesIn(file: Buffer, from: number, to: number, fullBox = false): Box[] {
  const boxes: Box[] = [];
  let at = from + (fullBox ? 4 : 0);
  while (at + 8 <= to) {
    const size = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    if (size < 8) throw new Error(`unsupported box size ${size} for ${type}`);
    boxes.push({ type, start: at, size, body: at + 8 });
    at += size;
  }
  return boxes;
}

const child = (boxes: Box[], type: string): Box => {
  const found = boxes.find((box) => box.type === type);
  if (!found) throw new Error(`no ${type} box`);
  return found;
};

/**
 * Adds an `irot` property (essential, as transformations must be) to the primary item: a new box
 * at the end of `ipco`, one more association in `ipma`, the sizes of every enclosing box grown,
 * and every `iloc` file offset after the insertion moved by the bytes added.
 */
function addRotation(file: Buffer, quarterTurnsAnticlockwise: number): Buffer {
  const top = boxesIn(file, 0, file.length);
  const meta = child(top, 'meta');
  const metaChildren = boxesIn(file, meta.body, meta.start + meta.size, true);
  const primaryId = file.readUInt16BE(child(metaChildren, 'pitm').body + 4);
  const iprp = child(metaChildren, 'iprp');
  const iprpChildren = boxesIn(file, iprp.body, iprp.start + iprp.size);
  const ipco = child(iprpChildren, 'ipco');
  const ipma = child(iprpChildren, 'ipma');
  const propertyIndex = boxesIn(file, ipco.body, ipco.start + ipco.size).length + 1;

  // The association: essential bit + 7-bit index (ipma flags bit 0 clear) or 15-bit index.
  const ipmaVersion = file[ipma.body]!;
  const wideIndex = (file.readUInt32BE(ipma.body) & 1) === 1;
  const association = wideIndex ? Buffer.from([0x80 | (propertyIndex >> 8), propertyIndex & 0xff]) : Buffer.from([0x80 | propertyIndex]);
  let at = ipma.body + 4;
  const entries = file.readUInt32BE(at);
  at += 4;
  let insertAssociationAt = -1;
  let countAt = -1;
  for (let entry = 0; entry < entries; entry += 1) {
    const itemId = ipmaVersion < 1 ? file.readUInt16BE(at) : file.readUInt32BE(at);
    at += ipmaVersion < 1 ? 2 : 4;
    const count = file[at]!;
    if (itemId === primaryId) countAt = at;
    at += 1 + count * (wideIndex ? 2 : 1);
    if (itemId === primaryId) insertAssociationAt = at;
  }
  if (insertAssociationAt < 0) throw new Error('the primary item has no ipma entry');

  const irot = Buffer.from([0, 0, 0, 9, 0x69, 0x72, 0x6f, 0x74, quarterTurnsAnticlockwise & 3]);
  const ipcoEnd = ipco.start + ipco.size;
  // ipco comes before ipma in heif-enc's files; both insertions are made in one pass, in order.
  if (ipcoEnd > ipma.start) throw new Error('expected ipco before ipma');
  const added = irot.length + association.length;
  const out = Buffer.concat([
    file.subarray(0, ipcoEnd),
    irot,
    file.subarray(ipcoEnd, insertAssociationAt),
    association,
    file.subarray(insertAssociationAt),
  ]);
  const shifted = (offset: number) => (offset >= ipcoEnd ? offset + irot.length : offset) + (offset >= insertAssociationAt ? association.length : 0);
  out.writeUInt32BE(meta.size + added, meta.start);
  out.writeUInt32BE(iprp.size + added, shifted(iprp.start));
  out.writeUInt32BE(ipco.size + irot.length, ipco.start);
  out.writeUInt32BE(ipma.size + association.length, shifted(ipma.start));
  out[shifted(countAt)] = file[countAt]! + 1;

  // Every byte after meta moved by `added`: file offsets in iloc (construction method 0) follow.
  const metaEnd = meta.start + meta.size;
  const iloc = child(boxesIn(out, meta.body, meta.start + meta.size + added, true), 'iloc');
  moveIlocOffsets(out, iloc, metaEnd, added);
  return out;
}

function readSized(file: Buffer, at: number, bytes: number): number {
  return bytes === 0 ? 0 : bytes === 4 ? file.readUInt32BE(at) : bytes === 8 ? Number(file.readBigUInt64BE(at)) : file.readUInt16BE(at);
}

function writeSized(file: Buffer, at: number, bytes: number, value: number): void {
  if (bytes === 4) file.writeUInt32BE(value, at);
  else if (bytes === 8) file.writeBigUInt64BE(BigInt(value), at);
  else if (bytes === 2) file.writeUInt16BE(value, at);
}

function moveIlocOffsets(file: Buffer, iloc: Box, after: number, delta: number): void {
  const version = file[iloc.body]!;
  let at = iloc.body + 4;
  const offsetSize = file[at]! >> 4;
  const lengthSize = file[at]! & 0x0f;
  const baseOffsetSize = file[at + 1]! >> 4;
  const indexSize = version >= 1 ? file[at + 1]! & 0x0f : 0;
  at += 2;
  const items = version < 2 ? file.readUInt16BE(at) : file.readUInt32BE(at);
  at += version < 2 ? 2 : 4;
  for (let item = 0; item < items; item += 1) {
    at += version < 2 ? 2 : 4; // item_ID
    const constructionMethod = version >= 1 ? file.readUInt16BE(at) & 0x0f : 0;
    if (version >= 1) at += 2;
    at += 2; // data_reference_index
    const baseAt = at;
    const base = readSized(file, at, baseOffsetSize);
    at += baseOffsetSize;
    const extents = file.readUInt16BE(at);
    at += 2;
    const moveBase = constructionMethod === 0 && baseOffsetSize > 0 && base >= after;
    if (moveBase) writeSized(file, baseAt, baseOffsetSize, base + delta);
    for (let extent = 0; extent < extents; extent += 1) {
      at += indexSize;
      const offset = readSized(file, at, offsetSize);
      if (constructionMethod === 0 && !moveBase && offsetSize > 0 && base + offset >= after) writeSized(file, at, offsetSize, offset + delta);
      at += offsetSize + lengthSize;
    }
  }
}
