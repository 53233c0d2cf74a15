// A real Kafka broker for node:test suites, run by deploy/kafka/kafka.sh (KRaft, one JVM,
// jars from Maven Central). No Docker and no mock: tests talk to the broker kafkajs will meet.
//
//   const kafka = await startKafka();          // fetch + fresh start on free loopback ports
//   new Kafka({ brokers: kafka.brokers });
//   await restartKafka({ kill: true });        // crash it mid-stream, bring it back, same data
//   await stopKafka();                         // in after()
//
// Set KAFKA_PORT / KAFKA_CONTROLLER_PORT to pin the ports, KAFKA_KEEP_RUN_DIR=1 to keep the
// broker's data and logs after stop.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from './project-root';

const run = promisify(execFile);

export interface KafkaBroker {
  /** Bootstrap addresses, e.g. ['127.0.0.1:40123']. */
  brokers: string[];
  port: number;
  controllerPort: number;
  /** Holds data/, logs/server.log and kafka.pid. */
  runDir: string;
  stop(): Promise<void>;
  restart(options?: RestartOptions): Promise<void>;
}

export interface StartOptions {
  port?: number;
  controllerPort?: number;
  /** Partitions of auto-created topics (the broker's num.partitions). */
  numPartitions?: number;
}

export interface RestartOptions {
  /** SIGKILL instead of a graceful stop, to test recovery from a crash. */
  kill?: boolean;
}

// The first cold fetch downloads ~45 jars through Maven; later ones return at once.
const FETCH_TIMEOUT_MS = 5 * 60_000;
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

let current: KafkaBroker | undefined;

/** Starts a fresh broker (empty data dir) and remembers it for stopKafka/restartKafka. */
export async function startKafka(options: StartOptions = {}): Promise<KafkaBroker> {
  if (current) throw new Error(`a Kafka broker is already running at ${current.brokers[0]}`);
  const port = options.port ?? envPort('KAFKA_PORT') ?? (await freePort());
  const controllerPort = options.controllerPort ?? envPort('KAFKA_CONTROLLER_PORT') ?? (await freePort(port));
  // One run dir per port, so test files running in parallel never share a broker's data.
  const runDir = join(projectRoot(), '.cache', 'kafka-test', String(port));
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_RUN_DIR: runDir,
    ...(options.numPartitions ? { KAFKA_NUM_PARTITIONS: String(options.numPartitions) } : {}),
  };

  await script(['fetch'], env, FETCH_TIMEOUT_MS);
  let bootstrap: string;
  try {
    bootstrap = await script(['start', '--fresh'], env, START_TIMEOUT_MS);
  } catch (error) {
    // A start cut short by the timeout may have left a JVM behind.
    await script(['stop'], env, STOP_TIMEOUT_MS).catch(() => undefined);
    throw error;
  }

  // One operation at a time: a stop from after() waits for a restart a failed test left running.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = queue.then(operation, operation);
    queue = result.catch(() => undefined);
    return result;
  };

  const broker: KafkaBroker = {
    brokers: [bootstrap],
    port,
    controllerPort,
    runDir,
    stop: () =>
      serial(async () => {
        await script(['stop'], env, STOP_TIMEOUT_MS);
        if (current === broker) current = undefined;
        if (process.env.KAFKA_KEEP_RUN_DIR !== '1') rmSync(runDir, { recursive: true, force: true });
      }),
    restart: ({ kill = false }: RestartOptions = {}) =>
      serial(async () => {
        await script([kill ? 'kill' : 'stop'], env, STOP_TIMEOUT_MS);
        // No --fresh: the broker recovers its log and the group offsets from the same data dir.
        await script(['start'], env, START_TIMEOUT_MS);
      }),
  };
  current = broker;
  return broker;
}

export async function stopKafka(): Promise<void> {
  await current?.stop();
}

export async function restartKafka(options?: RestartOptions): Promise<void> {
  if (!current) throw new Error('no Kafka broker started by startKafka()');
  await current.restart(options);
}

// A test process that dies without after() must not leave a JVM behind.
process.on('exit', () => {
  if (!current) return;
  try {
    process.kill(Number(readFileSync(join(current.runDir, 'kafka.pid'), 'utf8')), 'SIGKILL');
  } catch {
    // Already gone.
  }
});

async function script(args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<string> {
  const path = join(projectRoot(), 'deploy', 'kafka', 'kafka.sh');
  try {
    const { stdout } = await run('bash', [path, ...args], { env, timeout, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim().split('\n').pop() ?? '';
  } catch (error) {
    const { stderr = '', message } = error as { stderr?: string; message: string };
    throw new Error(`kafka.sh ${args.join(' ')} failed: ${message}\n${stderr}`);
  }
}

function envPort(name: string): number | undefined {
  const value = process.env[name];
  return value ? Number(value) : undefined;
}

// Random ports below Linux's ephemeral range (32768+), so no client socket can take the
// broker's port while it is down for a restart.
async function freePort(taken?: number): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (port !== taken && (await canListen(port))) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
