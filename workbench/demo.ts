import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { PROCESSED_PREFIX, STORAGE_METRICS } from '../src/contract';
import { stackClients } from './aws-clients';
import { loadDemoConfig } from './config';
import type { ImageRecord } from '../src/domain/image-record';
import {
  getImage,
  latestBucketMetric,
  pollUntil,
  putObject,
  readStackFile,
  type ReceivedNotification,
  requestUpload,
  signIn,
  takeNotifications,
  type UploadGrant,
} from './stack-client';
import { type InboxMail, MailInbox } from './mail-inbox';
import { rieInvoker } from './rie-client';
import { scheduledEvent } from './schedule';

/**
 * Uses the running local stack as a user would: signs in, asks the gateway for upload URLs, PUTs
 * a few generated images straight to S3, waits for the processor and prints what came out.
 */

const say = (text: string) => process.stdout.write(`[demo] ${text}\n`);

interface Sample {
  readonly fileName: string;
  readonly contentType: string;
  readonly bytes: Buffer;
  readonly note: string;
}

async function samples(): Promise<Sample[]> {
  const gradient = Buffer.alloc(1200 * 800 * 3);
  for (let y = 0; y < 800; y += 1) {
    for (let x = 0; x < 1200; x += 1) {
      const i = (y * 1200 + x) * 3;
      gradient[i] = (x * 255) / 1200;
      gradient[i + 1] = (y * 255) / 800;
      gradient[i + 2] = 160;
    }
  }
  const photo = await sharp(gradient, { raw: { width: 1200, height: 800, channels: 3 } })
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: 'Demo Camera' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' },
    })
    // Stored landscape, displayed portrait: the processor must turn it.
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const logo = await sharp({ create: { width: 600, height: 600, channels: 4, background: { r: 20, g: 120, b: 220, alpha: 0.6 } } })
    .png()
    .toBuffer();
  const frames = await Promise.all(
    ['#e63946', '#2a9d8f', '#f4a261'].map((colour) => sharp({ create: { width: 320, height: 200, channels: 3, background: colour } }).png().toBuffer()),
  );
  const animation = await sharp(frames, { join: { animated: true } }).gif({ delay: [200, 200, 200] }).toBuffer();
  return [
    { fileName: 'holiday-photo.jpg', contentType: 'image/jpeg', bytes: photo, note: '1200×800 JPEG, EXIF orientation 6 and GPS' },
    { fileName: 'logo.png', contentType: 'image/png', bytes: logo, note: '600×600 PNG with transparency' },
    { fileName: 'banner.gif', contentType: 'image/gif', bytes: animation, note: '3-frame animated GIF' },
    { fileName: 'invoice.png', contentType: 'image/png', bytes: Buffer.from('<html><body>not an image</body></html>'), note: 'HTML bytes declared as PNG' },
  ];
}

async function main(): Promise<void> {
  const config = loadDemoConfig();
  const stack = readStackFile(config.stackFile);
  const clients = stackClients(stack.endpoints);
  const started = Date.now();

  say(`signing in to the local user pool as "${config.username}"`);
  const { accessToken } = await signIn(clients.cognito, stack.userPoolClientId, config.username, config.password);

  const uploads: { sample: Sample; grant: UploadGrant }[] = [];
  for (const sample of await samples()) {
    const response = await requestUpload(stack.endpoints.uploads, accessToken, {
      contentType: sample.contentType,
      contentLength: sample.bytes.length,
      fileName: sample.fileName,
    });
    if (response.status !== 201) throw new Error(`POST /uploads answered ${response.status}: ${JSON.stringify(response.body)}`);
    const grant = response.body as UploadGrant;
    const put = await putObject(grant.upload_url, grant.headers, sample.bytes);
    if (put.status !== 200) throw new Error(`PUT ${grant.file_path} answered ${put.status}: ${put.body}`);
    say(`uploaded ${sample.fileName} (${sample.note}, ${sample.bytes.length} bytes) -> s3://${stack.originalsBucket}/${grant.file_path}`);
    uploads.push({ sample, grant });
  }

  say(`waiting for the processor (up to ${config.timeoutSeconds} s)`);
  const finished = new Map<string, ImageRecord>();
  let lastReport = 0;
  await pollUntil(
    async () => {
      for (const { grant } of uploads) {
        if (finished.has(grant.image_id)) continue;
        const record = await getImage(clients.dynamoDb, stack.imagesTable, grant.image_id);
        if (record && record.status !== 'PENDING') finished.set(grant.image_id, record);
      }
      if (Date.now() - lastReport > 2000 || finished.size === uploads.length) {
        lastReport = Date.now();
        say(`  ${finished.size}/${uploads.length} finished after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      return finished.size === uploads.length ? true : undefined;
    },
    {
      timeoutMs: config.timeoutSeconds * 1000,
      failure: () => `Only ${finished.size} of ${uploads.length} images finished within ${config.timeoutSeconds} s; see "docker compose logs image-processor gateway".`,
    },
  );

  const ids = new Set(uploads.map(({ grant }) => grant.image_id));
  const notifications: ReceivedNotification[] = [];
  await pollUntil(
    async () => {
      notifications.push(...(await takeNotifications(clients.sqs, stack.observerQueue.url, (n) => ids.has(String(n.message.imageId)))));
      return notifications.length >= ids.size ? true : undefined;
    },
    { timeoutMs: 20_000, failure: () => `Only ${notifications.length} of ${ids.size} SNS notifications arrived on the observer queue.` },
  );

  // SNS e-mails each outcome to the demo address; the local stack delivers it to the mail catcher.
  const inbox = new MailInbox(stack.endpoints.mailInbox);
  const mails = new Map<string, InboxMail>();
  await pollUntil(
    async () => {
      for (const { grant } of uploads) {
        if (mails.has(grant.image_id)) continue;
        const [mail] = await inbox.mailsTo(stack.demoEmail, (candidate) => candidate.text.includes(grant.image_id));
        if (mail) mails.set(grant.image_id, mail);
      }
      return mails.size === uploads.length ? true : undefined;
    },
    {
      timeoutMs: 20_000,
      failure: () =>
        `Only ${mails.size} of ${uploads.length} e-mails reached ${stack.demoEmail} in the inbox ${stack.endpoints.mailInbox} within 20 s; see "docker compose logs localstack mailpit".`,
    },
  );

  for (const { sample, grant } of uploads) {
    const record = finished.get(grant.image_id)!;
    const notification = notifications.find((n) => n.message.imageId === grant.image_id);
    say('');
    say(`${sample.fileName}: ${record.status}${record.rejectionReason ? ` (${record.rejectionReason})` : ''}`);
    say(`  DynamoDB record: ${JSON.stringify(record)}`);
    if (record.status === 'DONE') {
      const { Contents = [] } = await clients.s3.send(
        new ListObjectsV2Command({ Bucket: stack.processedBucket, Prefix: `${PROCESSED_PREFIX}${grant.image_id}` }),
      );
      for (const object of Contents) say(`  rendition: s3://${stack.processedBucket}/${object.Key} (${object.Size} bytes)`);
    }
    say(`  SNS notification: subject "${notification?.subject}", attributes ${JSON.stringify(notification?.attributes)}`);
    const mail = mails.get(grant.image_id)!;
    const afterSeconds = record.processedAt ? ` ${((mail.receivedAt.getTime() - Date.parse(record.processedAt)) / 1000).toFixed(2)} s after the outcome was recorded` : '';
    say(`  e-mail to ${stack.demoEmail}: "${mail.subject}" (in the inbox${afterSeconds})`);
  }
  say('');
  say(`read the e-mails in the local inbox: ${stack.endpoints.mailInbox}`);

  say('');
  say('publishing storage metrics now (the gateway also does it on its schedule)');
  const result = await rieInvoker(config.metricsFunctionUrl, { timeoutMs: 60_000 }).invoke(
    scheduledEvent('arn:aws:events:us-east-1:000000000000:rule/demo', stack.region, new Date()),
  );
  if (result.kind !== 'ok') throw new Error(`s3-metrics failed: ${JSON.stringify(result)}`);
  for (const bucket of [stack.originalsBucket, stack.processedBucket]) {
    const size = await latestBucketMetric(clients.cloudWatch, STORAGE_METRICS.namespace, STORAGE_METRICS.bucketSizeBytes, bucket);
    const count = await latestBucketMetric(clients.cloudWatch, STORAGE_METRICS.namespace, STORAGE_METRICS.numberOfObjects, bucket);
    say(`  CloudWatch CustomS3 ${bucket}: NumberOfObjects=${count?.value}, BucketSizeBytes=${size?.value}`);
  }
  say('');
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s. Stop the stack with: npm run stack:down`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`[demo] failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
