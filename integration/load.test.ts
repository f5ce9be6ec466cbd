import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { typicalPhoto, uploadBurst } from './support/burst';
import { type ComposeStack, startComposeStack } from './support/compose-stack';
import { recordTrial } from './support/reliability';

/** CI sets LOAD_UPLOADS=500; a developer's run defaults to a short burst. */
const UPLOADS = Number(process.env.LOAD_UPLOADS ?? 40);
const CLIENTS = 16;

let running: ComposeStack;

beforeAll(async () => {
  // One user uploads the whole burst, far more at once than the default pending quota allows.
  running = await startComposeStack({ MAX_RECEIVE_COUNT: '5', MAX_PENDING_UPLOADS_PER_USER: '1000' });
});

afterAll(async () => {
  await running?.down();
});

describe(`load: a burst of ${UPLOADS} uploads through the local stack`, () => {
  it('gives exactly one DONE record per upload and an empty DLQ, and measures throughput and latency', async () => {
    // Arrange
    const photo = await typicalPhoto();

    // Act
    const burst = await uploadBurst(running, { uploads: UPLOADS, clients: CLIENTS, photo });

    // Assert
    expect(burst.records).toHaveLength(UPLOADS);
    expect(burst.records.filter((record) => record.status === 'DONE')).toHaveLength(UPLOADS);
    const { Attributes = {} } = await running.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: running.stack.deadLetterQueue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)).toBe(0);
    const { records: _records, putDoneAtMs: _putDoneAtMs, ...figures } = burst;
    process.stderr.write(`[load] ${JSON.stringify(figures)}\n`);
    recordTrial({
      area: 'Load',
      trial: `${UPLOADS} uploads of a ${(photo.length / 1024).toFixed(0)} KiB 1280×960 JPEG by ${CLIENTS} concurrent clients`,
      runs: 1,
      outcome: `exactly ${UPLOADS} DONE, DLQ empty; ${figures.imagesPerSecond} images/s end to end; upload→DONE p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms, max ${figures.maxMs} ms`,
    });
  });
});
