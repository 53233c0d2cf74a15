import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** The value at percentile `p` (0–100) of ascending `sorted`; NaN when it is empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * `call` made `perSecond` times a second for `seconds`, each at its own time whatever the answers
 * take (open loop), its latency counted from that time, so a stall delays every call due during it
 * (no coordinated omission). A rejected call counts as failed. autocannon's overallRate is no such
 * load: each connection sends its share of a second's requests back to back when the second
 * starts, so "200 a second" arrives as a burst of 200 every second.
 */
export async function openLoop(
  perSecond: number,
  seconds: number,
  call: () => Promise<unknown>,
): Promise<{ latencies: number[]; failed: number; seconds: number; ownStallMs: number }> {
  // This process's own event loop stalls delay calls too, and count against whatever it calls.
  const ownDelay = monitorEventLoopDelay({ resolution: 10 });
  ownDelay.enable();
  const latencies: number[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < Math.round(perSecond * seconds); i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      call().then(
        () => {
          latencies.push(performance.now() - due);
        },
        () => {
          failed++;
        },
      ),
    );
  }
  await Promise.all(pending);
  ownDelay.disable();
  return {
    latencies: latencies.sort((a, b) => a - b),
    failed,
    seconds: (performance.now() - started) / 1000,
    ownStallMs: ownDelay.max / 1e6,
  };
}
