import { Controller, Get, Injectable, Res } from '@nestjs/common';
import { type EventStore, WrongExpectedVersion } from '@roamledger/event-store';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

type Labels = Record<string, string>;

/**
 * The process's Prometheus metrics (prom-client), one registry per application: requests per
 * module and status, append latency, and what modules register (projection lag and poison
 * events, forwarder lag and failed pushes to Kafka); memory and the event loop come from
 * prom-client's default metrics (process_resident_memory_bytes, nodejs_heap_size_used_bytes...).
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'module' | 'method' | 'status'>;
  private readonly appends: Histogram<'outcome'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'roamledger_http_request_duration_seconds',
      help: 'HTTP requests by module (ocpi module, admin, finance, service), method and status: count and latency',
      labelNames: ['module', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.appends = new Histogram({
      name: 'roamledger_event_store_append_duration_seconds',
      help: 'Appends to the event store: latency, by outcome (ok, conflict, error)',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
  }

  /** A gauge read when scraped. */
  gauge(name: string, help: string, labelNames: string[], read: () => Promise<Array<[Labels, number]>>): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [labels, value] of await read().catch(() => [])) this.set(labels, value);
      },
    });
  }

  counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }

  /** Times every append of `store` (the one place all writes pass). */
  timeAppends<S extends EventStore>(store: S): S {
    const append = store.append.bind(store);
    store.append = async (...args) => {
      const end = this.appends.startTimer();
      try {
        const result = await append(...args);
        end({ outcome: 'ok' });
        return result;
      } catch (error) {
        end({ outcome: error instanceof WrongExpectedVersion ? 'conflict' : 'error' });
        throw error;
      }
    };
    return store;
  }

  /** Observes every reply, labelled by the module its route belongs to (never by raw URL). */
  observeRequests(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      this.requests.observe(
        { module: moduleOf(request.routeOptions?.url), method: request.method, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}

/** `/ocpi/emsp/2.2.1/sessions/...` -> sessions, `/ocpi/2.2.1/credentials` -> credentials, `/admin/...` -> admin. */
export function moduleOf(route: string | undefined): string {
  if (!route) return 'none';
  const ocpi = /^\/ocpi\/(?:(?:emsp|cpo|hub)\/)?(?:[\d.]+\/)?([a-z_]+)/.exec(route);
  if (ocpi) return ocpi[1];
  const first = /^\/([a-z_]+)/.exec(route)?.[1];
  return first === 'health' || first === 'metrics' ? 'service' : (first ?? 'none');
}

/** GET /metrics: the Prometheus text format. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
