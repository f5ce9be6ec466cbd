import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { OPERATIONAL_METRICS as M } from '../contract';
import type {
  ImageObservation,
  ProcessingMetrics,
  StorageRunMetrics,
  StorageRunObservation,
} from '../domain/ports/operational-metrics';

/**
 * Metrics as CloudWatch Embedded Metric Format log lines, written by Powertools Metrics to stdout:
 * Lambda sends them to CloudWatch Logs, which extracts the metrics; no PutMetricData call, no extra
 * permission, nothing on the invocation's critical path. Every metric carries `service`.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format.html
 * (Locally the lines are in the function container's log; LocalStack does not turn them into metrics.)
 */
abstract class EmfMetrics {
  protected readonly metrics: Metrics;

  constructor(namespace: string, service: string) {
    this.metrics = new Metrics({ namespace, serviceName: service });
  }

  /** Writes the buffered values as one EMF line (nothing when none were recorded). */
  flush(): void {
    if (this.metrics.hasStoredMetrics()) this.metrics.publishStoredMetrics();
  }
}

/** The image processor's metrics: latency and processing time (ms), bytes, and outcomes. */
export class EmfProcessingMetrics extends EmfMetrics implements ProcessingMetrics {
  private readonly outcomes = new Map<string, { status: string; reason?: string; count: number }>();

  constructor(namespace: string = M.namespace) {
    super(namespace, M.processorService);
  }

  recordImage(observation: ImageObservation): void {
    if (observation.uploadToDoneMs !== undefined) this.metrics.addMetric(M.uploadToDoneLatency, MetricUnit.Milliseconds, observation.uploadToDoneMs);
    if (observation.processingMs !== undefined) this.metrics.addMetric(M.processingTime, MetricUnit.Milliseconds, observation.processingMs);
    if (observation.originalBytes !== undefined) this.metrics.addMetric(M.originalBytes, MetricUnit.Bytes, observation.originalBytes);
    if (observation.renditionBytes !== undefined) this.metrics.addMetric(M.renditionBytes, MetricUnit.Bytes, observation.renditionBytes);
    const key = `${observation.status}\u0000${observation.reason ?? ''}`;
    const outcome = this.outcomes.get(key) ?? { status: observation.status, ...(observation.reason ? { reason: observation.reason } : {}), count: 0 };
    outcome.count += 1;
    this.outcomes.set(key, outcome);
  }

  /**
   * The values share one line. Each outcome gets a line of its own, because its dimensions differ:
   * `service` + `Status` (the totals per status), and when there is a reason a second line with
   * `service` + `Status` + `Reason` (the breakdown). Two lines rather than two dimension sets in
   * one, which Powertools accepts only with a warning on every flush.
   */
  override flush(): void {
    super.flush();
    for (const { status, reason, count } of this.outcomes.values()) {
      this.emitCount({ [M.statusDimension]: status }, count);
      if (reason) this.emitCount({ [M.statusDimension]: status, [M.reasonDimension]: reason }, count);
    }
    this.outcomes.clear();
  }

  private emitCount(dimensions: Record<string, string>, count: number): void {
    const single = this.metrics.singleMetric();
    single.addDimensions(dimensions);
    single.addMetric(M.imagesProcessed, MetricUnit.Count, count);
  }
}

/** s3-metrics' own run: how long it took, and whether it ran out of time (1) or published (0). */
export class EmfStorageRunMetrics extends EmfMetrics implements StorageRunMetrics {
  constructor(namespace: string = M.namespace) {
    super(namespace, M.storageService);
  }

  recordRun(observation: StorageRunObservation): void {
    this.metrics.addMetric(M.storageMeasurementOutOfTime, MetricUnit.Count, observation.status === 'OUT_OF_TIME' ? 1 : 0);
    this.metrics.addMetric(M.storageMeasurementDuration, MetricUnit.Milliseconds, observation.durationMs);
  }
}
