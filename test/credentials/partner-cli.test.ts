import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '@roamledger/credentials';
import { ADMIN_KEY, type CredentialsHarness, startCredentialsApp } from './harness';

// The operator's command line against a running hub, as `npm run cli -- partner ...` runs it.
let hub: CredentialsHarness;
before(async () => {
  hub = await startCredentialsApp();
});
after(() => hub?.close());

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { PUBLIC_URL: hub.base, ADMIN_API_KEY: ADMIN_KEY, ...env });

test('partner invite prints the same invitation JSON as the admin API, and partner show finds it', async () => {
  const invited = await cli([
    'partner',
    'invite',
    '--name',
    'Alpha',
    '--country-code',
    'DE',
    '--party-id',
    'ALP',
    '--roles',
    'CPO',
  ]);
  assert.equal(invited.exitCode, 0, invited.stderr);
  const invitation = JSON.parse(invited.stdout);
  assert.deepEqual(Object.keys(invitation).sort(), ['id', 'token_a', 'versions_url']);
  assert.equal(invitation.versions_url, `${hub.base}/ocpi/versions`);

  const viaApi = await hub.admin('POST', '/admin/partners', {
    name: 'Beta',
    country_code: 'DE',
    party_id: 'BET',
    roles: ['CPO'],
  });
  assert.deepEqual(Object.keys(viaApi.body).sort(), Object.keys(invitation).sort());

  const shown = await cli(['partner', 'show', invitation.id]);
  assert.equal(shown.exitCode, 0, shown.stderr);
  assert.equal(JSON.parse(shown.stdout).id, invitation.id);
  const listed = JSON.parse((await cli(['partner', 'list'])).stdout);
  assert.equal(listed.length, 2);
});

test('a wrong admin key or a usage error exits non-zero with the reason', async () => {
  const refused = await cli(['partner', 'list'], { ADMIN_API_KEY: 'wrong' });
  assert.notEqual(refused.exitCode, 0);
  assert.match(refused.stderr, /401|admin API key/i);
  const usage = await cli(['partner', 'invite', '--name', 'NoParty']);
  assert.notEqual(usage.exitCode, 0);
  assert.match(usage.stderr, /party|usage/i);
});
