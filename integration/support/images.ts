import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDotEnv } from '../../workbench/config';

export const REPO_ROOT = resolve(__dirname, '../..');
export const IMAGES_ENV_FILE = resolve(REPO_ROOT, '.local/images.env');
/** The upstream images, pinned in this one file. */
export const BASE_IMAGES_FILE = resolve(REPO_ROOT, 'images/base-images.env');

/** The upstream images (or their offline stand-ins) chosen by scripts/resolve-images.sh. */
export interface BaseImages {
  readonly NODE_IMAGE: string;
  readonly LAMBDA_BASE_IMAGE: string;
  readonly LOCALSTACK_IMAGE: string;
  readonly DYNAMODB_IMAGE: string;
  readonly MAILPIT_IMAGE: string;
}

export function baseImages(): BaseImages {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parseDotEnv(readFileSync(IMAGES_ENV_FILE, 'utf8'));
  } catch {
    // no file: upstream images
  }
  const upstream = parseDotEnv(readFileSync(BASE_IMAGES_FILE, 'utf8'));
  const pick = (name: keyof BaseImages) => {
    const image = process.env[name] ?? fromFile[name] ?? upstream[name];
    if (!image) throw new Error(`${BASE_IMAGES_FILE} does not set ${name}`);
    return image;
  };
  return {
    NODE_IMAGE: pick('NODE_IMAGE'),
    LAMBDA_BASE_IMAGE: pick('LAMBDA_BASE_IMAGE'),
    LOCALSTACK_IMAGE: pick('LOCALSTACK_IMAGE'),
    DYNAMODB_IMAGE: pick('DYNAMODB_IMAGE'),
    MAILPIT_IMAGE: pick('MAILPIT_IMAGE'),
  };
}

/**
 * The tag of the images built here, as docker-compose.yml reads it (`${IMAGE_TAG:-dev}`): checkouts
 * that share one Docker engine set their own so they never run each other's function images.
 */
export const IMAGE_TAG = process.env.IMAGE_TAG || 'dev';

/** The local-only tools (gateway, provisioning, AWS front): images/gateway/Dockerfile. */
export const WORKBENCH_IMAGE = `imgproc/local-gateway:${IMAGE_TAG}`;

/** Built from images/<name>/Dockerfile by docker compose (see docker-compose.yml). */
export const FUNCTION_IMAGES = {
  uploadUrl: `imgproc/generate-upload-url:${IMAGE_TAG}`,
  processor: `imgproc/image-processor:${IMAGE_TAG}`,
  metrics: `imgproc/s3-metrics:${IMAGE_TAG}`,
} as const;
