import { writeFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import sharp from 'sharp';
import { mapWithConcurrency } from '../src/domain/concurrency';
import { pollUntil, putObject, requestUpload, type UploadGrant } from '../src/local/stack-client';
import type { ImageRecord } from '../src/ports/image-repository';
import { type ComposeStack, startComposeStack } from './support/compose-stack';
import { recordTrial } from './support/reliability';

/** CI sets LOAD_UPLOADS=500; a developer's run defaults to a short burst. */
const UPLOADS = Number(process.env.LOAD_UPLOADS ?? 40);
const CLIENTS = 16;

let running: ComposeStack;

beforeAll(async () => {
  running = await startComposeStack({ MAX_RECEIVE_COUNT: '5' });
});

afterAll(async () => {
  await running?.down();
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function scanAll(): Promise<ImageRecord[]> {
  const records: ImageRecord[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await running.clients.dynamoDb.send(new ScanCommand({ TableName: running.stack.imagesTable, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
    records.push(...(page.Items ?? []).map((item) => unmarshall(item) as ImageRecord));
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey);
  return records;
}

describe(`load: a burst of ${UPLOADS} uploads through the local stack`, () => {
  it('gives exactly one DONE record per upload and an empty DLQ, and measures throughput and latency', async () => {
    // Arrange: a 1280×960 photo-like JPEG (gradient and noise), about 100 KB.
    const raw = Buffer.alloc(1280 * 960 * 3);
    for (let i = 0; i < raw.length; i += 1) raw[i] = ((i % 3840) / 15 + ((i * 7919) % 23)) & 0xff;
    const photo = await sharp(raw, { raw: { width: 1280, height: 960, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
    const uploadedAt = new Map<string, number>();

    // Act: CLIENTS users at once, each asking for a URL and PUTting, until UPLOADS are in.
    const burstStarted = Date.now();
    await mapWithConcurrency(Array.from({ length: UPLOADS }, (_, i) => i), CLIENTS, async () => {
      const response = await requestUpload(running.stack.endpoints.uploads, running.accessToken, { contentType: 'image/jpeg', contentLength: photo.length });
      if (response.status !== 201) throw new Error(`POST /uploads answered ${response.status}: ${JSON.stringify(response.body)}`);
      const grant = response.body as UploadGrant;
      const put = await putObject(grant.upload_url, grant.headers, photo);
      if (put.status !== 200) throw new Error(`PUT answered ${put.status}: ${put.body}`);
      uploadedAt.set(grant.image_id, Date.now());
    });
    const burstSeconds = (Date.now() - burstStarted) / 1000;
    const records = await pollUntil(
      async () => {
        const all = await scanAll();
        return all.filter((record) => record.status !== 'PENDING').length >= UPLOADS ? all : undefined;
      },
      { timeoutMs: 600_000, intervalMs: 1000, failure: () => `not all ${UPLOADS} uploads were processed within 10 minutes` },
    );

    // Assert
    const done = records.filter((record) => record.status === 'DONE');
    expect(records).toHaveLength(UPLOADS);
    expect(done).toHaveLength(UPLOADS);
    const { Attributes = {} } = await running.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: running.stack.deadLetterQueue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)).toBe(0);

    const latenciesMs = done.map((record) => Date.parse(record.processedAt!) - uploadedAt.get(record.imageId)!).sort((a, b) => a - b);
    const lastDone = Math.max(...done.map((record) => Date.parse(record.processedAt!)));
    const totalSeconds = (lastDone - burstStarted) / 1000;
    const figures = {
      uploads: UPLOADS,
      clients: CLIENTS,
      imageBytes: photo.length,
      burstSeconds: Number(burstSeconds.toFixed(1)),
      totalSeconds: Number(totalSeconds.toFixed(1)),
      imagesPerSecond: Number((UPLOADS / totalSeconds).toFixed(2)),
      p50Ms: percentile(latenciesMs, 50),
      p95Ms: percentile(latenciesMs, 95),
      maxMs: latenciesMs[latenciesMs.length - 1],
    };
    if (process.env.LOAD_RESULTS) writeFileSync(process.env.LOAD_RESULTS, `${JSON.stringify(figures, null, 2)}\n`);
    process.stderr.write(`[load] ${JSON.stringify(figures)}\n`);
    recordTrial({
      area: 'Load',
      trial: `${UPLOADS} uploads of a ${(photo.length / 1024).toFixed(0)} KiB 1280×960 JPEG by ${CLIENTS} concurrent clients`,
      runs: 1,
      outcome: `exactly ${done.length} DONE, DLQ empty; ${figures.imagesPerSecond} images/s end to end; upload→DONE p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms, max ${figures.maxMs} ms`,
    });
  });
});
