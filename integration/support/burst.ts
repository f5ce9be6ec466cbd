import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import sharp from 'sharp';
import { mapWithConcurrency } from '../../src/domain/concurrency';
import { pollUntil, putObject, type UploadGrant } from '../../workbench/stack-client';
import { requestUpload } from './api';
import type { ImageRecord } from '../../src/domain/image-record';
import type { ComposeStack } from './compose-stack';

/** A 1280×960 photo-like JPEG (gradient and noise), about 200 KB: a typical upload. */
export async function typicalPhoto(): Promise<Buffer> {
  const width = 1280;
  const height = 960;
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 1) raw[i] = ((i % (width * 3)) / 15 + ((i * 7919) % 23)) & 0xff;
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

export interface BurstResult {
  readonly uploads: number;
  readonly clients: number;
  readonly imageBytes: number;
  /** From the first request to the last PUT. */
  readonly burstSeconds: number;
  /** From the first request to the last DONE. */
  readonly totalSeconds: number;
  readonly imagesPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  readonly records: readonly ImageRecord[];
  /** When each upload's PUT returned (epoch ms, by image id). */
  readonly putDoneAtMs: ReadonlyMap<string, number>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function scanAll(running: ComposeStack): Promise<ImageRecord[]> {
  const records: ImageRecord[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await running.clients.dynamoDb.send(new ScanCommand({ TableName: running.stack.imagesTable, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
    records.push(...(page.Items ?? []).map((item) => unmarshall(item) as ImageRecord));
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey);
  return records;
}

/**
 * `uploads` uploads by `clients` concurrent users (POST /uploads, then PUT), then waits until each
 * has a final state. Latency is PUT completed → processedAt (one machine, one clock).
 */
export async function uploadBurst(running: ComposeStack, options: { uploads: number; clients: number; photo: Buffer }): Promise<BurstResult> {
  const { uploads, clients, photo } = options;
  const uploadedAt = new Map<string, number>();
  const started = Date.now();
  await mapWithConcurrency(Array.from({ length: uploads }, (_, i) => i), clients, async () => {
    const response = await requestUpload(running.stack.endpoints.uploads, running.accessToken, { contentType: 'image/jpeg', contentLength: photo.length });
    if (response.status !== 201) throw new Error(`POST /uploads answered ${response.status}: ${JSON.stringify(response.body)}`);
    const grant = response.body as UploadGrant;
    const put = await putObject(grant.upload_url, grant.headers, photo);
    if (put.status !== 200) throw new Error(`PUT answered ${put.status}: ${put.body}`);
    uploadedAt.set(grant.image_id, Date.now());
  });
  const burstSeconds = (Date.now() - started) / 1000;
  const ours = (records: ImageRecord[]) => records.filter((record) => uploadedAt.has(record.imageId));
  const records = await pollUntil(
    async () => {
      const mine = ours(await scanAll(running));
      return mine.filter((record) => record.status !== 'PENDING').length >= uploads ? mine : undefined;
    },
    { timeoutMs: 900_000, intervalMs: 1000, failure: () => `not all ${uploads} uploads were processed within 15 minutes` },
  );
  const done = records.filter((record) => record.status === 'DONE');
  const latenciesMs = done.map((record) => Date.parse(record.processedAt!) - uploadedAt.get(record.imageId)!).sort((a, b) => a - b);
  const totalSeconds = (Math.max(...done.map((record) => Date.parse(record.processedAt!))) - started) / 1000;
  return {
    uploads,
    clients,
    imageBytes: photo.length,
    burstSeconds: Number(burstSeconds.toFixed(1)),
    totalSeconds: Number(totalSeconds.toFixed(1)),
    imagesPerSecond: Number((done.length / totalSeconds).toFixed(2)),
    p50Ms: percentile(latenciesMs, 50),
    p95Ms: percentile(latenciesMs, 95),
    maxMs: latenciesMs[latenciesMs.length - 1] ?? 0,
    records,
    putDoneAtMs: uploadedAt,
  };
}
