import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { S3UploadUrlSigner } from '../../src/adapters/s3-object-store';
import { presignS3Client } from '../../src/config/aws-clients';
import { createUpload } from '../../src/domain/create-upload';
import { fixedClock, InMemoryImageRepository } from '../../src/test-support/fakes';
import { median, round } from './measure';

export interface PresignResult {
  readonly urlsPerSecondUseCase: number;
  readonly urlsPerSecondBare: number;
  /** Use case rate ÷ bare getSignedUrl rate. */
  readonly ratio: number;
  readonly runs: number;
  readonly urlsPerRun: number;
}

/** URLs per second of generate-upload-url's use case, warm, against the bare getSignedUrl call. */
export async function presigning(quick: boolean): Promise<PresignResult> {
  const runtime = { logLevel: 'error', s3ForcePathStyle: false, sdkConnectTimeoutMs: 1000, sdkRequestTimeoutMs: 1000 } as const;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
  const client = presignS3Client(runtime, undefined);
  const deps = {
    signer: new S3UploadUrlSigner(client, 'bench-originals'),
    images: new InMemoryImageRepository(),
    ids: { newImageId: randomUUID },
    clock: fixedClock(),
    policy: {
      allowedFormats: ['jpeg', 'png'] as const,
      maxUploadBytes: 25 * 1024 * 1024,
      expiresInSeconds: 300,
      // Thousands of URLs for one user: no quota may get in the way of the measurement.
      quotas: { pendingUploads: Infinity, storedImages: Infinity, storedBytes: Infinity },
      pendingExpiresAfterSeconds: 1200,
    },
  };
  const body = JSON.stringify({ contentType: 'image/jpeg', contentLength: 123456, fileName: 'photo.jpg' });
  const viaUseCase = () => createUpload({ ...deps, policy: { ...deps.policy, allowedFormats: [...deps.policy.allowedFormats] } }, { userId: 'user-1', body });
  const bare = () =>
    getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: 'bench-originals', Key: `user-uploads/user-1/${randomUUID()}.jpg`, ContentType: 'image/jpeg', ContentLength: 123456, IfNoneMatch: '*' }),
      { expiresIn: 300, signableHeaders: new Set(['content-type', 'content-length', 'if-none-match']) },
    );
  const urlsPerRun = quick ? 200 : 2000;
  const runs = quick ? 2 : 7;
  const rate = async (sign: () => Promise<unknown>) => {
    const started = performance.now();
    for (let i = 0; i < urlsPerRun; i += 1) await sign();
    return urlsPerRun / ((performance.now() - started) / 1000);
  };
  await rate(viaUseCase);
  await rate(bare);
  const useCaseRates: number[] = [];
  const bareRates: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    useCaseRates.push(await rate(viaUseCase));
    bareRates.push(await rate(bare));
  }
  return {
    urlsPerSecondUseCase: round(median(useCaseRates), 0),
    urlsPerSecondBare: round(median(bareRates), 0),
    ratio: round(median(useCaseRates) / median(bareRates)),
    runs,
    urlsPerRun,
  };
}
