import { randomUUID } from 'node:crypto';
import { CloudWatchMetricsSink } from '../adapters/cloudwatch-metrics-sink';
import { DynamoDbImageRepository } from '../adapters/dynamodb-image-repository';
import { S3ObjectStore, S3UploadUrlSigner } from '../adapters/s3-object-store';
import { SnsNotifier } from '../adapters/sns-notifier';
import type { CreateUploadDeps } from '../domain/create-upload';
import { hexPartitionBoundaries, type MeasureStorageDeps } from '../domain/measure-storage';
import { DecodeMemoryGate } from '../domain/memory-gate';
import type { ProcessUploadDeps } from '../domain/process-upload';
import { JsonLogger } from '../logging/json-logger';
import type { Clock } from '../domain/ports/clock';
import { cloudWatchClient, dynamoDbClient, presignS3Client, s3Client, snsClient } from './aws-clients';
import type { Env } from './env-reader';
import {
  loadMetricsFunctionConfig,
  loadProcessorFunctionConfig,
  loadUploadFunctionConfig,
  type LogLevel,
} from './function-config';

/** Builds each function's dependencies once, at cold start, from its validated configuration. */

const systemClock: Clock = { now: () => new Date() };

const logger = (service: string, level: LogLevel) => new JsonLogger({ level, fields: { service } });

export interface FunctionDeps<UseCaseDeps> {
  readonly useCase: UseCaseDeps;
  readonly logger: JsonLogger;
}

export function uploadFunctionDeps(env: Env = process.env): FunctionDeps<CreateUploadDeps> {
  const config = loadUploadFunctionConfig(env);
  return {
    logger: logger('generate-upload-url', config.logLevel),
    useCase: {
      signer: new S3UploadUrlSigner(presignS3Client(config, config.s3PublicEndpoint), config.originalsBucketName),
      images: new DynamoDbImageRepository(dynamoDbClient(config), config.imagesTableName),
      ids: { newImageId: randomUUID },
      clock: systemClock,
      policy: {
        allowedFormats: config.allowedFormats,
        maxUploadBytes: config.maxUploadBytes,
        expiresInSeconds: config.expiresInSeconds,
      },
    },
  };
}

export interface ProcessorDeps extends FunctionDeps<Omit<ProcessUploadDeps, 'logger'>> {
  readonly concurrency: number;
}

export function processorFunctionDeps(env: Env = process.env): ProcessorDeps {
  const config = loadProcessorFunctionConfig(env);
  const s3 = s3Client(config);
  return {
    logger: logger('image-processor', config.logLevel),
    concurrency: config.concurrency,
    useCase: {
      originals: new S3ObjectStore(s3, config.originalsBucketName),
      processed: new S3ObjectStore(s3, config.processedBucketName),
      images: new DynamoDbImageRepository(dynamoDbClient(config), config.imagesTableName),
      notifier: new SnsNotifier(snsClient(config), config.topicArn),
      clock: systemClock,
      // One budget for the whole execution environment: every record of a batch decodes within it.
      decodeMemory: new DecodeMemoryGate(config.decodeMemoryBudgetBytes),
      policy: {
        originalsBucketName: config.originalsBucketName,
        maxUploadBytes: config.maxUploadBytes,
        acceptedFormats: config.acceptedFormats,
        limits: { maxInputPixels: config.maxInputPixels, maxFrames: config.maxFrames },
        encoding: { avifEffort: config.avifEffort, maxOutputEdgePx: config.maxOutputEdgePx },
        thumbnailMaxPx: config.thumbnailMaxPx,
        renditions: config.renditions,
      },
    },
  };
}

export function metricsFunctionDeps(env: Env = process.env): FunctionDeps<Omit<MeasureStorageDeps, 'logger'>> {
  const config = loadMetricsFunctionConfig(env);
  const s3 = s3Client(config);
  return {
    logger: logger('s3-metrics', config.logLevel),
    useCase: {
      listerFor: (bucketName) => new S3ObjectStore(s3, bucketName),
      metrics: new CloudWatchMetricsSink(cloudWatchClient(config), config.namespace),
      clock: systemClock,
      policy: {
        bucketNames: config.bucketNames,
        partitionBoundaries: hexPartitionBoundaries(config.partitionPrefixes),
        maxParallelListings: config.maxParallelListings,
        reserveMs: config.reserveMs,
      },
    },
  };
}
