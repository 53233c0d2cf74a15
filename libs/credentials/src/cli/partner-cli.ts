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

/**
 * Operator commands against a running hub's admin API. It never opens the event store itself:
 * the embedded PGlite folder must not be opened by two processes.
 *
 *   npm run cli -- partner invite --name X --country-code DE --party-id ABC --roles CPO [--parties DE*ABD:CPO,FR*ABF:CPO]
 *   npm run cli -- partner connect --versions-url https://cpo.example/ocpi/versions --token-a T
 *   npm run cli -- partner list | show <id> | suspend <id> | resume <id>
 *   npm run cli -- partner allow-plain-token <id> true|false
 *
 * The hub is PUBLIC_URL (or http://localhost:$PORT, or --hub <url>); the key is ADMIN_API_KEY or
 * the one the hub generated in DATA_DIR/admin-api-key.
 */

const USAGE = `Usage: npm run cli -- partner <command>

  invite --name <name> --country-code <CC> --party-id <PID> --roles <CPO[,EMSP...]>
         [--parties <CC*PID:ROLE[+ROLE],...>]   a platform's further parties
  connect --versions-url <url> --token-a <token>
  list
  show <id>
  suspend <id>
  resume <id>
  allow-plain-token <id> <true|false>

Options: --hub <url> (default PUBLIC_URL or http://localhost:$PORT)
Admin key: ADMIN_API_KEY, else DATA_DIR/admin-api-key (DATA_DIR default ./data)`;

export type { CliResult } from '@roamledger/service';

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  let call: AdminCall;
  let options: Record<string, string>;
  try {
    const parsed = parseCliArgs(argv);
    options = parsed.options;
    call = adminCall(parsed.positional, options);
  } catch (error) {
    if (error instanceof CliUsageError) return { exitCode: 2, stdout: '', stderr: `${error.message}\n\n${USAGE}\n` };
    throw error;
  }
  try {
    return await printedResponse(await callAdmin(hubUrl(options, env), adminKeyFromEnv(env), call));
  } catch (error) {
    return { exitCode: 1, stdout: '', stderr: `${(error as Error).message}\n` };
  }
}

function adminCall(positional: string[], options: Record<string, string>): AdminCall {
  const [group, command, ...rest] = positional;
  if (group !== 'partner' || !command)
    throw new CliUsageError(group ? `Unknown command: ${positional.join(' ')}` : 'No command given');
  const id = () => {
    if (!rest[0]) throw new CliUsageError(`partner ${command} needs a partner id`);
    return encodeURIComponent(rest[0]);
  };
  const required = (name: string) => {
    const value = options[name];
    if (!value) throw new CliUsageError(`partner ${command} needs --${name}`);
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
          ...(options.parties ? { parties: furtherParties(options.parties) } : {}),
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
      if (value !== 'true' && value !== 'false') throw new CliUsageError('partner allow-plain-token <id> needs true or false');
      return { method: 'PATCH', path: `/admin/partners/${partner}`, body: { allow_plain_token: value === 'true' } };
    }
    default:
      throw new CliUsageError(`Unknown command: partner ${command}`);
  }
}

/** `DE*ABD:CPO,FR*ABF:CPO+EMSP`: a platform's further parties; the hub checks each. */
function furtherParties(text: string): Array<{ country_code: string; party_id: string; roles: string[] }> {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^([^*:]+)\*([^*:]+):(.+)$/.exec(entry);
      if (!match) throw new CliUsageError(`--parties entries look like DE*ABD:CPO (or :CPO+EMSP), got "${entry}"`);
      return {
        country_code: match[1].toUpperCase(),
        party_id: match[2].toUpperCase(),
        roles: match[3].split('+').map((role) => role.trim().toUpperCase()),
      };
    });
}
