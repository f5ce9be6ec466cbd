import { randomUUID } from 'node:crypto';
import { CloudWatchMetricsSink } from '../adapters/cloudwatch-metrics-sink';
import { DynamoDbImageRepository } from '../adapters/dynamodb-image-repository';
import { EmfProcessingMetrics, EmfStorageRunMetrics } from '../adapters/emf-metrics';
import { S3DownloadUrlSigner, S3ObjectStore, S3UploadUrlSigner } from '../adapters/s3-object-store';
import { SnsNotifier } from '../adapters/sns-notifier';
import type { CreateUploadDeps } from '../domain/create-upload';
import { hexPartitionBoundaries, type MeasureStorageDeps } from '../domain/measure-storage';
import { DecodeMemoryGate } from '../domain/memory-gate';
import type { ProcessUploadDeps } from '../domain/process-upload';
import { PageCursorCodec } from '../domain/page-cursor';
import type { DeleteImageDeps, ReadImagesDeps } from '../domain/read-images';
import { JsonLogger } from '../logging/json-logger';
import type { Clock } from '../domain/ports/clock';
import type { ProcessingMetrics, StorageRunMetrics } from '../domain/ports/operational-metrics';
import { cloudWatchClient, dynamoDbClient, presignS3Client, s3Client, snsClient } from './aws-clients';
import type { Env } from './env-reader';
import {
  loadImagesApiFunctionConfig,
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
      images: new DynamoDbImageRepository(dynamoDbClient(config), config.imagesTableName, config.usageTableName),
      ids: { newImageId: randomUUID },
      clock: systemClock,
      policy: {
        allowedFormats: config.allowedFormats,
        maxUploadBytes: config.maxUploadBytes,
        expiresInSeconds: config.expiresInSeconds,
        quotas: config.quotas,
        pendingExpiresAfterSeconds: config.pendingExpiresAfterSeconds,
      },
    },
  };
}

export interface ProcessorDeps extends FunctionDeps<Omit<ProcessUploadDeps, 'logger'>> {
  readonly concurrency: number;
  /** Stage latencies, outcomes and bytes, flushed once per invocation. */
  readonly metrics: ProcessingMetrics;
}

export function processorFunctionDeps(env: Env = process.env): ProcessorDeps {
  const config = loadProcessorFunctionConfig(env);
  const s3 = s3Client(config);
  return {
    logger: logger('image-processor', config.logLevel),
    concurrency: config.concurrency,
    metrics: new EmfProcessingMetrics(),
    useCase: {
      originals: new S3ObjectStore(s3, config.originalsBucketName),
      processed: new S3ObjectStore(s3, config.processedBucketName),
      images: new DynamoDbImageRepository(dynamoDbClient(config), config.imagesTableName, config.usageTableName),
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

export interface ImagesApiDeps {
  readonly logger: JsonLogger;
  readonly read: ReadImagesDeps;
  readonly delete: Omit<DeleteImageDeps, 'logger'>;
}

export function imagesApiFunctionDeps(env: Env = process.env): ImagesApiDeps {
  const config = loadImagesApiFunctionConfig(env);
  const s3 = s3Client(config);
  const images = new DynamoDbImageRepository(dynamoDbClient(config), config.imagesTableName, config.usageTableName);
  return {
    logger: logger('images-api', config.logLevel),
    read: {
      images,
      renditionUrls: new S3DownloadUrlSigner(presignS3Client(config, config.s3PublicEndpoint), config.processedBucketName),
      cursors: new PageCursorCodec(config.cursorSigningKey),
      clock: systemClock,
      policy: { renditionUrlExpiresInSeconds: config.renditionUrlExpiresInSeconds },
    },
    delete: {
      images,
      originals: new S3ObjectStore(s3, config.originalsBucketName),
      processed: new S3ObjectStore(s3, config.processedBucketName),
      clock: systemClock,
    },
  };
}

export interface MetricsFunctionDeps extends FunctionDeps<Omit<MeasureStorageDeps, 'logger'>> {
  /** The run's own duration and whether it ran out of time (the OUT_OF_TIME alarm). */
  readonly runMetrics: StorageRunMetrics;
}

export function metricsFunctionDeps(env: Env = process.env): MetricsFunctionDeps {
  const config = loadMetricsFunctionConfig(env);
  const s3 = s3Client(config);
  return {
    logger: logger('s3-metrics', config.logLevel),
    runMetrics: new EmfStorageRunMetrics(),
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
