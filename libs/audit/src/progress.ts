/**
 * Progress of a long run on stderr: a redrawn bar with rate and ETA on a terminal, plain lines
 * every few seconds otherwise (CI logs, pipes). stdout stays for results.
 */
export interface ProgressSnapshot {
  label: string;
  /** Events handled so far. */
  done: number;
  /** Share of the work done, 0..1, when the total is known. */
  fraction?: number;
  elapsedMs: number;
}

export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mmss = `${String(m).padStart(h ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return h ? `${h}:${mmss}` : mmss;
}

function rateOf(snapshot: ProgressSnapshot): number {
  return snapshot.elapsedMs > 0 ? (snapshot.done * 1000) / snapshot.elapsedMs : 0;
}

function etaOf(snapshot: ProgressSnapshot): string {
  const { fraction, elapsedMs } = snapshot;
  if (fraction === undefined || fraction <= 0 || elapsedMs <= 0) return '?';
  return formatDuration((elapsedMs * (1 - Math.min(1, fraction))) / fraction);
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** `verify [########------]  52%  12,345 events  4,321 ev/s  ETA 0:03` sized to the terminal. Pure. */
export function progressBar(snapshot: ProgressSnapshot, columns = 80): string {
  const percent = snapshot.fraction === undefined ? '' : `${String(Math.floor(snapshot.fraction * 100)).padStart(3)}%`;
  const tail = ` ${percent}  ${count(snapshot.done)} events  ${count(rateOf(snapshot))} ev/s  ETA ${etaOf(snapshot)}`;
  const width = Math.max(10, Math.min(40, columns - snapshot.label.length - tail.length - 4));
  const filled = snapshot.fraction === undefined ? 0 : Math.round(Math.min(1, snapshot.fraction) * width);
  return `${snapshot.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${tail}`;
}

/** `verify: 12,345 events (52%), 4,321 ev/s, ETA 0:03`. Pure. */
export function progressLine(snapshot: ProgressSnapshot): string {
  const percent = snapshot.fraction === undefined ? '' : ` (${Math.floor(snapshot.fraction * 100)}%)`;
  return `${snapshot.label}: ${count(snapshot.done)} events${percent}, ${count(rateOf(snapshot))} ev/s, ETA ${etaOf(snapshot)}`;
}

export interface ProgressOptions {
  /** Silence everything (tests, --quiet). */
  quiet?: boolean;
  /** Minimum time between plain lines. Default 5 s. */
  lineEveryMs?: number;
  now?: () => number;
}

export class Progress {
  private readonly started: number;
  private lastDraw = -Infinity;
  private drawn = false;
  private readonly now: () => number;

  constructor(
    private readonly label: string,
    private readonly sink: ProgressSink,
    private readonly options: ProgressOptions = {},
  ) {
    this.now = options.now ?? (() => Date.now());
    this.started = this.now();
    // A terminal shows the bar at once; a log gets its first line only if the run lasts.
    if (!sink.isTTY) this.lastDraw = this.started;
  }

  update(done: number, fraction?: number): void {
    if (this.options.quiet) return;
    const now = this.now();
    const every = this.sink.isTTY ? 100 : (this.options.lineEveryMs ?? 5000);
    if (now - this.lastDraw < every) return;
    this.lastDraw = now;
    this.draw({ label: this.label, done, fraction, elapsedMs: now - this.started });
  }

  /** Final state: the full bar, then a new line, or one last plain line. */
  finish(done: number): void {
    if (this.options.quiet) return;
    if (!this.sink.isTTY && !this.drawn) return; // a short run needs no progress line
    this.draw({ label: this.label, done, fraction: 1, elapsedMs: this.now() - this.started });
    if (this.sink.isTTY) this.sink.write('\n');
  }

  private draw(snapshot: ProgressSnapshot): void {
    this.drawn = true;
    if (this.sink.isTTY) this.sink.write(`\r${progressBar(snapshot, this.sink.columns || 80)}\x1b[K`);
    else this.sink.write(`${progressLine(snapshot)}\n`);
  }
}
