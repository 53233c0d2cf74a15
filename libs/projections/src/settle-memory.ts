import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Events caught up with (in large batches) after which the end of the catch-up settles memory. */
const SETTLE_AFTER_EVENTS = 10_000;
/** The catch-up has ended when no follower applied a large batch for this long. */
const QUIET_MS = 2_000;

let pending = 0;
let timer: NodeJS.Timeout | undefined;
let collect: (() => void) | undefined;

/**
 * Notes a batch applied while catching up (full, with more queued behind it). Once no follower of the process applied one for
 * QUIET_MS, after at least SETTLE_AFTER_EVENTS events, one full garbage collection runs: a
 * catch-up decodes every event it reads, V8 grows its heap for that and, the process being idle
 * afterwards, does not collect again for minutes, so a hub that caught up with 100,000 events sat
 * at ~400 MB RSS, ~150 MB of it garbage (a restart on the same log: ~265 MB). The pause (some
 * 100 ms) comes once after a catch-up, never on live traffic, whose batches do not fill up with more waiting.
 */
export function noteCatchUpBatch(events: number): void {
  pending += events;
  clearTimeout(timer);
  timer = setTimeout(() => {
    timer = undefined;
    if (pending < SETTLE_AFTER_EVENTS) return;
    pending = 0;
    if (!collect) {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
    collect();
  }, QUIET_MS);
  timer.unref();
}
