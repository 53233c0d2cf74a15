import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import type { FastifyReply } from 'fastify';
import { HealthIndicators } from './health';

/**
 * Readiness: `unavailable` (503) while the event store does not answer; `degraded` (200: it still
 * serves) when a registered part reports so, a projection behind the log or with poison events say.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly indicators: HealthIndicators,
  ) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    let head: number;
    try {
      await this.store.ping();
      head = await this.store.headPosition();
    } catch (error) {
      reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'unavailable', event_store: this.store.kind, reason: (error as Error).message };
    }
    const checks = await this.indicators.check();
    const degraded = Object.values(checks).some((report) => report.status !== 'ok');
    return {
      status: degraded ? 'degraded' : 'ok',
      event_store: this.store.kind,
      head_position: head,
      ...(Object.keys(checks).length ? { checks } : {}),
    };
  }
}
