import { isMainThread, type MessagePort, parentPort, Worker, workerData } from 'node:worker_threads';
import { Logger, type LoggerService } from '@nestjs/common';
import {
  type EventStore,
  isStoreUnavailable,
  openPostgresClient,
  type SqlClient,
  SqlEventStore,
  StoreUnavailable,
} from '@roamledger/event-store';
import type { ProjectionBuild } from './builds';
import { openProjectionDb, type ProjectionDbSettings } from './projection-db';
import {
  type ProjectionFollowers,
  type ProjectionHealth,
  ProjectionHost,
  type ProjectionHostOptions,
  type ProjectionStatus,
} from './projection-host';
import { type ProjectionRecipe, projectionFromRecipe } from './projection-recipe';

/**
 * Projection followers in a worker thread. Reading the log, folding events into rows and writing
 * them took about a quarter of the request thread under write load (bench:ocpi, PostgreSQL): here
 * it runs on the other core. One thread per process and log database serves every module's host;
 * it reads the log itself (its own connections, LISTEN for appends) and shares one tail between
 * them, as the request thread's subscribers do.
 */

const ROLE = 'roamledger-projection-thread';

/** What the thread needs to run one module's host: all of it cloneable. */
interface HostSpec {
  db: Omit<ProjectionDbSettings, 'onConnectionError'>;
  recipes: ProjectionRecipe[];
  options: Omit<ProjectionHostOptions, 'followers'>;
}

type Request =
  | { id: number; op: 'open'; host: number; spec: HostSpec }
  | { id: number; op: 'rebuild'; host: number; name: string }
  | { id: number; op: 'status' | 'health' | 'close'; host: number }
  | { id: number; op: 'end' };

/** A request before it is numbered (Omit over each member of the union). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

type LogLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

type Message =
  | { id: number; result?: unknown; error?: { message: string; unavailable: boolean } }
  | { applied: number; name: string }
  | { log: { level: LogLevel; message: string; context?: string } }
  | { ready: true };

interface Registered {
  spec: HostSpec;
  onApplied: (name: string) => void;
}

/** The request thread's side: one worker per log database, restarted after a crash with every host it ran. */
class ProjectionThread {
  private static readonly threads = new Map<string, ProjectionThread>();
  private readonly logger = new Logger('projections');
  private readonly hosts = new Map<number, Registered>();
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  private worker?: Promise<Worker>;
  private nextId = 0;
  private nextHost = 0;
  private ended = false;
  private restartMs = 1000;

  private constructor(private readonly logDatabaseUrl: string) {}

  static for(logDatabaseUrl: string): ProjectionThread {
    let thread = ProjectionThread.threads.get(logDatabaseUrl);
    if (!thread) {
      thread = new ProjectionThread(logDatabaseUrl);
      ProjectionThread.threads.set(logDatabaseUrl, thread);
    }
    return thread;
  }

  async add(spec: HostSpec, onApplied: (name: string) => void): Promise<ProjectionFollowers> {
    const host = this.nextHost++;
    this.hosts.set(host, { spec, onApplied });
    try {
      await this.ask({ op: 'open', host, spec });
    } catch (error) {
      this.hosts.delete(host);
      if (this.hosts.size === 0) await this.end();
      throw error;
    }
    return {
      rebuild: (name) => this.ask({ op: 'rebuild', host, name }) as Promise<ProjectionBuild>,
      status: () => this.ask({ op: 'status', host }) as Promise<ProjectionStatus[]>,
      health: () => this.ask({ op: 'health', host }) as Promise<ProjectionHealth[]>,
      stop: async () => {
        if (!this.hosts.delete(host)) return;
        try {
          await this.ask({ op: 'close', host });
        } finally {
          if (this.hosts.size === 0) await this.end();
        }
      },
    };
  }

  private async ask(request: Unnumbered<Request>): Promise<unknown> {
    this.worker ??= this.spawn();
    const worker = await this.worker;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  }

  /** The last host is gone: the thread closes its connections and ends. */
  private async end(): Promise<void> {
    this.ended = true;
    ProjectionThread.threads.delete(this.logDatabaseUrl);
    const worker = await this.worker?.catch(() => undefined);
    if (!worker) return;
    await this.ask({ op: 'end' }).catch(() => undefined);
    await worker.terminate();
  }

  private spawn(): Promise<Worker> {
    const worker = new Worker(__filename, { workerData: { role: ROLE, logDatabaseUrl: this.logDatabaseUrl } });
    worker.on('message', (message: Message) => {
      if ('log' in message) {
        const { level, message: text, context } = message.log;
        new Logger(context ?? 'projections')[level](text);
      } else if ('applied' in message) {
        this.hosts.get(message.applied)?.onApplied(message.name);
      } else if ('id' in message) {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        // An unreachable database stays one across the thread: routes and /health answer 503 for it.
        const { error } = message;
        if (error) waiter?.reject(error.unavailable ? new StoreUnavailable(new Error(error.message)) : new Error(error.message));
        else waiter?.resolve(message.result);
      }
    });
    worker.on('error', (error) => this.logger.error(`the projection thread failed: ${error.message}`));
    worker.on('exit', (code) => this.exited(code));
    // An idle thread keeps no process alive; its host's stop() ends it.
    worker.unref();
    return new Promise<Worker>((resolve, reject) => {
      const onReady = (message: Message) => {
        if (!('ready' in message)) return;
        worker.off('message', onReady);
        worker.off('exit', onExit);
        resolve(worker);
      };
      const onExit = (code: number) => reject(new Error(`the projection thread stopped while starting (exit code ${code})`));
      worker.on('message', onReady);
      worker.once('exit', onExit);
    });
  }

  /** Every question open fails; unless ended, a new thread takes over every host after a pause. */
  private exited(code: number): void {
    const error = new Error(`the projection thread stopped (exit code ${code})`);
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    this.worker = undefined;
    if (this.ended) return;
    this.logger.error(`${error.message}; starting it again in ${this.restartMs} ms`);
    const restart = setTimeout(() => {
      this.restartMs = Math.min(this.restartMs * 2, 30_000);
      void Promise.all([...this.hosts].map(([host, { spec }]) => this.ask({ op: 'open', host, spec }))).then(
        () => {
          this.restartMs = 1000;
        },
        async (failure) => {
          // Ending this thread brings the next attempt (exited), later each time.
          this.logger.error(`the projection thread's hosts did not start again: ${(failure as Error).message}`);
          await (await this.worker?.catch(() => undefined))?.terminate();
        },
      );
    }, this.restartMs);
    restart.unref();
  }
}

/** Followers for a ProjectionHost (its `followers` option) in the process's projection thread for this log. */
export function followersInThread(
  logDatabaseUrl: string,
  db: ProjectionDbSettings,
  recipes: ProjectionRecipe[],
  options: Omit<ProjectionHostOptions, 'followers'> = {},
): ProjectionHostOptions['followers'] {
  const { onConnectionError: _callback, ...cloneable } = db;
  return (onApplied) => ProjectionThread.for(logDatabaseUrl).add({ db: cloneable, recipes, options }, onApplied);
}

/** Nest's logs in the thread go to the request thread's logger: one format, one level setting. */
class ForwardedLogs implements LoggerService {
  constructor(private readonly port: MessagePort) {}
  private send(level: LogLevel, message: unknown, context: unknown): void {
    this.port.postMessage({
      log: { level, message: String(message), context: typeof context === 'string' ? context : undefined },
    });
  }
  log(message: unknown, context?: unknown) {
    this.send('log', message, context);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.send('error', message, rest[rest.length - 1]);
  }
  warn(message: unknown, context?: unknown) {
    this.send('warn', message, context);
  }
  debug(message: unknown, context?: unknown) {
    this.send('debug', message, context);
  }
  verbose(message: unknown, context?: unknown) {
    this.send('verbose', message, context);
  }
  fatal(message: unknown, context?: unknown) {
    this.send('fatal', message, context);
  }
}

/** The thread's side: the log opened once, one ProjectionHost per module host. */
function serve(port: MessagePort, logDatabaseUrl: string): void {
  Logger.overrideLogger(new ForwardedLogs(port));
  const logger = new Logger('projections');
  const connectionLost = (error: Error) => logger.warn(`projection thread: database connection lost: ${error.message}`);
  let store: Promise<SqlEventStore> | undefined;
  const openStore = () => {
    store ??= openPostgresClient({ connectionString: logDatabaseUrl, maxConnections: 4, onConnectionError: connectionLost })
      .then((client) => SqlEventStore.open('postgres', client))
      .catch((error) => {
        store = undefined;
        throw error;
      });
    return store;
  };
  const hosts = new Map<number, { host: ProjectionHost; db: SqlClient }>();
  const hostOf = (id: number) => {
    const found = hosts.get(id);
    if (!found) throw new Error(`no projection host ${id} in this thread`);
    return found.host;
  };

  const handle = async (request: Request): Promise<unknown> => {
    switch (request.op) {
      case 'open': {
        const log = await openStore();
        const db = await openProjectionDb({ ...request.spec.db, onConnectionError: connectionLost });
        try {
          const projections = request.spec.recipes.map(projectionFromRecipe);
          const host = new ProjectionHost(log, db, projections, request.spec.options);
          for (const projection of projections) {
            host.onApplied(projection.name, () => port.postMessage({ applied: request.host, name: projection.name }));
          }
          await host.start();
          hosts.set(request.host, { host, db });
        } catch (error) {
          await db.close();
          throw error;
        }
        return undefined;
      }
      case 'rebuild':
        return hostOf(request.host).rebuild(request.name);
      case 'status':
        return hostOf(request.host).status();
      case 'health':
        return hostOf(request.host).health();
      case 'close': {
        const found = hosts.get(request.host);
        hosts.delete(request.host);
        if (found) {
          await found.host.stop();
          await found.db.close();
        }
        return undefined;
      }
      case 'end':
        await (await store?.catch(() => undefined))?.close();
        return undefined;
    }
  };
  port.on('message', (request: Request) => {
    handle(request).then(
      (result) => port.postMessage({ id: request.id, result }),
      (error) =>
        port.postMessage({
          id: request.id,
          error: { message: (error as Error)?.message ?? String(error), unavailable: isStoreUnavailable(error) },
        }),
    );
  });
  port.postMessage({ ready: true });
}

if (!isMainThread && parentPort && (workerData as { role?: string } | undefined)?.role === ROLE) {
  serve(parentPort, (workerData as { logDatabaseUrl: string }).logDatabaseUrl);
}

export interface ModuleProjections {
  /** The process's event store. */
  store: EventStore;
  /** PROJECTION_EVENT_SOURCE, when the module follows another feed (Kafka, in service mode). */
  source?: EventStore;
  /** The projection database, as opened from `dbSettings`. */
  db: SqlClient;
  dbSettings: ProjectionDbSettings;
  recipes: ProjectionRecipe[];
  /** DATABASE_URL when the event store is PostgreSQL. */
  logDatabaseUrl?: string;
}

/**
 * A module's projection host, started. Its followers run in the projection thread when the
 * process reads a PostgreSQL log itself; here otherwise: a Kafka feed is this process's consumer,
 * and an embedded store's folder belongs to this thread's PGlite.
 */
export async function startProjectionHost(setup: ModuleProjections): Promise<ProjectionHost> {
  const threaded = setup.logDatabaseUrl !== undefined && setup.source === undefined;
  const host = new ProjectionHost(setup.source ?? setup.store, setup.db, setup.recipes.map(projectionFromRecipe), {
    followers: threaded ? followersInThread(setup.logDatabaseUrl as string, setup.dbSettings, setup.recipes) : undefined,
  });
  await host.start();
  return host;
}
