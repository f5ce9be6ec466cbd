import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * images/base-images.env pins the upstream base images for everything that builds the images: the
 * local stack, the tests, scripts/push-images.sh and this app. Read at synth, so a bump there needs
 * no change here.
 */
export const BASE_IMAGES_FILE = path.resolve(__dirname, '..', '..', 'images', 'base-images.env');

export interface BaseImages {
  /** The Dockerfiles' build stage (`NODE_IMAGE`). */
  readonly nodeImage: string;
  /** The Lambda base of the function images (`LAMBDA_BASE_IMAGE`). */
  readonly lambdaBaseImage: string;
}

export function readBaseImages(file: string = BASE_IMAGES_FILE): BaseImages {
  const values = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) values.set(match[1]!, match[2]!.trim());
  }
  const pinned = (key: string): string => {
    const value = values.get(key);
    if (!value) throw new Error(`${file} does not set ${key}`);
    return value;
  };
  return { nodeImage: pinned('NODE_IMAGE'), lambdaBaseImage: pinned('LAMBDA_BASE_IMAGE') };
}
