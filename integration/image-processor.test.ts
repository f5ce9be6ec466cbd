import sharp from 'sharp';
import { ENV } from '../src/contract';
import { iphoneStyleHeic } from '../src/test-support/heic';
import * as images from '../src/test-support/images';
import { type ProcessorRig, startProcessorRig } from './support/processor-rig';

let rig: ProcessorRig;

beforeAll(async () => {
  // HEIC switched on, as an operator does (README "HEIC and HEIF").
  rig = await startProcessorRig('it-proc', { environment: { [ENV.allowedContentTypes]: 'image/jpeg,image/png,image/webp,image/gif,image/avif,image/tiff,image/heic,image/heif' } });
});

afterAll(async () => {
  await rig?.stop();
});

describe('image-processor, in its container, fed by a real S3 event notification', () => {
  it('renders oriented renditions without EXIF, records DONE and notifies', async () => {
    // Arrange: stored 40×20 with orientation 6 and GPS in its EXIF: displayed as 20×40.
    const original = await sharp(await images.orientation6Jpeg())
      .withExifMerge({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
      .jpeg()
      .toBuffer();
    const { id, key, message } = await rig.upload(original, 'jpg');

    // Act
    const response = await rig.invoke(message);

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
    const record = await rig.record(id);
    expect(record).toMatchObject({
      status: 'DONE',
      userId: rig.userId,
      originalS3Key: key,
      processedS3Key: `processed/${id}.jpg`,
      width: 20,
      height: 40,
      format: 'jpeg',
      renditions: [
        { key: `processed/${id}.jpg`, width: 20, height: 40, format: 'jpeg' },
        { key: `processed/${id}/1024.webp`, width: 20, height: 40, format: 'webp' },
      ],
    });
    for (const rendition of record!.renditions!) {
      const metadata = await sharp(await rig.processed(rendition.key)).metadata();
      expect([metadata.width, metadata.height]).toEqual([20, 40]);
      expect(metadata.exif).toBeUndefined();
      expect(metadata.orientation).toBeUndefined();
    }
    const [notification] = await rig.notificationsFor(id);
    expect(notification).toMatchObject({
      subject: `Image processed: ${id}`,
      attributes: { status: 'DONE', userId: rig.userId },
      message: { imageId: id, status: 'DONE', processedS3Key: `processed/${id}.jpg` },
    });
  });

  it('records a non-image as REJECTED, notifies, and acknowledges the message', async () => {
    const { id, message } = await rig.upload(images.html(), 'jpg');

    const response = await rig.invoke(message);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await rig.record(id)).toMatchObject({ status: 'REJECTED', rejectionReason: 'NOT_AN_IMAGE' });
    const [notification] = await rig.notificationsFor(id);
    expect(notification).toMatchObject({ attributes: { status: 'REJECTED' }, message: { reason: 'NOT_AN_IMAGE' } });
  });

  it('changes nothing when the same message is delivered again', async () => {
    const { id, message } = await rig.upload(await images.png(300, 200), 'png');
    await rig.invoke(message);
    const first = await rig.record(id);
    await rig.notificationsFor(id);

    const again = await rig.invoke(message);

    expect(again).toEqual({ batchItemFailures: [] });
    expect(await rig.record(id)).toEqual(first);
    expect(await rig.unclaimedNotificationsFor(id)).toEqual([]);
  });

  it('reports the message as a batch item failure while the table is gone, and finishes it once the table is back', async () => {
    const { id, message } = await rig.upload(await images.png(300, 200), 'png');
    await rig.removeTable();

    const duringFault = await rig.invoke(message);
    // Deleting the table is how this test makes DynamoDB fail; the rig puts its items back, as an
    // unreachable table in AWS keeps them, so the reservation comes back with it.
    await rig.createTable();
    const afterRepair = await rig.invoke(message);

    expect(duringFault).toEqual({ batchItemFailures: [{ itemIdentifier: message.MessageId }] });
    expect(afterRepair).toEqual({ batchItemFailures: [] });
    expect(await rig.record(id)).toMatchObject({ status: 'DONE', notifiedAt: expect.any(String) });
    expect(await rig.notificationsFor(id)).toHaveLength(1);
  });

  it('retries a notification that could not be sent because the topic was gone, and sends it exactly once', async () => {
    const { id, message } = await rig.upload(await images.png(300, 200), 'png');
    await rig.removeTopic();

    const duringFault = await rig.invoke(message);
    const recordDuringFault = await rig.record(id);
    await rig.createTopic();
    const afterRepair = await rig.invoke(message);

    expect(duringFault).toEqual({ batchItemFailures: [{ itemIdentifier: message.MessageId }] });
    expect(recordDuringFault).toMatchObject({ status: 'DONE' });
    expect(recordDuringFault).not.toHaveProperty('notifiedAt');
    expect(afterRepair).toEqual({ batchItemFailures: [] });
    expect(await rig.record(id)).toMatchObject({ status: 'DONE', notifiedAt: expect.any(String) });
    expect(await rig.notificationsFor(id)).toHaveLength(1);
    expect(await rig.unclaimedNotificationsFor(id)).toEqual([]);
  });

  it('decodes an iPhone-style HEIC with the WebAssembly libheif shipped in the image: upright, no EXIF or GPS left', async () => {
    const { id, message } = await rig.upload(await iphoneStyleHeic(), 'heic');

    const response = await rig.invoke(message);

    expect(response).toEqual({ batchItemFailures: [] });
    const record = await rig.record(id);
    expect(record).toMatchObject({ status: 'DONE', format: 'heic', width: 20, height: 40 });
    for (const rendition of record!.renditions!) {
      const bytes = await rig.processed(rendition.key);
      const metadata = await sharp(bytes).metadata();
      expect([metadata.width, metadata.height]).toEqual([20, 40]);
      expect(metadata.exif).toBeUndefined();
      expect(bytes.includes(Buffer.from('iPhone'))).toBe(false);
      const [topRed] = await images.pixelAt(bytes, 10, 5);
      const [bottomRed] = await images.pixelAt(bytes, 10, 35);
      expect(topRed).toBeGreaterThan(200);
      expect(bottomRed).toBeLessThan(60);
    }
  });

  it('records an object nobody reserved as REJECTED NOT_RESERVED, never DONE', async () => {
    const { id, message } = await rig.upload(await images.png(300, 200), 'png', { reserve: false });

    const response = await rig.invoke(message);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await rig.record(id)).toMatchObject({ status: 'REJECTED', rejectionReason: 'NOT_RESERVED', userId: rig.userId });
    expect(await rig.notificationsFor(id)).toEqual([expect.objectContaining({ message: expect.objectContaining({ status: 'REJECTED', reason: 'NOT_RESERVED' }) })]);
  });

  it("leaves a user's record alone when an object under another user's folder carries its image id", async () => {
    // Arrange: the owner's reservation, then an object with the same id in someone else's folder.
    const { id } = await rig.upload(await images.png(300, 200), 'png');
    const before = await rig.record(id);
    const intruder = await rig.upload(await images.png(64, 64), 'png', { reserve: false, userId: 'another-user', id });

    // Act
    const response = await rig.invoke(intruder.message);

    // Assert: acknowledged, and the owner's record untouched by DynamoDB's condition.
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await rig.record(id)).toEqual(before);
    expect(await rig.processor.logs()).toMatch(/object does not match the reservation of its image id/);
  });
});

