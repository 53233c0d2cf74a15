import { Injectable } from '@nestjs/common';

/** What one part of a process says about itself on /health. */
export interface HealthReport {
  /** `degraded`: the process serves, but something it serves is stale or incomplete. */
  status: 'ok' | 'degraded';
  [detail: string]: unknown;
}

export interface HealthIndicator {
  /** The key of its report on /health (`billing`, `kafka-forwarder`, ...). */
  readonly name: string;
  check(): Promise<HealthReport>;
}

/** The indicators modules register (in onModuleInit); GET /health asks each. */
@Injectable()
export class HealthIndicators {
  private readonly indicators: HealthIndicator[] = [];

  register(indicator: HealthIndicator): void {
    this.indicators.push(indicator);
  }

  async check(): Promise<Record<string, HealthReport>> {
    const reports = await Promise.all(
      this.indicators.map(async (indicator) => {
        try {
          return [indicator.name, await indicator.check()] as const;
        } catch (error) {
          return [indicator.name, { status: 'degraded', reason: (error as Error).message } as HealthReport] as const;
        }
      }),
    );
    return Object.fromEntries(reports);
  }
}
