import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, freePort } from '../../integration/support/docker';
import { baseImages, FUNCTION_IMAGES, IMAGE_TAG } from '../../integration/support/images';
import { median, round } from './measure';

/** Milliseconds from `docker run` to the first answered invocation. */
async function coldStartMs(image: string, event: unknown, environment: Record<string, string>): Promise<number> {
  const port = await freePort();
  const envArgs = Object.entries(environment).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
  const started = performance.now();
  const id = docker('run', '-d', '-p', `127.0.0.1:${port}:8080`, ...envArgs, image);
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/function/invocations`, { method: 'POST', body: JSON.stringify(event) });
        await response.text();
        return performance.now() - started;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`${image} did not answer within 60 s`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  } finally {
    docker('rm', '-f', id);
  }
}

export interface ColdStartResult {
  readonly image: string;
  readonly runs: number;
  readonly coldStartMs: number;
  /** Cold start ÷ that of an empty handler on the same base image. */
  readonly ratioToEmptyHandler: number;
  readonly sizeMb: number;
  readonly baseSizeMb: number;
  /** Image size ÷ base image size. */
  readonly sizeRatio: number;
}

export async function coldStarts(quick: boolean): Promise<{ emptyHandlerMs: number; results: ColdStartResult[] }> {
  const runs = quick ? 1 : 5;
  const base = baseImages().LAMBDA_BASE_IMAGE;
  // Tagged like the function images, so two checkouts benchmarking at once keep their own.
  const emptyHandlerImage = `imgproc-bench/empty-handler:${IMAGE_TAG}`;
  // The reference: the same base image with a handler that does nothing.
  const context = mkdtempSync(join(tmpdir(), 'imgproc-empty-handler-'));
  writeFileSync(join(context, 'index.js'), 'exports.handler = async () => "ok";\n');
  writeFileSync(join(context, 'Dockerfile'), `FROM ${base}\nCOPY index.js \${LAMBDA_TASK_ROOT}/\nCMD ["index.handler"]\n`);
  docker('build', '-q', '-t', emptyHandlerImage, context);
  rmSync(context, { recursive: true, force: true });

  const environment = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    ORIGINALS_BUCKET: 'bench-originals',
    PROCESSED_BUCKET: 'bench-renditions',
    IMAGES_TABLE: 'bench-images',
    USAGE_TABLE: 'bench-usage',
    NOTIFICATIONS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:bench',
  };
  // Events each function answers without calling AWS: the cost measured is start-up alone.
  const subjects = [
    { image: FUNCTION_IMAGES.uploadUrl, event: { requestContext: { authorizer: { jwt: { claims: {} } } } } },
    { image: FUNCTION_IMAGES.processor, event: { Records: [{ messageId: 'm', body: '{"Event":"s3:TestEvent"}', attributes: {} }] } },
    { image: FUNCTION_IMAGES.metrics, event: { source: 'bench' } },
  ];
  const sizeMb = (image: string) => Number(docker('image', 'inspect', '-f', '{{.Size}}', image)) / 1e6;
  const measure = async (image: string, event: unknown) => {
    const times: number[] = [];
    for (let run = 0; run < runs; run += 1) times.push(await coldStartMs(image, event, environment));
    return median(times);
  };
  const emptyHandlerMs = await measure(emptyHandlerImage, {});
  const results: ColdStartResult[] = [];
  for (const subject of subjects) {
    const coldStartMs = await measure(subject.image, subject.event);
    results.push({
      image: subject.image,
      runs,
      coldStartMs: round(coldStartMs, 0),
      ratioToEmptyHandler: round(coldStartMs / emptyHandlerMs),
      sizeMb: round(sizeMb(subject.image), 1),
      baseSizeMb: round(sizeMb(base), 1),
      sizeRatio: round(sizeMb(subject.image) / sizeMb(base), 3),
    });
  }
  docker('rmi', emptyHandlerImage);
  return { emptyHandlerMs: round(emptyHandlerMs, 0), results };
}
