import { pollUntil, getImage, putObject, requestUpload, type UploadGrant } from '../../workbench/stack-client';
import type { ImageRecord } from '../../src/domain/image-record';
import { uploadBurst } from '../../integration/support/burst';
import { type ComposeStack, startComposeStack } from '../../integration/support/compose-stack';
import { median, round } from './measure';
import { photoLike } from './processing';
import { stageBreakdown, type StretchFigures } from './stages';

export interface BurstFigures {
  readonly processorContainers: number;
  readonly uploads: number;
  readonly clients: number;
  readonly imageBytes: number;
  readonly imagesPerSecond: number;
  /** End-to-end images/s ÷ the processor alone at concurrency 2, measured in the same run. */
  readonly ratio: number;
  readonly burstSeconds: number;
  readonly totalSeconds: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  readonly stages: readonly StretchFigures[];
}

export interface SingleUploadFigures {
  readonly input: string;
  readonly bytes: number;
  readonly runs: number;
  /** PUT returned → DONE record, each run. */
  readonly putToDoneMs: readonly number[];
  readonly medianPutToDoneMs: number;
  /** The stretches of the median run. */
  readonly stages: readonly StretchFigures[];
}

export interface EndToEndResult {
  readonly single: SingleUploadFigures;
  readonly bursts: readonly BurstFigures[];
  readonly processorAloneImagesPerSecond: number;
}

/** One upload at a time on an idle stack, waiting for DONE before the next. */
async function singleUploads(stack: ComposeStack, bytes: Buffer, runs: number): Promise<{ putToDoneMs: number[]; records: ImageRecord[]; putDone: Map<string, number> }> {
  const putToDoneMs: number[] = [];
  const records: ImageRecord[] = [];
  const putDone = new Map<string, number>();
  for (let run = 0; run < runs; run += 1) {
    const response = await requestUpload(stack.stack.endpoints.uploads, stack.accessToken, { contentType: 'image/jpeg', contentLength: bytes.length });
    if (response.status !== 201) throw new Error(`POST /uploads answered ${response.status}`);
    const grant = response.body as UploadGrant;
    const put = await putObject(grant.upload_url, grant.headers, bytes);
    if (put.status !== 200) throw new Error(`PUT answered ${put.status}: ${put.body}`);
    const putDoneAt = Date.now();
    const record = await pollUntil(
      async () => {
        const found = await getImage(stack.clients.dynamoDb, stack.stack.imagesTable, grant.image_id);
        return found?.status === 'DONE' && found.notifiedAt ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20, failure: () => `the single upload ${grant.image_id} was not DONE within 60 s` },
    );
    putToDoneMs.push(Date.parse(record.processedAt!) - putDoneAt);
    records.push(record);
    putDone.set(record.imageId, putDoneAt);
  }
  return { putToDoneMs, records, putDone };
}

/**
 * End to end through docker-compose.yml: a single 12 MP upload on the idle stack (the regression
 * figure), then a burst with 1 and with 2 processor containers, each on a fresh stack, with the
 * stage breakdown from the records' stage times.
 */
export async function endToEnd(options: {
  quick: boolean;
  photo: Buffer;
  processorAloneImagesPerSecond: number;
  log: (line: string) => void;
  /** Burst size; default 200 (quick: 10). */
  uploads?: number;
  /** Which stacks to measure; default 1 and 2 processor containers. */
  processorContainers?: readonly number[];
  /** Extra settings for the stacks (docker-compose.yml variables). */
  stackSettings?: Record<string, string>;
}): Promise<EndToEndResult> {
  const { quick, photo, log } = options;
  const uploads = options.uploads ?? (quick ? 10 : 200);
  const clients = 16;
  const bursts: BurstFigures[] = [];
  let single: SingleUploadFigures | undefined;
  for (const processorContainers of options.processorContainers ?? [1, 2]) {
    log(`end to end: stack with ${processorContainers} processor container(s)`);
    const stack = await startComposeStack({ ...options.stackSettings, PROCESSOR_CONTAINERS: String(processorContainers) });
    try {
      if (!single) {
        const width = quick ? 1000 : 4000;
        const height = quick ? 750 : 3000;
        const large = await photoLike(width, height, 'jpeg');
        // A first small upload wakes the function (the emulator starts the runtime on first use).
        await singleUploads(stack, photo, 1);
        const runs = quick ? 1 : 5;
        const measured = await singleUploads(stack, large, runs);
        const order = measured.putToDoneMs.map((ms, i) => [ms, i] as const).sort((a, b) => a[0] - b[0]);
        const middle = order[Math.floor(order.length / 2)]![1];
        single = {
          input: `${(width * height) / 1e6} MP JPEG (${width}×${height})`,
          bytes: large.length,
          runs,
          putToDoneMs: measured.putToDoneMs,
          medianPutToDoneMs: round(median(measured.putToDoneMs), 0),
          stages: stageBreakdown([measured.records[middle]!], measured.putDone),
        };
        log(`end to end: single ${single.input} upload → DONE ${single.putToDoneMs.join(', ')} ms`);
      }
      const burst = await uploadBurst(stack, { uploads, clients, photo });
      bursts.push({
        processorContainers,
        uploads,
        clients,
        imageBytes: photo.length,
        imagesPerSecond: burst.imagesPerSecond,
        ratio: round(burst.imagesPerSecond / options.processorAloneImagesPerSecond),
        burstSeconds: burst.burstSeconds,
        totalSeconds: burst.totalSeconds,
        p50Ms: burst.p50Ms,
        p95Ms: burst.p95Ms,
        maxMs: burst.maxMs,
        stages: stageBreakdown(burst.records, burst.putDoneAtMs),
      });
      log(`end to end: ${processorContainers} container(s): ${burst.imagesPerSecond} images/s, p50 ${burst.p50Ms} ms, p95 ${burst.p95Ms} ms`);
    } finally {
      await stack.down();
    }
  }
  return { single: single!, bursts, processorAloneImagesPerSecond: options.processorAloneImagesPerSecond };
}
