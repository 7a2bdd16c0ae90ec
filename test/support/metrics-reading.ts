import type { DataPoint, InMemoryMetricExporter, MetricReader, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** Collects now (`forceFlush`) and returns what `exporter` received last. */
export async function collectMetrics(reader: MetricReader, exporter: InMemoryMetricExporter): Promise<ResourceMetrics> {
  exporter.reset();
  await reader.forceFlush();
  return exporter.getMetrics().at(-1) as ResourceMetrics;
}

/** The data points of the metric `name` (none when it was not exported). */
export function points(resource: ResourceMetrics, name: string): Array<DataPoint<unknown>> {
  const metric = resource.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []) as Array<DataPoint<unknown>>;
}

/** The value of the point of `name` whose attributes include `attributes`. */
export function value(resource: ResourceMetrics, name: string, attributes: Record<string, unknown>): unknown {
  return points(resource, name).find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))?.value;
}
