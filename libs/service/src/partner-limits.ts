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

/** Refusals that were counted, not recorded one by one: appended as one event. */
export interface RejectionSummary {
  key: string;
  from: string;
  to: string;
  count: number;
  /** `<status_code>/<http status>` -> how many. */
  byStatus: Record<string, number>;
}

/** How long counted refusals of one key gather before their summary is appended (and answered). */
export const REJECTION_SUMMARY_EVERY_MS = 1_000;

/**
 * At most `perMinute` refused writes per key (partner) and minute are recorded one event each;
 * beyond, they are only counted, so a partner sending garbage cannot fill the disk. A counted
 * refusal is answered only once a summary holding it is in the log: a kill loses no refusal a
 * partner was told of. Refusals arriving within `everyMs` of each other share one summary, so a
 * flood costs at most one append per key and `everyMs` (and each such answer waits up to that long).
 */
export class RejectionQuota {
  private readonly windows = new Map<string, { start: number; recorded: number }>();
  private readonly pending = new Map<string, PendingSummary>();

  constructor(
    private readonly perMinute: number,
    private readonly everyMs = REJECTION_SUMMARY_EVERY_MS,
  ) {}

  /** Whether to record this refusal one by one (within the quota). */
  admit(key: string, now = Date.now()): boolean {
    let window = this.windows.get(key);
    if (!window || now - window.start >= 60_000) {
      window = { start: now, recorded: 0 };
      this.windows.set(key, window);
    }
    if (this.perMinute > 0 && window.recorded >= this.perMinute) return false;
    window.recorded++;
    return true;
  }

  /**
   * Counts a refusal beyond the quota into the key's next summary; resolves once `append` has run
   * for that summary.
   */
  count(key: string, status: string, append: (summary: RejectionSummary) => Promise<void>, now = Date.now()): Promise<void> {
    let batch = this.pending.get(key);
    if (!batch) {
      const summary: RejectionSummary = { key, from: new Date(now).toISOString(), to: '', count: 0, byStatus: {} };
      let flush: () => void = () => undefined;
      const written = new Promise<void>((resolve) => {
        flush = resolve;
      }).then(() => append(summary));
      // Not unref'd: a request waits for this summary, so the timer is work in progress (drain()
      // clears it at shutdown). Unref'd, a process with no other handle ended with the answer pending.
      const timer = setTimeout(() => this.flush(key), this.everyMs);
      batch = { summary, written, timer, flush };
      this.pending.set(key, batch);
    }
    batch.summary.count++;
    batch.summary.to = new Date(now).toISOString();
    batch.summary.byStatus[status] = (batch.summary.byStatus[status] ?? 0) + 1;
    return batch.written;
  }

  /** Appends every pending summary now (at shutdown) and waits for them. */
  async drain(): Promise<void> {
    const written = [...this.pending.keys()].map((key) => this.flush(key));
    await Promise.allSettled(written);
  }

  private flush(key: string): Promise<void> | undefined {
    const batch = this.pending.get(key);
    if (!batch) return undefined;
    this.pending.delete(key);
    clearTimeout(batch.timer);
    batch.flush();
    return batch.written;
  }
}

interface PendingSummary {
  summary: RejectionSummary;
  written: Promise<void>;
  timer: NodeJS.Timeout;
  flush: () => void;
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
