import { setTimeout as sleep } from 'node:timers/promises';
import { context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';

/**
 * One service's tracing. The tracer is handed to what it instruments (HTTP, database, bus), never
 * registered as the process's global tracer provider: tests run several services in one process,
 * each with its own exporter.
 */
export interface Tracing {
  /** Null when tracing is off: nothing is instrumented then, so it costs nothing. */
  tracer: Tracer | null;
  /** Exports the spans that ended and are still buffered. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting (service shutdown). */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Replaces the OTLP exporter, and turns tracing on whatever the configuration says (tests). */
  exporter?: SpanExporter;
  /** Hands each span to the exporter as it ends instead of in batches (tests read them at once). */
  exportEachSpan?: boolean;
  /** Told when spans cannot be exported (at most once a minute); the SDK itself says nothing. */
  logger?: Logger;
  /** Longest shutdown waits for the last spans to leave; a collector that is away must not hold up the exit. Default 5 s. */
  shutdownTimeoutMs?: number;
}

const tracingOff: Tracing = {
  tracer: null,
  flush: async () => {},
  shutdown: async () => {},
};

/**
 * Spans are exported over OTLP/HTTP in protobuf to the configured endpoint, in batches off the
 * request path. New traces are sampled by OTEL_TRACES_SAMPLER_ARG; a request or message that
 * arrives with a traceparent follows its sender's decision, so a saga is kept or dropped whole.
 */
export function createTracing(config: Config['tracing'], options: TracingOptions = {}): Tracing {
  const given =
    options.exporter ??
    (config.enabled && config.tracesEndpoint
      ? new OTLPTraceExporter({ url: config.tracesEndpoint, timeoutMillis: 5_000 })
      : null);
  if (!given) return tracingOff;
  const exporter = options.logger ? reportingFailures(given, options.logger) : given;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5_000;
  installContextManager();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [
      options.exportEachSpan ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter }),
    ],
  });
  return {
    tracer: provider.getTracer(config.serviceName),
    // A failed export is reported by `reportingFailures`; it must not fail the caller's shutdown.
    flush: () => provider.forceFlush().catch(() => {}),
    shutdown: () =>
      Promise.race([
        provider.shutdown().catch(() => {}),
        sleep(shutdownTimeoutMs, undefined, { ref: false }),
      ]),
  };
}

/** The exporter, logging a failed export (at most once a minute: a collector that is away fails every batch). */
function reportingFailures(exporter: SpanExporter, logger: Logger, everyMs = 60_000): SpanExporter {
  let lastReport = Number.NEGATIVE_INFINITY;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && Date.now() - lastReport >= everyMs) {
          lastReport = Date.now();
          logger.warn({ err: result.error, spans: spans.length }, 'spans could not be exported; dropped');
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/**
 * The one piece of global state the OpenTelemetry API requires: the context manager that carries
 * the active span across awaits. A second service in the same process (or a host SDK) finds one
 * registered already and uses it; it serves every tracer alike.
 */
function installContextManager(): void {
  const manager = new AsyncLocalStorageContextManager();
  if (context.setGlobalContextManager(manager.enable())) return;
  manager.disable();
}
