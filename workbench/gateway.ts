import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { cognitoClient, sqsClient } from './aws-clients';
import { loadGatewayConfig } from './config';
import { JsonLogger } from '../src/logging/json-logger';
import { findUserPoolClientId, findUserPoolId } from './cognito-lookup';
import { runFunctionPool } from './function-pool';
import { createHttpApi } from './http-api';
import { createJwtAuthorizer } from './jwt-authorizer';
import { rieInvoker } from './rie-client';
import { runSchedule } from './schedule';
import { createWebSite } from './web-site';
import { runEventSourceMapping } from './sqs-event-source';
import openApiDocument from '../src/openapi.json';

/**
 * The local stand-in for what AWS manages: the HTTP API with its JWT authorizer, the SQS event
 * source mapping of image-processor, and the EventBridge schedule of s3-metrics.
 */
async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = new JsonLogger({ level: config.logLevel, fields: { service: 'local-gateway' } });
  const { names } = config;

  const cognito = cognitoClient(config);
  const userPoolId = await findUserPoolId(cognito, names.userPoolName);
  const clientId = userPoolId && (await findUserPoolClientId(cognito, userPoolId, names.userPoolClientName));
  if (!userPoolId || !clientId) {
    throw new Error(`User pool "${names.userPoolName}" with client "${names.userPoolClientName}" not found: run provisioning first.`);
  }
  const issuer = `${config.cognitoUrl}/${userPoolId}`;
  const authorize = createJwtAuthorizer({
    issuer,
    audience: [clientId],
    tokenUse: 'access',
    clockToleranceSeconds: config.clockToleranceSeconds,
  });

  const sqs = sqsClient(config);
  const findQueue = async (name: string) => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }));
    if (!QueueUrl || !Attributes?.QueueArn) throw new Error(`Queue "${name}" not found: run provisioning first.`);
    return { url: QueueUrl, arn: Attributes.QueueArn, visibilityTimeoutSeconds: Number(Attributes.VisibilityTimeout ?? 30) };
  };
  const uploadQueue = await findQueue(names.uploadQueueName);
  const deadLetterQueue = await findQueue(names.deadLetterQueueName);

  const invoker = (url: string) => rieInvoker(url, { timeoutMs: config.functionTimeoutMs });
  const server = createHttpApi({
    authorize,
    uploadFunction: invoker(config.uploadFunctionUrl),
    imagesFunction: invoker(config.imagesFunctionUrl),
    openApiDocument,
    corsAllowedOrigins: config.corsAllowedOrigins,
    logger,
    ...(config.webRoot !== undefined ? { site: createWebSite({ root: config.webRoot, stackFile: config.stackFile, logger }) } : {}),
  });
  await new Promise<void>((resolve) => server.listen(config.port, '0.0.0.0', resolve));

  const stop = new AbortController();
  const mapping = (
    queue: { url: string; arn: string; visibilityTimeoutSeconds: number },
    functionUrl: string,
    signal = stop.signal,
    releaseSignal = stop.signal,
  ) =>
    runEventSourceMapping({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: names.region,
      invoker: invoker(functionUrl),
      batchSize: config.batchSize,
      batchWindowMs: config.batchWindowMs,
      waitTimeSeconds: config.receiveWaitSeconds,
      visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
      logger,
      signal,
      releaseSignal,
    });
  const loops = [
    // One loop per running container behind each processor URL (PROCESSOR_CONTAINERS in docker-compose.yml).
    ...config.processorFunctionUrls.map((functionUrl) =>
      runFunctionPool({
        functionUrl,
        refreshMs: config.functionDiscoveryMs,
        runLoop: (containerUrl, signal, releaseSignal) => mapping(uploadQueue, containerUrl, signal, releaseSignal),
        logger,
        signal: stop.signal,
      }),
    ),
    mapping(deadLetterQueue, config.deadLetterFunctionUrl),
    runSchedule({
      invoker: invoker(config.metricsFunctionUrl),
      intervalMs: config.metricsScheduleSeconds * 1000,
      ruleArn: `arn:aws:events:${names.region}:000000000000:rule/s3-metrics-schedule`,
      region: names.region,
      logger,
      signal: stop.signal,
    }),
  ];
  // A loop that dies would leave uploads unprocessed behind a healthy-looking gateway: exit instead,
  // and let the container restart (docker-compose.yml: restart: on-failure).
  for (const loop of loops) {
    loop.catch((error: unknown) => {
      logger.error('gateway loop failed; exiting', { error });
      process.exit(1);
    });
  }
  logger.info('gateway ready', {
    port: config.port,
    issuer,
    queueUrl: uploadQueue.url,
    deadLetterQueueUrl: deadLetterQueue.url,
    processors: config.processorFunctionUrls,
    metricsScheduleSeconds: config.metricsScheduleSeconds,
  });

  const shutdown = (signal: string) => {
    logger.info('gateway stopping', { signal });
    stop.abort();
    server.close();
    Promise.allSettled(loops).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    new JsonLogger({ level: 'error', fields: { service: 'local-gateway' } }).error('gateway failed to start', { error });
    process.exit(1);
  });
}
