import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What an operator command prints and exits with. */
export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A command line the CLI cannot run: printed with the usage, exit code 2. */
export class CliUsageError extends Error {}

/** `--name X` and `--name=X` options; everything else is positional. */
export function parseCliArgs(argv: string[]): { positional: string[]; options: Record<string, string> } {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') throw new CliUsageError('Roamledger operator commands');
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CliUsageError(`--${name} needs a value`);
    options[name] = value;
  }
  return { positional, options };
}

/** The running hub the CLI calls: --hub, else PUBLIC_URL, else http://localhost:$PORT. */
export function hubUrl(options: Record<string, string>, env: NodeJS.ProcessEnv): string {
  return (options.hub || env.PUBLIC_URL?.trim() || `http://localhost:${env.PORT?.trim() || '3000'}`).replace(/\/+$/, '');
}

/** ADMIN_API_KEY, else the key the hub generated in DATA_DIR/admin-api-key. */
export function adminKeyFromEnv(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.ADMIN_API_KEY?.trim();
  if (fromEnv) return fromEnv;
  const file = path.join(path.resolve(env.DATA_DIR?.trim() || './data'), 'admin-api-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(
      `No admin API key: set ADMIN_API_KEY, or run where the hub's DATA_DIR holds admin-api-key (looked in ${file})`,
    );
  }
}

export interface AdminCall {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One admin API call: the response, or why the hub could not be reached (thrown as an Error with that text). */
export async function callAdmin(base: string, key: string, call: AdminCall): Promise<Response> {
  try {
    return await fetch(`${base}${call.path}`, {
      method: call.method,
      headers: {
        authorization: `Bearer ${key}`,
        ...call.headers,
        ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(`Cannot reach the hub at ${base} (${cause}). Is it running? Set PUBLIC_URL/PORT or --hub.`);
  }
}

/** The response as the CLI prints it: pretty JSON on stdout, or `HTTP <status>: ...` on stderr. */
export async function printedResponse(response: Response): Promise<CliResult> {
  const pretty = prettyJson(await response.text());
  return response.ok
    ? { exitCode: 0, stdout: `${pretty}\n`, stderr: '' }
    : { exitCode: 1, stdout: '', stderr: `HTTP ${response.status}: ${pretty}\n` };
}

export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
