import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { eventHash } from './hash-chain';

/**
 * An event's hashed content with `data` and `metadata` as the JSON text the store holds: the
 * worker parses it, so the reading thread never does (parsing and canonical JSON are most of
 * the cost of checking a log).
 */
export interface HashInput {
  prevHash: string;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recordedAt: string;
}

const ROLE = 'roamledger-hash-pool';

interface Job {
  id: number;
  events: HashInput[];
}

/**
 * eventHash over pages of events in worker threads, pages in parallel: `audit verify` reads on
 * one thread and hashes on the others. Same function as eventHash (the worker calls it), so the
 * hash format is the one test/audit/hash-format.test.ts pins.
 */
export class HashPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<{ job: Job; resolve: (hashes: string[]) => void; reject: (error: unknown) => void }> = [];
  private readonly running = new Map<number, { resolve: (hashes: string[]) => void; reject: (error: unknown) => void }>();
  private nextId = 0;
  private failure: unknown;

  /** `size` workers (default: one per CPU, at least one). */
  constructor(size = Math.max(1, availableParallelism())) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(__filename, { workerData: { role: ROLE } });
      worker.on('message', (message: { id: number; hashes?: string[]; error?: string }) => {
        const job = this.running.get(message.id);
        this.running.delete(message.id);
        worker.unref();
        this.idle.push(worker);
        if (job) {
          if (message.hashes) job.resolve(message.hashes);
          else job.reject(new Error(message.error));
        }
        this.dispatch();
      });
      worker.on('error', (error) => this.fail(error));
      // Idle workers keep no process alive (a caller that forgets close() still exits); busy ones do.
      worker.unref();
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** The recomputed hash of each event, in order. */
  hash(events: HashInput[]): Promise<string[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ job: { id: this.nextId++, events }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.waiting.length > 0) {
      const worker = this.idle.pop() as Worker;
      const { job, resolve, reject } = this.waiting.shift() as (typeof this.waiting)[number];
      this.running.set(job.id, { resolve, reject });
      worker.ref();
      worker.postMessage(job);
    }
  }

  private fail(error: unknown): void {
    this.failure = error;
    for (const job of [...this.running.values(), ...this.waiting]) job.reject(error);
    this.running.clear();
    this.waiting.length = 0;
  }
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) {
  parentPort?.on('message', (job: Job) => {
    try {
      const hashes = job.events.map((event) =>
        eventHash(event.prevHash, {
          id: event.id,
          stream: event.stream,
          revision: event.revision,
          type: event.type,
          data: JSON.parse(event.data),
          metadata: JSON.parse(event.metadata),
          recordedAt: event.recordedAt,
        }),
      );
      parentPort?.postMessage({ id: job.id, hashes });
    } catch (error) {
      parentPort?.postMessage({ id: job.id, error: String((error as Error)?.message ?? error) });
    }
  });
}
