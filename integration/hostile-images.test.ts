import sharp from 'sharp';
import { FUNCTION_SIZING } from '../infra/lib/pipeline-functions';
import { HOSTILE_CASES } from '../src/test-support/hostile-images';
import { recordTrial } from './support/reliability';
import { type ProcessorRig, startProcessorRig } from './support/processor-rig';

/** The processor's memory size in AWS (infra), enforced here as the container's memory limit. */
const MEMORY_MB = FUNCTION_SIZING.processor.memorySizeMb;

let rig: ProcessorRig;

beforeAll(async () => {
  rig = await startProcessorRig('it-hostile', { memoryMb: MEMORY_MB, environment: { AWS_LAMBDA_FUNCTION_TIMEOUT: '60' } });
});

afterAll(async () => {
  await rig?.stop();
});

describe(`hostile and odd uploads, processor in its container limited to ${MEMORY_MB} MB`, () => {
  it.each(HOSTILE_CASES.map((c) => [c.name, c] as const))('%s', async (name, hostile) => {
    // Arrange
    const { id, message } = await rig.upload(await hostile.bytes(), hostile.extension);

    // Act
    const response = await rig.invoke(message);

    // Assert: a final state, the expected one, and clean output for DONE.
    expect(response).toEqual({ batchItemFailures: [] });
    const record = await rig.record(id);
    const outcome = record?.status === 'REJECTED' ? { status: 'REJECTED', reason: record.rejectionReason } : { status: record?.status };
    expect(outcome).toEqual(hostile.expected);
    for (const rendition of record?.renditions ?? []) {
      const bytes = await rig.processed(rendition.key);
      const metadata = await sharp(bytes).metadata();
      expect(metadata.exif ?? metadata.xmp ?? metadata.icc).toBeUndefined();
      expect([metadata.width, metadata.height]).toEqual([rendition.width, rendition.height]);
    }
    recordTrial({
      area: 'Hostile images',
      trial: name,
      runs: 1,
      outcome: record?.status === 'REJECTED' ? `REJECTED ${record.rejectionReason}` : `${record?.status}, no metadata in ${record?.renditions?.length} renditions`,
    });
  });

  it('kept the processor alive and within its memory size through all of them', async () => {
    const peakMb = rig.processor.peakMemoryBytes() / 1024 / 1024;

    expect(rig.processor.wasOomKilled()).toBe(false);
    expect(peakMb).toBeLessThan(MEMORY_MB);
    recordTrial({
      area: 'Hostile images',
      trial: `processor container limited to ${MEMORY_MB} MB, all ${HOSTILE_CASES.length} cases in one container`,
      runs: 1,
      outcome: `no crash, no timeout, not OOM-killed; peak memory ${peakMb.toFixed(0)} MB`,
    });
  });
});
