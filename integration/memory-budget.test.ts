import sharp from 'sharp';
import { FUNCTION_SIZING } from '../infra/lib/pipeline-functions';
import { WORST_VALID_INPUTS } from '../src/test-support/worst-images';
import { recordTrial } from './support/reliability';
import { type ProcessorRig, startProcessorRig } from './support/processor-rig';
import { toSqsEvent } from '../workbench/sqs-event-source';
import type { SQSBatchResponse } from 'aws-lambda';

/** The processor's memory size as deployed (infra), enforced here as the container's memory limit. */
const MEMORY_MB = FUNCTION_SIZING.processor.memorySizeMb;

let rig: ProcessorRig;

beforeAll(async () => {
  // Default PROCESSING_CONCURRENCY (not set). A batch of the worst inputs takes longer than the
  // deployed batch of 5 would: the emulator's timeout is raised so only memory can fail it.
  rig = await startProcessorRig('it-memory', { memoryMb: MEMORY_MB, environment: { AWS_LAMBDA_FUNCTION_TIMEOUT: '600' } });
});

afterAll(async () => {
  await rig?.stop();
});

describe(`the processor container limited to the deployed ${MEMORY_MB} MB`, () => {
  it('takes a batch of the 10 worst valid inputs in one invocation without being killed, and every one ends DONE', async () => {
    // Arrange: 10 uploads, each reserved, their S3 events gathered into one SQS batch.
    const uploads = [];
    for (const input of WORST_VALID_INPUTS) uploads.push({ input, ...(await rig.upload(await input.bytes(), input.extension)) });
    const started = Date.now();

    // Act
    const result = await rig.processor.invoke(toSqsEvent(uploads.map((upload) => upload.message), 'arn:aws:sqs:us-east-1:000000000000:it-memory-uploads', 'us-east-1'));

    // Assert
    const seconds = (Date.now() - started) / 1000;
    const peakMb = rig.processor.peakMemoryBytes() / 1024 / 1024;
    if (result.kind !== 'ok') throw new Error(`the invocation failed: ${JSON.stringify(result)}\n${await rig.processor.logs()}`);
    expect(result.payload as SQSBatchResponse).toEqual({ batchItemFailures: [] });
    expect(rig.processor.wasOomKilled()).toBe(false);
    for (const upload of uploads) {
      const record = await rig.record(upload.id);
      expect({ input: upload.input.name, status: record?.status, reason: record?.rejectionReason }).toEqual({ input: upload.input.name, status: 'DONE', reason: undefined });
      const thumbnail = await sharp(await rig.processed(record!.processedS3Key!)).metadata();
      expect(thumbnail.exif).toBeUndefined();
    }
    expect(peakMb).toBeLessThan(MEMORY_MB);
    recordTrial({
      area: 'Memory',
      trial: `one batch of the ${uploads.length} worst valid inputs (${WORST_VALID_INPUTS.map((input) => input.name).join('; ')}) in one invocation, processor container limited to the deployed ${MEMORY_MB} MB, default PROCESSING_CONCURRENCY`,
      runs: 1,
      outcome: `all ${uploads.length} DONE, not OOM-killed; peak container memory ${peakMb.toFixed(0)} MB of ${MEMORY_MB} MB; ${seconds.toFixed(0)} s for the batch`,
    });
  });

  it('retries a valid image that libvips could not decode for lack of memory, never rejects it, and finishes it DONE once memory is back', async () => {
    // Arrange: RLIMIT_DATA of 900 MiB per process: the function starts and answers, but libjpeg
    // cannot allocate the 286 MiB of coefficients of a 50 MP progressive 4:4:4 JPEG.
    const input = WORST_VALID_INPUTS.find((candidate) => candidate.name.startsWith('progressive'))!;
    const { id, message } = await rig.upload(await input.bytes(), input.extension);
    const dataLimit = 900 * 1024 * 1024;
    await rig.restartProcessor({ memoryMb: MEMORY_MB, ulimits: { data: { hard: dataLimit, soft: dataLimit } } });

    // Act
    const starved = await rig.invoke(message);
    const recordWhileStarved = await rig.record(id);
    const starvedLogs = await rig.processor.logs();
    await rig.restartProcessor({ memoryMb: MEMORY_MB });
    const recovered = await rig.invoke(message);

    // Assert
    expect(starved).toEqual({ batchItemFailures: [{ itemIdentifier: message.MessageId }] });
    expect(recordWhileStarved?.status).toBe('PENDING');
    expect(starvedLogs).toMatch(/"code":"RESOURCE_EXHAUSTED"/);
    expect(recovered).toEqual({ batchItemFailures: [] });
    expect(await rig.record(id)).toMatchObject({ status: 'DONE' });
    recordTrial({
      area: 'Memory',
      trial: 'a valid 50 MP progressive JPEG in a processor whose allocations fail (RLIMIT_DATA 900 MiB), then in a fresh one',
      runs: 1,
      outcome: 'first a batch item failure (RESOURCE_EXHAUSTED, record still PENDING, never REJECTED), then DONE',
    });
  });
});
