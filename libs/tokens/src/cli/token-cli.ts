import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  type AdminCall,
  adminKeyFromEnv,
  type CliResult,
  CliUsageError,
  callAdmin,
  hubUrl,
  parseCliArgs,
  printedResponse,
} from '@roamledger/service';
import { readTokenFile } from './token-file';

const USAGE = `Usage: npm run cli -- token <command>

  issue --country-code <CC> --party-id <PID> --uid <uid> --contract-id <id> --issuer <name>
        [--type RFID] [--whitelist ALLOWED] [--visual-number <n>] [--group-id <id>] [--language <xx>]
  block <CC> <PID> <uid> [--type RFID]
  unblock <CC> <PID> <uid> [--type RFID]
  show <CC> <PID> <uid> [--type RFID]
  list [--country-code CC] [--party-id PID] [--type T] [--contract-id C] [--valid true|false] [--offset N] [--limit N]
  import <file.csv|file.ndjson> [--format csv|ndjson]

Options: --hub <url> (default PUBLIC_URL or http://localhost:$PORT)
Admin key: ADMIN_API_KEY, else DATA_DIR/admin-api-key (DATA_DIR default ./data)`;

const IMPORT_BATCH = 1000;

export interface TokenCliIo {
  /** Where progress goes; a bar only when it is a terminal. */
  progress?: NodeJS.WriteStream;
}

/** `npm run cli -- token ...`: the token register through the running hub's admin API. */
export async function runTokenCli(argv: string[], env: NodeJS.ProcessEnv = process.env, io: TokenCliIo = {}): Promise<CliResult> {
  let positional: string[];
  let options: Record<string, string>;
  try {
    ({ positional, options } = parseCliArgs(argv));
    if (positional[0] !== 'token' || !positional[1]) throw new CliUsageError(positional[1] ? '' : 'No token command given');
  } catch (error) {
    if (error instanceof CliUsageError) return { exitCode: 2, stdout: '', stderr: `${error.message}\n\n${USAGE}\n` };
    throw error;
  }
  try {
    const base = hubUrl(options, env);
    const key = adminKeyFromEnv(env);
    const operator = `cli:${env.USER?.trim() || 'operator'}`;
    if (positional[1] === 'import') return await importFile(base, key, positional[2], options, io);
    const call = tokenCall(positional.slice(1), options, operator);
    return await printedResponse(await callAdmin(base, key, call));
  } catch (error) {
    if (error instanceof CliUsageError) return { exitCode: 2, stdout: '', stderr: `${error.message}\n\n${USAGE}\n` };
    return { exitCode: 1, stdout: '', stderr: `${(error as Error).message}\n` };
  }
}

function tokenCall([command, ...rest]: string[], options: Record<string, string>, operator: string): AdminCall {
  const headers = { 'x-operator': operator };
  const type = encodeURIComponent((options.type ?? 'RFID').toUpperCase());
  const tokenPath = () => {
    if (rest.length < 3) throw new CliUsageError(`token ${command} needs <CC> <PID> <uid>`);
    return `/admin/tokens/${rest.slice(0, 3).map(encodeURIComponent).join('/')}?type=${type}`;
  };
  const required = (name: string) => {
    const value = options[name];
    if (!value) throw new CliUsageError(`token ${command} needs --${name}`);
    return value;
  };
  switch (command) {
    case 'issue':
      return {
        method: 'POST',
        path: '/admin/tokens',
        headers,
        body: {
          country_code: required('country-code'),
          party_id: required('party-id'),
          uid: required('uid'),
          type: (options.type ?? 'RFID').toUpperCase(),
          contract_id: required('contract-id'),
          issuer: required('issuer'),
          valid: true,
          whitelist: (options.whitelist ?? 'ALLOWED').toUpperCase(),
          ...(options['visual-number'] ? { visual_number: options['visual-number'] } : {}),
          ...(options['group-id'] ? { group_id: options['group-id'] } : {}),
          ...(options.language ? { language: options.language } : {}),
        },
      };
    case 'block':
    case 'unblock':
      return { method: 'PATCH', path: tokenPath(), headers, body: { valid: command === 'unblock' } };
    case 'show':
      return { method: 'GET', path: tokenPath() };
    case 'list': {
      const query = new URLSearchParams();
      for (const name of ['country-code', 'party-id', 'type', 'contract-id', 'valid', 'offset', 'limit']) {
        if (options[name]) query.set(name.replace(/-/g, '_'), options[name]);
      }
      return { method: 'GET', path: `/admin/tokens${query.size ? `?${query}` : ''}` };
    }
    default:
      throw new CliUsageError(`Unknown command: token ${command}`);
  }
}

interface ImportReport {
  imported: number;
  unchanged: number;
  rejected: Array<{ line: number; errors: string[] }>;
}

/**
 * Reads the file line by line and sends it in batches of 1000 rows. Each good row is one atomic
 * append on its token's stream (imported whole or not at all); bad rows are reported by line and
 * the others imported.
 */
async function importFile(
  base: string,
  key: string,
  file: string | undefined,
  options: Record<string, string>,
  io: TokenCliIo,
): Promise<CliResult> {
  if (!file) throw new CliUsageError('token import needs a file');
  const format = (options.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson')) as 'csv' | 'ndjson';
  if (format !== 'csv' && format !== 'ndjson') throw new CliUsageError('--format must be csv or ndjson');
  const total = await countLines(file);
  const progress = new Progress(io.progress, format === 'csv' ? Math.max(total - 1, 0) : total);
  const report: ImportReport = { imported: 0, unchanged: 0, rejected: [] };
  const source = `import:${path.basename(file)}`;
  let batch: Array<{ line: number; token: unknown }> = [];
  const send = async () => {
    if (batch.length === 0) return;
    const response = await callAdmin(base, key, { method: 'POST', path: '/admin/tokens/import', body: { source, rows: batch } });
    if (!response.ok)
      throw new Error(
        `HTTP ${response.status} on lines ${batch[0].line}-${batch[batch.length - 1].line}: ${await response.text()}`,
      );
    const answer = (await response.json()) as ImportReport;
    report.imported += answer.imported;
    report.unchanged += answer.unchanged;
    report.rejected.push(...answer.rejected);
    progress.advance(batch.length);
    batch = [];
  };
  for await (const row of readTokenFile(file, format)) {
    if ('errors' in row) {
      report.rejected.push({ line: row.line, errors: row.errors });
      progress.advance(1);
      continue;
    }
    batch.push(row);
    if (batch.length >= IMPORT_BATCH) await send();
  }
  await send();
  progress.done();
  report.rejected.sort((a, b) => a.line - b.line);
  const summary = { file, format, ...report, rows_per_second: progress.rate() };
  return {
    exitCode: report.rejected.length ? 1 : 0,
    stdout: `${JSON.stringify(summary, null, 2)}\n`,
    stderr: report.rejected.length ? `${report.rejected.length} rows rejected (see "rejected"); the others were imported\n` : '',
  };
}

async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line.trim() !== '') count++;
  }
  return count;
}

/** A progress bar with rate and ETA, on a terminal only (a pipe or a log gets the summary alone). */
class Progress {
  private readonly started = Date.now();
  private doneRows = 0;
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WriteStream | undefined,
    private readonly total: number,
  ) {}

  advance(rows: number): void {
    this.doneRows += rows;
    if (!this.out?.isTTY || Date.now() - this.lastDraw < 100) return;
    this.lastDraw = Date.now();
    this.draw();
  }

  done(): void {
    if (this.out?.isTTY) {
      this.draw();
      this.out.write('\n');
    }
  }

  rate(): number {
    return Math.round(this.doneRows / Math.max((Date.now() - this.started) / 1000, 0.001));
  }

  private draw(): void {
    const share = this.total ? Math.min(this.doneRows / this.total, 1) : 1;
    const width = 30;
    const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '-');
    const rate = this.rate();
    const eta = rate > 0 ? Math.ceil((this.total - this.doneRows) / rate) : 0;
    this.out?.write(
      `\r[${bar}] ${(share * 100).toFixed(0).padStart(3)}% ${this.doneRows.toLocaleString('en')}/${this.total.toLocaleString('en')} ${rate.toLocaleString('en')} rows/s ETA ${eta}s `,
    );
  }
}
