import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/**
 * Registers the OpenTelemetry metrics SDK with a Prometheus exporter, before the module starts
 * (the module takes its meter at start). The exporter runs no server of its own: the app serves
 * its page on `/metrics` with {@link metricsHandler}.
 */
export function startTelemetry(): { metricsHandler: (req: IncomingMessage, res: ServerResponse) => void; stop: () => Promise<void> } {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  metrics.setGlobalMeterProvider(provider);
  return {
    metricsHandler: (req, res) => exporter.getMetricsRequestHandler(req, res),
    stop: () => provider.shutdown(),
  };
}
