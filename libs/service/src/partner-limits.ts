import { Inject, Injectable } from '@nestjs/common';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from './config';

/** A token bucket per key: `perSecond` on average, bursts up to `burst`. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst = perSecond * 2,
  ) {}

  /** 0 when the request may go; else the whole seconds until it may (for Retry-After). */
  take(key: string, now = Date.now()): number {
    if (this.perSecond <= 0) return 0;
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }
}

/** Refusals a window did not record one by one: appended as one event when the window closes. */
export interface RejectionSummary {
  key: string;
  from: string;
  to: string;
  count: number;
  /** `<status_code>/<http status>` -> how many. */
  byStatus: Record<string, number>;
}

/**
 * At most `perMinute` refused writes per key (partner) and minute are recorded one event each;
 * beyond, they are only counted, and the count leaves as one summary once the minute is over, so
 * a partner sending garbage cannot fill the disk.
 */
export class RejectionQuota {
  private readonly windows = new Map<string, { start: number; recorded: number; summary?: RejectionSummary }>();

  constructor(private readonly perMinute: number) {}

  /** Whether to record this refusal, and the previous window's summary, due now, if any. */
  admit(key: string, status: string, now = Date.now()): { record: boolean; due?: RejectionSummary } {
    let window = this.windows.get(key);
    let due: RejectionSummary | undefined;
    if (!window || now - window.start >= 60_000) {
      due = window?.summary;
      window = { start: now, recorded: 0 };
      this.windows.set(key, window);
    }
    if (this.perMinute <= 0 || window.recorded < this.perMinute) {
      window.recorded++;
      return { record: true, due };
    }
    window.summary ??= { key, from: new Date(window.start).toISOString(), to: '', count: 0, byStatus: {} };
    window.summary.count++;
    window.summary.to = new Date(now).toISOString();
    window.summary.byStatus[status] = (window.summary.byStatus[status] ?? 0) + 1;
    return { record: false, due };
  }

  /** Every summary not appended yet (at shutdown). */
  drain(): RejectionSummary[] {
    const pending = [...this.windows.values()].flatMap((window) => (window.summary ? [window.summary] : []));
    this.windows.clear();
    return pending;
  }
}

/** The per-partner limits of this process, from PARTNER_RATE_LIMIT and REJECTED_EVENTS_PER_MINUTE. */
@Injectable()
export class PartnerLimits {
  readonly requests: RateLimiter;
  readonly rejections: RejectionQuota;

  constructor(@Inject(ROAMLEDGER_CONFIG) config: RoamledgerConfig) {
    this.requests = new RateLimiter(config.limits.partnerRequestsPerSecond);
    this.rejections = new RejectionQuota(config.limits.rejectedEventsPerMinute);
  }
}
