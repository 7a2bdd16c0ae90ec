import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { VaultTelemetry } from '../../lib/telemetry/vault-telemetry.js';

/**
 * Issue 21: a request's span is made the active span only where that carries something (a
 * recording span, or a sampled-out span of a real trace, which still propagates the trace), so a
 * request with no SDK copies no context. What code under the request (HTTP instrumentation, the
 * user's own spans) sees as active must not change.
 */

const call = { method: 'GET' as const, path: 'secret/data/app/db', namespace: '' };
const exporter = new InMemorySpanExporter();

async function telemetryWith(sampler?: Sampler): Promise<VaultTelemetry> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  const telemetry = new VaultTelemetry({ includeKeyNames: false });
  expect(await telemetry.enable()).toBe(true);
  return telemetry;
}

afterEach(() => {
  exporter.reset();
  trace.disable();
  context.disable();
});

describe('the active span during a Vault request', () => {
  it('is the request span when it records, with vault.path and the operation on it', async () => {
    const telemetry = await telemetryWith();
    const seen = await telemetry.request(call, async () => ({ status: 200, active: trace.getActiveSpan() }));
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('vault kv.read');
    expect(span?.attributes).toMatchObject({
      'vault.operation': 'kv.read',
      'vault.path': 'secret/data/*',
      'http.response.status_code': 200,
    });
    expect(seen.active?.spanContext().spanId).toBe(span?.spanContext().spanId);
  });

  it('is the sampled-out request span under a trace (it propagates the trace id), though nothing is exported', async () => {
    const telemetry = await telemetryWith(new AlwaysOffSampler());
    const seen = await telemetry.request(call, async () => ({ status: 200, active: trace.getActiveSpan() }));
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(seen.active).toBeDefined();
    expect(seen.active?.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(seen.active!.spanContext())).toBe(true);
  });

  it('is left as it was when no SDK is registered (no context is made per request)', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const telemetry = new VaultTelemetry({ includeKeyNames: false });
    expect(await telemetry.enable()).toBe(true);
    const seen = await telemetry.request(call, async () => ({ status: 200, active: context.active() }));
    expect(seen.active).toBe(context.active());
    expect(trace.getSpan(seen.active)).toBeUndefined();
  });

  it('keeps a failure on the span and in its attributes: error.type is the error code, per outcome', async () => {
    const telemetry = await telemetryWith();
    await expect(telemetry.request(call, () => Promise.reject(Object.assign(new Error('down'), { status: 503 })))).rejects.toThrow('down');
    await telemetry.request(call, async () => ({ status: 404 }));
    const [failed, notFound] = exporter.getFinishedSpans();
    expect(failed?.attributes['error.type']).toBe('other');
    expect(failed?.status.code).toBe(2);
    expect(notFound?.attributes['http.response.status_code']).toBe(404);
    expect(notFound?.attributes['error.type']).toBe('404');
  });
});
