import { randomBytes } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type EventStore, openEventStore, openPgliteClient, openPostgresClient, type SqlClient } from '@roamledger/event-store';
import type { ModuleDescriptor } from '@roamledger/module-kit';
import { openProjectionDb } from '@roamledger/projections';
import { ConfigError, loadConfig, type RoamledgerConfig } from '@roamledger/service';
import {
  type AtPoint,
  checkExport,
  checkProof,
  exportLog,
  LogSealer,
  NoSuchEvent,
  type Problem,
  Progress,
  type ProgressSink,
  type ProofCheck,
  parseAt,
  parseDigest,
  proveEvent,
  replayProjections,
  sealPolicyOf,
  stateAt,
  streamHistory,
  UnsealableEvent,
  type VerifyReport,
  verifyStoredLog,
} from '../log-audit';
import { aggregateFolds } from './aggregates';
import { type AuditedProjection, auditedProjections } from './audited-projections';

export const USAGE = `Usage: npm run audit -- <command> [options]

  verify [--since <digest>] [--proof <position>] [--workers <n>]
                        check every stream's hash chain and every seal; with --since, that the
                        log extends a digest saved earlier unchanged; with --proof, print an
                        inclusion proof of one event; with --workers, hash in n threads
                        (PGlite and PostgreSQL stores; worth it on a large log and idle cores)
  digest                verify, then print the log head (a LogDigest) to keep outside the system
  prove <position>      print the inclusion proof of one event (in its seal, or in the whole log)
  check-proof <file|->  check an inclusion or consistency proof from the proof alone (no store)
  seal                  seal every event not sealed yet (the hub's sealer does this continuously)
  snapshot <dir>        copy the embedded store (PGlite) of a stopped hub into <dir>, consistently,
                        to audit with DATA_DIR=<dir> while the hub runs again
  replay [--keep]       rebuild every projection from position 0 into a fresh database and
                        compare it with the live one, table by table
  history <stream>      every event of a stream: time, request id, partner, hash
  state <stream> --at <ISO time|position>
                        the aggregate as it was at that point
  export [--from <ISO time|position>] [--to <ISO time|position>] [--out <file>]
                        the events of a period as NDJSON, with the seals covering them
  check-export <file|-> check an export from the export alone (no store)

Options: --json  machine-readable output on stdout     --quiet  no progress on stderr
         --out <file>  write the digest, proof or export to a file
<digest> is the JSON itself, a file, or - for stdin. Positions are global log positions.
The store comes from the hub's environment (EVENT_STORE, DATA_DIR, DATABASE_URL, KURRENTDB_URL).
With the embedded store (PGlite), stop the hub first, or audit a snapshot (DATA_DIR=<dir>).
Exit codes: 0 all holds; 1 something does not hold; 2 usage, configuration or store error.`;

export interface AuditIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressSink;
  env: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadableStream;
}

export interface AuditDeps {
  /** An open store to audit instead of opening the environment's (left open). */
  store?: EventStore;
  /** The modules whose deciders fold their streams for `state` (apps/audit passes every module). */
  modules?: readonly ModuleDescriptor[];
  projections?: (config: RoamledgerConfig) => AuditedProjection[];
}

class UsageError extends Error {}

interface Flags {
  json: boolean;
  quiet: boolean;
  since?: string;
  proof?: string;
  at?: string;
  from?: string;
  to?: string;
  out?: string;
  keep: boolean;
  workers?: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Runs one audit command; returns the exit code. */
export async function runAudit(argv: string[], io: AuditIo, deps: AuditDeps = {}): Promise<number> {
  let command: string | undefined;
  let args: string[];
  let flags: Flags;
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        since: { type: 'string' },
        proof: { type: 'string' },
        at: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string' },
        keep: { type: 'boolean', default: false },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    [command, ...args] = parsed.positionals;
    flags = parsed.values as Flags;
    if (parsed.values.help || !command) {
      io.stdout.write(`${USAGE}\n`);
      return parsed.values.help ? 0 : 2;
    }
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }

  const cli = new AuditCommands(io, deps, flags);
  try {
    switch (command) {
      case 'verify':
        return await cli.verify();
      case 'digest':
        return await cli.digest();
      case 'prove':
        return await cli.prove(positionArg(args[0], 'prove <position>'));
      case 'check-proof':
        return await cli.checkProofFile(required(args[0], 'check-proof <file|->'));
      case 'seal':
        return await cli.seal();
      case 'replay':
        return await cli.replay();
      case 'snapshot':
        return await cli.snapshot(required(args[0], 'snapshot <dir>'));
      case 'history':
        return await cli.history(required(args[0], 'history <stream>'));
      case 'state':
        return await cli.state(required(args[0], 'state <stream> --at <time|position>'));
      case 'export':
        return await cli.export();
      case 'check-export':
        return await cli.checkExportFile(required(args[0], 'check-export <file|->'));
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof StoreError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof UnsealableEvent || error instanceof NoSuchEvent) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    io.stderr.write(`audit ${command} failed: ${(error as Error).stack ?? error}\n`);
    return 2;
  }
}

class StoreError extends Error {}

function required(value: string | undefined, usage: string): string {
  if (!value) throw new UsageError(`usage: ${usage}`);
  return value;
}

function positionArg(value: string | undefined, usage: string): number {
  if (!value || !/^\d+$/.test(value)) throw new UsageError(`usage: ${usage} (a global position, a whole number)`);
  return Number(value);
}

function atArg(value: string, name: string): AtPoint {
  try {
    return parseAt(value);
  } catch (error) {
    throw new UsageError(`--${name}: ${(error as Error).message}`);
  }
}

class AuditCommands {
  private config?: RoamledgerConfig;

  constructor(
    private readonly io: AuditIo,
    private readonly deps: AuditDeps,
    private readonly flags: Flags,
  ) {}

  async verify(): Promise<number> {
    const since = this.flags.since !== undefined ? parseDigest(this.readInput(this.flags.since, '--since')) : undefined;
    const proofAt = this.flags.proof !== undefined ? positionArg(this.flags.proof, 'verify --proof <position>') : undefined;
    return this.withStore(async (store) => {
      const report = await this.runVerifier(store, 'verify', since);
      let proofResult: { proof: unknown; check: ProofCheck } | undefined;
      if (proofAt !== undefined) {
        const proof = await proveEvent(store, proofAt, this.progress('prove'));
        proofResult = { proof, check: checkProof(proof) };
      }
      const ok = report.ok && (proofResult?.check.ok ?? true);
      if (this.flags.json) {
        this.printJson({ ...report, ...(proofResult ? { proof: proofResult.proof, proofCheck: proofResult.check } : {}) });
      } else {
        this.out(describeReport(report));
        if (proofResult) {
          this.out(`inclusion proof of position ${fmt(proofAt as number)}: ${describeCheck(proofResult.check)}`);
          this.out(JSON.stringify(proofResult.proof, null, 2));
        }
      }
      return ok ? 0 : 1;
    });
  }

  async digest(): Promise<number> {
    return this.withStore(async (store) => {
      const report = await this.runVerifier(store, 'digest');
      const digest = JSON.stringify(report.digest, null, 2);
      if (this.flags.out) this.writeFile(this.flags.out, `${digest}\n`);
      if (this.flags.json) this.printJson(report);
      else if (!this.flags.out) this.out(digest);
      if (!this.flags.json) {
        this.io.stderr.write(
          report.ok
            ? `log head: ${fmt(report.digest.size)} events, root ${report.digest.root}${this.flags.out ? `, saved to ${this.flags.out}` : ''}\n`
            : `${describeReport(report)}\nthe log does not verify: this digest anchors a log that is already broken\n`,
        );
      }
      return report.ok ? 0 : 1;
    });
  }

  async prove(position: number): Promise<number> {
    return this.withStore(async (store) => {
      const proof = await proveEvent(store, position, this.progress('prove'));
      const check = checkProof(proof);
      const text = JSON.stringify(proof, null, 2);
      if (this.flags.out) this.writeFile(this.flags.out, `${text}\n`);
      if (this.flags.json) this.printJson({ proof, check });
      else {
        if (!this.flags.out) this.out(text);
        const anchor =
          proof.anchor.kind === 'seal' ? `seal #${proof.anchor.seal.data.sequence}` : 'the whole log (not sealed yet)';
        this.io.stderr.write(
          `inclusion proof of position ${fmt(position)} in ${anchor}, ${fmt(proof.treeSize)} leaves: ${describeCheck(check)}\n`,
        );
      }
      return check.ok ? 0 : 1;
    });
  }

  async checkProofFile(source: string): Promise<number> {
    let proof: unknown;
    try {
      proof = JSON.parse(this.readInput(source, 'check-proof'));
    } catch (error) {
      throw new UsageError(`check-proof: not JSON: ${(error as Error).message}`);
    }
    const check = checkProof(proof);
    if (this.flags.json) this.printJson(check);
    else {
      for (const c of check.checks) this.out(`${c.ok ? 'ok  ' : 'FAIL'} ${c.check}${c.detail ? `: ${c.detail}` : ''}`);
      this.out(check.ok ? 'the proof holds' : 'the proof does NOT hold');
    }
    return check.ok ? 0 : 1;
  }

  async seal(): Promise<number> {
    const policy = sealPolicyOf(this.loadConfig());
    return this.withStore(async (store) => {
      const seals = await new LogSealer(store, policy).sealOutstanding();
      const events = seals.reduce((sum, seal) => sum + seal.count, 0);
      if (this.flags.json) {
        this.printJson({
          seals: seals.map(({ sequence, fromPosition, toPosition, count, root }) => ({
            sequence,
            fromPosition,
            toPosition,
            count,
            root,
          })),
        });
      } else {
        this.out(
          seals.length
            ? `sealed ${fmt(events)} events in ${seals.length} seal(s), through position ${fmt(seals[seals.length - 1].toPosition)}`
            : 'nothing to seal',
        );
      }
      return 0;
    });
  }

  async snapshot(target: string): Promise<number> {
    const config = this.loadConfig();
    if (config.eventStore !== 'pglite') {
      throw new UsageError(`snapshot: only the embedded store needs one; ${config.eventStore} can be audited live`);
    }
    if (existsSync(target) && readdirSync(target).length > 0) throw new UsageError(`snapshot: ${target} is not empty`);
    // The log and every projection folder (the hub's modules share one), as replay opens them.
    const projectionFolders = (this.deps.projections ?? auditedProjections)(config).map((p) =>
      path.relative(config.dataDir, path.join(p.dataDir, 'projections')),
    );
    const folders = [...new Set(['event-store', ...projectionFolders])].filter((folder) =>
      existsSync(path.join(config.dataDir, folder)),
    );
    if (folders.length === 0) throw new StoreError(`snapshot: no embedded store in ${config.dataDir}`);
    // Opening takes each folder's lock (so a running hub is refused) and recovers it; CHECKPOINT
    // writes everything to the data files, so the copy opens without a recovery.
    const opened: SqlClient[] = [];
    try {
      for (const folder of folders) {
        const db = await openPgliteClient(path.join(config.dataDir, folder)).catch((error: Error) => {
          throw new StoreError(`snapshot: ${error.message}`);
        });
        opened.push(db);
        await db.exec('CHECKPOINT');
      }
      for (const folder of folders) cpSync(path.join(config.dataDir, folder), path.join(target, folder), { recursive: true });
    } finally {
      for (const db of opened) await db.close();
    }
    if (this.flags.json) this.printJson({ ok: true, from: path.resolve(config.dataDir), to: path.resolve(target), folders });
    else
      this.out(`snapshot: ${folders.join(' and ')} of ${config.dataDir} copied to ${target}; audit it with DATA_DIR=${target}`);
    return 0;
  }

  async replay(): Promise<number> {
    const config = this.loadConfig();
    const projections = (this.deps.projections ?? auditedProjections)(config);
    if (projections.length === 0) {
      const message =
        'replay: no projections are registered for replay (libs/audit/src/cli/audited-projections.ts); nothing to compare';
      if (this.flags.json) this.printJson({ ok: true, projections: [], note: message });
      else this.out(message);
      return 0;
    }
    // Each live database once: on PGlite a folder per data dir (the hub's modules share one), on
    // PostgreSQL a schema. A folder that is not there is not opened (nor created).
    const folder = (p: AuditedProjection) => (config.databaseUrl ? '' : path.join(p.dataDir, 'projections'));
    const home = (p: AuditedProjection) => `${folder(p)}#${p.schema ?? ''}`;
    const liveFolders = [...new Set(projections.map(folder))];
    if (!config.databaseUrl && !liveFolders.some((folder) => existsSync(folder))) {
      throw new StoreError(
        `replay: no live projection database at ${liveFolders.join(' or ')} (has the hub run its projections?)`,
      );
    }
    return this.withStore(async (store) => {
      const lives = new Map<string, SqlClient>();
      const fresh = await openFreshTarget(config);
      try {
        for (const p of projections) {
          const key = home(p);
          if (lives.has(key) || (folder(p) && !existsSync(folder(p)))) continue;
          lives.set(key, await openProjectionDb({ dataDir: p.dataDir, databaseUrl: config.databaseUrl, schema: p.schema }));
        }
        const liveOf = new Map(projections.map((p) => [p.projection, lives.get(home(p))]));
        const report = await replayProjections({
          store,
          live: (projection) => liveOf.get(projection),
          target: fresh.db,
          projections: projections.map((p) => p.projection),
          progress: this.progress('replay'),
        });
        if (this.flags.json) this.printJson({ ...report, target: fresh.where, kept: this.flags.keep });
        else {
          for (const projection of report.projections) {
            this.out(
              `${projection.projection} v${projection.version} at position ${fmt(projection.position)}: ${projection.status}`,
            );
            if (projection.firstMissing !== undefined) {
              this.out(`  behind the log: the event at position ${fmt(projection.firstMissing)} is not applied`);
            }
            for (const poison of projection.poison ?? []) {
              this.out(
                `  poison event at position ${fmt(poison.position)} (${poison.type} in ${poison.stream}): ${poison.error}`,
              );
            }
            for (const table of projection.tables) {
              const side = (t: typeof table.live) => (t ? `${fmt(t.rows)} rows ${t.sha256.slice(0, 16)}…` : 'missing');
              this.out(
                `  ${table.same ? 'same   ' : 'DIFFERS'} ${table.table}: live ${side(table.live)}, rebuilt ${side(table.rebuilt)}`,
              );
              for (const row of table.onlyLive ?? []) this.out(`      only live:    ${row}`);
              for (const row of table.onlyRebuilt ?? []) this.out(`      only rebuilt: ${row}`);
            }
          }
          const failing = report.projections.filter((p) => p.status !== 'same').map((p) => `${p.projection}: ${p.status}`);
          this.out(
            report.ok ? 'replay: every projection follows from the log' : `replay: DIFFERENCES found (${failing.join('; ')})`,
          );
          if (this.flags.keep) this.out(`rebuilt tables kept in ${fresh.where}`);
        }
        return report.ok ? 0 : 1;
      } finally {
        for (const live of lives.values()) await live.close();
        await fresh.dispose(this.flags.keep);
      }
    });
  }

  async history(stream: string): Promise<number> {
    return this.withStore(async (store) => {
      const events = await store.readStream(stream);
      if (events.length === 0) return this.noStream(store, stream);
      const entries = streamHistory(events);
      const ok = entries.every((entry) => entry.chain === 'ok');
      if (this.flags.json) this.printJson({ stream, ok, events: entries });
      else {
        this.out(`${stream}: ${events.length} event(s)${ok ? ', chain intact' : ', CHAIN BROKEN'}`);
        const rows = entries.map((e) => [
          String(e.revision),
          fmt(e.position),
          e.recordedAt,
          e.type,
          e.requestId ?? '-',
          e.partner ?? '-',
          `${e.hash.slice(0, 16)}…`,
          e.chain,
        ]);
        this.out(table(['rev', 'position', 'recorded at', 'type', 'request id', 'partner', 'hash', 'chain'], rows));
      }
      return ok ? 0 : 1;
    });
  }

  async state(stream: string): Promise<number> {
    const at = this.flags.at !== undefined ? atArg(this.flags.at, 'at') : { position: Number.MAX_SAFE_INTEGER };
    return this.withStore(async (store) => {
      const events = await store.readStream(stream);
      if (events.length === 0) return this.noStream(store, stream);
      const result = stateAt(stream, events, at, aggregateFolds(this.deps.modules ?? []));
      if (this.flags.json) this.printJson(result);
      else {
        const point = this.flags.at === undefined ? 'now' : 'position' in at ? `position ${fmt(at.position)}` : at.time;
        const last = result.lastEvent
          ? `last: revision ${result.lastEvent.revision} ${result.lastEvent.type} at ${result.lastEvent.recordedAt} (position ${fmt(result.lastEvent.position)})`
          : 'the stream did not exist yet';
        this.out(`${stream} as of ${point}: ${result.events} of ${events.length} events folded by ${result.aggregate}; ${last}`);
        this.out(JSON.stringify(result.state, null, 2));
      }
      return 0;
    });
  }

  async export(): Promise<number> {
    const from = this.flags.from !== undefined ? atArg(this.flags.from, 'from') : undefined;
    const to = this.flags.to !== undefined ? atArg(this.flags.to, 'to') : undefined;
    return this.withStore(async (store) => {
      const fd = this.flags.out ? openSync(this.flags.out, 'w') : undefined;
      try {
        const write = (line: string) =>
          fd !== undefined ? void writeSync(fd, `${line}\n`) : writeOut(this.io.stdout, `${line}\n`);
        const summary = await exportLog(store, { from, to, progress: this.progress('export') }, write);
        const text = `exported ${fmt(summary.events)} events, ${summary.seals} seal(s), ${fmt(summary.leaves)} leaves from outside the period; ${fmt(summary.unsealedEvents)} events not sealed yet${this.flags.out ? ` to ${this.flags.out}` : ''}`;
        if (!this.flags.quiet) this.io.stderr.write(`${text}\n`);
        return 0;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    });
  }

  async checkExportFile(source: string): Promise<number> {
    const result = checkExport(this.readInput(source, 'check-export').split('\n'));
    if (this.flags.json) this.printJson(result);
    else {
      this.out(
        `${result.ok ? 'export holds' : 'export does NOT hold'}: ${fmt(result.events)} events, ${result.seals} seal(s), ${fmt(result.leaves)} outside leaves, ${fmt(result.unsealedEvents)} events not sealed`,
      );
      for (const problem of result.problems.slice(0, 50)) this.out(`  ${problem}`);
      if (result.problems.length > 50) this.out(`  … and ${result.problems.length - 50} more (--json for all)`);
    }
    return result.ok ? 0 : 1;
  }

  private async runVerifier(store: EventStore, label: string, since?: ReturnType<typeof parseDigest>): Promise<VerifyReport> {
    const workers = this.flags.workers;
    if (workers !== undefined && !/^[1-9]\d{0,2}$/.test(workers)) {
      throw new UsageError(`usage: ${label} --workers <n> (a whole number of threads, 1 to 999)`);
    }
    return verifyStoredLog(store, {
      since,
      keepLeaves: since !== undefined,
      progress: this.progress(label),
      workers: workers === undefined ? 0 : Number(workers),
    });
  }

  private async noStream(store: EventStore, stream: string): Promise<number> {
    const near = await store.readAll({ filter: { streamPrefixes: [stream] }, maxCount: 500 });
    const names = [...new Set(near.map((event) => event.stream))].slice(0, 20);
    const message = `no stream named ${stream}`;
    if (this.flags.json) this.printJson({ stream, error: message, streamsStartingWith: names });
    else this.out(names.length ? `${message}; streams starting with it:\n${names.map((n) => `  ${n}`).join('\n')}` : message);
    return 1;
  }

  private progress(label: string): Progress {
    return new Progress(label, this.io.stderr, { quiet: this.flags.quiet });
  }

  private loadConfig(): RoamledgerConfig {
    this.config ??= loadConfig(this.io.env);
    return this.config;
  }

  private async withStore(work: (store: EventStore) => Promise<number>): Promise<number> {
    if (this.deps.store) return work(this.deps.store);
    const config = this.loadConfig();
    let store: EventStore;
    try {
      store = await openEventStore(config);
    } catch (error) {
      throw new StoreError((error as Error).message);
    }
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }

  /** The JSON itself, `-` for stdin, or a file name. */
  private readInput(source: string, what: string): string {
    if (source.trim().startsWith('{')) return source;
    try {
      return readFileSync(source === '-' ? 0 : source, 'utf8');
    } catch (error) {
      throw new UsageError(`${what}: cannot read ${source}: ${(error as Error).message}`);
    }
  }

  private writeFile(file: string, text: string): void {
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  }

  private out(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  private printJson(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }
}

/** Writes to stdout, waiting when a pipe is full, so a large export does not pile up in memory. */
async function writeOut(stdout: AuditIo['stdout'], text: string): Promise<void> {
  const stream = stdout as NodeJS.WritableStream;
  if (stdout.write(text) === false && typeof stream.once === 'function') {
    await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
  }
}

/** A fresh place to rebuild into: a new PostgreSQL schema when the hub uses PostgreSQL, else a new PGlite folder. */
async function openFreshTarget(
  config: RoamledgerConfig,
): Promise<{ db: SqlClient; where: string; dispose(keep: boolean): Promise<void> }> {
  if (config.databaseUrl) {
    const schema = `rl_replay_${randomBytes(6).toString('hex')}`;
    const db = await openPostgresClient({ connectionString: config.databaseUrl, schema, maxConnections: 2 });
    return {
      db,
      where: `PostgreSQL schema ${schema}`,
      async dispose(keep) {
        if (!keep) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await db.close();
      },
    };
  }
  const folder = mkdtempSync(path.join(tmpdir(), 'roamledger-replay-'));
  const db = await openPgliteClient(folder);
  return {
    db,
    where: `PGlite folder ${folder}`,
    async dispose(keep) {
      await db.close();
      if (!keep) rmSync(folder, { recursive: true, force: true });
    },
  };
}

export function describeProblem(problem: Problem): string {
  const where = [
    problem.position !== undefined ? `position ${fmt(problem.position)}` : undefined,
    problem.stream !== undefined ? `${problem.stream} revision ${problem.revision}` : undefined,
    problem.seal !== undefined && problem.stream === undefined ? `seal #${problem.seal}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return `[${problem.kind}] ${where ? `${where}: ` : ''}${problem.reason}`;
}

export function describeReport(report: VerifyReport): string {
  const counts = `${fmt(report.events)} events in ${fmt(report.streams)} streams, ${fmt(report.seals)} seals`;
  const sealing =
    report.sealedThrough === null
      ? `no seal yet (${fmt(report.unsealedEvents)} events not sealed)`
      : `sealed through position ${fmt(report.sealedThrough)}, ${fmt(report.unsealedEvents)} events not sealed yet`;
  const lines: string[] = [];
  if (report.ok) {
    lines.push(`verify: OK: ${counts}; ${sealing}`);
    if (report.since) lines.push('the log extends the saved digest unchanged');
  } else {
    lines.push(`verify: FAILED: ${fmt(report.problemCount)} problem(s) in ${counts}; ${sealing}`);
    if (report.firstProblem) lines.push(`first broken link: ${describeProblem(report.firstProblem)}`);
    for (const problem of report.problems.slice(0, 20)) lines.push(`  ${describeProblem(problem)}`);
    if (report.problemCount > 20) lines.push(`  … and ${fmt(report.problemCount - 20)} more (--json for the list)`);
  }
  const last = report.digest.lastEvent ? `, last position ${fmt(report.digest.lastEvent.position)}` : '';
  lines.push(`log head: ${fmt(report.digest.size)} events${last}, root ${report.digest.root}`);
  return lines.join('\n');
}

function describeCheck(check: ProofCheck): string {
  return check.ok
    ? 'holds'
    : `does NOT hold (${check.checks
        .filter((c) => !c.ok)
        .map((c) => c.check)
        .join(', ')})`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
