import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import type { FastifyReply } from 'fastify';

/** Readiness: ok only while the event store answers. */
@Controller('health')
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      await this.store.ping();
      return { status: 'ok', event_store: this.store.kind, head_position: await this.store.headPosition() };
    } catch (error) {
      reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'unavailable', event_store: this.store.kind, reason: (error as Error).message };
    }
  }
}
