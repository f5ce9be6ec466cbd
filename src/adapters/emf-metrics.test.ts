import { captureStdout, parseEmf } from '../test-support/emf';
import { EmfProcessingMetrics, EmfStorageRunMetrics } from './emf-metrics';

describe('EmfProcessingMetrics', () => {
  it('writes the recorded values as one EMF line with the service dimension, then the outcome counts', async () => {
    const metrics = new EmfProcessingMetrics();
    metrics.recordImage({ status: 'DONE', uploadToDoneMs: 640, processingMs: 210, originalBytes: 3_000_000, renditionBytes: 90_000 });
    metrics.recordImage({ status: 'DONE', uploadToDoneMs: 700, processingMs: 260, originalBytes: 2_000_000, renditionBytes: 80_000 });
    metrics.recordImage({ status: 'REJECTED', reason: 'CORRUPT_IMAGE', processingMs: 12 });
    metrics.recordImage({ status: 'RETRIED', reason: 'DEPENDENCY_FAILURE' });

    const lines = await captureStdout(async () => metrics.flush());

    expect(lines.every((line) => JSON.parse(line)._aws.CloudWatchMetrics[0].Namespace === 'ImagePipeline')).toBe(true);
    expect(parseEmf(lines).map(({ name, unit, dimensionSets, values }) => ({ name, unit, dimensionSets, values }))).toEqual([
      { name: 'UploadToDoneLatency', unit: 'Milliseconds', dimensionSets: [{ service: 'image-processor' }], values: [640, 700] },
      { name: 'ProcessingTime', unit: 'Milliseconds', dimensionSets: [{ service: 'image-processor' }], values: [210, 260, 12] },
      { name: 'OriginalBytes', unit: 'Bytes', dimensionSets: [{ service: 'image-processor' }], values: [3_000_000, 2_000_000] },
      { name: 'RenditionBytes', unit: 'Bytes', dimensionSets: [{ service: 'image-processor' }], values: [90_000, 80_000] },
      { name: 'ImagesProcessed', unit: 'Count', dimensionSets: [{ service: 'image-processor', Status: 'DONE' }], values: [2] },
      { name: 'ImagesProcessed', unit: 'Count', dimensionSets: [{ service: 'image-processor', Status: 'REJECTED' }], values: [1] },
      { name: 'ImagesProcessed', unit: 'Count', dimensionSets: [{ service: 'image-processor', Status: 'REJECTED', Reason: 'CORRUPT_IMAGE' }], values: [1] },
      { name: 'ImagesProcessed', unit: 'Count', dimensionSets: [{ service: 'image-processor', Status: 'RETRIED' }], values: [1] },
      { name: 'ImagesProcessed', unit: 'Count', dimensionSets: [{ service: 'image-processor', Status: 'RETRIED', Reason: 'DEPENDENCY_FAILURE' }], values: [1] },
    ]);
  });

  it('writes nothing when nothing was recorded, and starts afresh after a flush', async () => {
    const metrics = new EmfProcessingMetrics();
    metrics.recordImage({ status: 'ALREADY_FINISHED' });
    await captureStdout(async () => metrics.flush());

    const lines = await captureStdout(async () => metrics.flush());

    expect(lines).toEqual([]);
  });

  it('each line is valid EMF: a millisecond timestamp and every named metric present in the document', async () => {
    const metrics = new EmfProcessingMetrics();
    metrics.recordImage({ status: 'DONE', uploadToDoneMs: 1 });

    const lines = await captureStdout(async () => metrics.flush());

    for (const line of lines) {
      const document = JSON.parse(line);
      expect(Math.abs(document._aws.Timestamp - Date.now())).toBeLessThan(60_000);
      for (const directive of document._aws.CloudWatchMetrics) {
        for (const { Name } of directive.Metrics) expect(document[Name]).toBeDefined();
        for (const set of directive.Dimensions) for (const key of set) expect(typeof document[key]).toBe('string');
      }
    }
  });
});

describe('EmfStorageRunMetrics', () => {
  it('writes 1 for a run out of time and 0 for one that published, with the duration', async () => {
    const metrics = new EmfStorageRunMetrics();

    const lines = await captureStdout(async () => {
      metrics.recordRun({ status: 'OUT_OF_TIME', durationMs: 890_000 });
      metrics.flush();
      metrics.recordRun({ status: 'PUBLISHED', durationMs: 4_000 });
      metrics.flush();
    });

    expect(parseEmf(lines).map(({ name, values, dimensionSets }) => [name, values, dimensionSets])).toEqual([
      ['StorageMeasurementOutOfTime', [1], [{ service: 's3-metrics' }]],
      ['StorageMeasurementDuration', [890_000], [{ service: 's3-metrics' }]],
      ['StorageMeasurementOutOfTime', [0], [{ service: 's3-metrics' }]],
      ['StorageMeasurementDuration', [4_000], [{ service: 's3-metrics' }]],
    ]);
  });
});
