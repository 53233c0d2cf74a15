import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Operator commands against a running hub's admin API. It never opens the event store itself:
 * the embedded PGlite folder must not be opened by two processes.
 *
 *   npm run cli -- partner invite --name X --country-code DE --party-id ABC --roles CPO
 *   npm run cli -- partner connect --versions-url https://cpo.example/ocpi/versions --token-a T
 *   npm run cli -- partner list | show <id> | suspend <id> | resume <id>
 *   npm run cli -- partner allow-plain-token <id> true|false
 *
 * The hub is PUBLIC_URL (or http://localhost:$PORT, or --hub <url>); the key is ADMIN_API_KEY or
 * the one the hub generated in DATA_DIR/admin-api-key.
 */

const USAGE = `Usage: npm run cli -- partner <command>

  invite --name <name> --country-code <CC> --party-id <PID> --roles <CPO[,EMSP...]>
  connect --versions-url <url> --token-a <token>
  list
  show <id>
  suspend <id>
  resume <id>
  allow-plain-token <id> <true|false>

Options: --hub <url> (default PUBLIC_URL or http://localhost:$PORT)
Admin key: ADMIN_API_KEY, else DATA_DIR/admin-api-key (DATA_DIR default ./data)`;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

class UsageError extends Error {}

interface AdminCall {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  let call: AdminCall;
  let options: Record<string, string>;
  try {
    const parsed = parseArgs(argv);
    options = parsed.options;
    call = adminCall(parsed.positional, options);
  } catch (error) {
    if (error instanceof UsageError) return { exitCode: 2, stdout: '', stderr: `${error.message}\n\n${USAGE}\n` };
    throw error;
  }

  const base = (options.hub || env.PUBLIC_URL?.trim() || `http://localhost:${env.PORT?.trim() || '3000'}`).replace(/\/+$/, '');
  let key: string;
  try {
    key = adminKey(env);
  } catch (error) {
    return { exitCode: 1, stdout: '', stderr: `${(error as Error).message}\n` };
  }

  let response: Response;
  try {
    response = await fetch(`${base}${call.path}`, {
      method: call.method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return {
      exitCode: 1,
      stdout: '',
      stderr: `Cannot reach the hub at ${base} (${cause}). Is it running? Set PUBLIC_URL/PORT or --hub.\n`,
    };
  }
  const text = await response.text();
  const pretty = prettyJson(text);
  return response.ok
    ? { exitCode: 0, stdout: `${pretty}\n`, stderr: '' }
    : { exitCode: 1, stdout: '', stderr: `HTTP ${response.status}: ${pretty}\n` };
}

function adminCall(positional: string[], options: Record<string, string>): AdminCall {
  const [group, command, ...rest] = positional;
  if (group !== 'partner' || !command)
    throw new UsageError(group ? `Unknown command: ${positional.join(' ')}` : 'No command given');
  const id = () => {
    if (!rest[0]) throw new UsageError(`partner ${command} needs a partner id`);
    return encodeURIComponent(rest[0]);
  };
  const required = (name: string) => {
    const value = options[name];
    if (!value) throw new UsageError(`partner ${command} needs --${name}`);
    return value;
  };
  switch (command) {
    case 'invite':
      return {
        method: 'POST',
        path: '/admin/partners',
        body: {
          name: required('name'),
          country_code: required('country-code'),
          party_id: required('party-id'),
          roles: required('roles')
            .split(',')
            .map((role) => role.trim().toUpperCase())
            .filter(Boolean),
        },
      };
    case 'connect':
      return {
        method: 'POST',
        path: '/admin/partners/connect',
        body: { versions_url: required('versions-url'), token_a: required('token-a') },
      };
    case 'list':
      return { method: 'GET', path: '/admin/partners' };
    case 'show':
      return { method: 'GET', path: `/admin/partners/${id()}` };
    case 'suspend':
    case 'resume':
      return { method: 'POST', path: `/admin/partners/${id()}/${command}` };
    case 'allow-plain-token': {
      const partner = id();
      const value = rest[1];
      if (value !== 'true' && value !== 'false') throw new UsageError('partner allow-plain-token <id> needs true or false');
      return { method: 'PATCH', path: `/admin/partners/${partner}`, body: { allow_plain_token: value === 'true' } };
    }
    default:
      throw new UsageError(`Unknown command: partner ${command}`);
  }
}

/** `--name X` and `--name=X` options; everything else is positional. */
function parseArgs(argv: string[]): { positional: string[]; options: Record<string, string> } {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') throw new UsageError('Roamledger operator commands');
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    options[name] = value;
  }
  return { positional, options };
}

function adminKey(env: NodeJS.ProcessEnv): string {
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

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
