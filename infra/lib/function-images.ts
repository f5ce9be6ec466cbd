import * as path from 'node:path';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { ImageSource } from './pipeline-config';

/** The function images, named like their folders under images/ (and their ECR repositories). */
export const FUNCTION_IMAGES = ['generate-upload-url', 'images-api', 'image-processor', 's3-metrics'] as const;
export type FunctionImage = (typeof FUNCTION_IMAGES)[number];

/** The Dockerfiles' build context is the repository root, exactly as in docker-compose.yml. */
export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

/**
 * The images are built for x86_64: the processor's Dockerfile installs sharp's linux-x64 binaries,
 * so the functions run on x86_64 and a build on an arm64 laptop must target linux/amd64.
 */
export const FUNCTION_ARCHITECTURE = lambda.Architecture.X86_64;

/**
 * Lambda code for one of the images: built from images/<name>/Dockerfile as a CDK image asset
 * (pushed to the bootstrap ECR repository by `cdk deploy`), or taken from
 * `<prefix>/<name>:<tag>` when a team publishes images from its own CI (scripts/push-images.sh).
 * `cmd` overrides the image's CMD, e.g. the processor image's `index.deadLetterHandler`.
 */
export class FunctionImages extends Construct {
  private readonly repositories = new Map<FunctionImage, ecr.IRepository>();

  constructor(
    scope: Construct,
    id: string,
    private readonly source: ImageSource,
  ) {
    super(scope, id);
  }

  code(image: FunctionImage, options: { cmd?: string[] } = {}): lambda.DockerImageCode {
    if (this.source.kind === 'ecr') {
      return lambda.DockerImageCode.fromEcr(this.repository(image, this.source.repositoryPrefix), {
        tagOrDigest: this.source.tag,
        ...(options.cmd ? { cmd: options.cmd } : {}),
      });
    }
    return lambda.DockerImageCode.fromImageAsset(REPOSITORY_ROOT, {
      file: path.join('images', image, 'Dockerfile'),
      buildArgs: { NODE_IMAGE: this.source.nodeImage, LAMBDA_BASE_IMAGE: this.source.lambdaBaseImage },
      platform: Platform.LINUX_AMD64,
      // The root .dockerignore keeps the context small, but its patterns only match at the root:
      // infra/ (with its node_modules) is not needed by any image.
      exclude: ['infra'],
      ...(options.cmd ? { cmd: options.cmd } : {}),
    });
  }

  private repository(image: FunctionImage, prefix: string): ecr.IRepository {
    let repository = this.repositories.get(image);
    if (!repository) {
      repository = ecr.Repository.fromRepositoryName(this, `${image}-repository`, `${prefix}/${image}`);
      this.repositories.set(image, repository);
    }
    return repository;
  }
}
