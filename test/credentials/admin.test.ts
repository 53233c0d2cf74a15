import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ocpiCall } from '../support/partner-server';
import { projectRoot } from '../support/project-root';
import { ADMIN_KEY, type CredentialsHarness, startCredentialsApp } from './harness';

const run = promisify(execFile);
/** `npm run cli --` without npm: node with the path aliases, on the compiled entry point. */
const CLI = [
  '-r',
  path.join(projectRoot(), 'tsconfig-paths-dist.js'),
  path.join(projectRoot(), 'dist', 'apps', 'cli', 'main.js'),
];

describe('admin API', () => {
  let hub: CredentialsHarness;
  before(async () => {
    hub = await startCredentialsApp({ OCPI_PARTIES: 'NL*RLG,BE*RLB' });
  });
  after(() => hub?.close());

  test('401 without a key, with a wrong key, or with another scheme', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Token ${ADMIN_KEY}` }] as Record<
      string,
      string
    >[]) {
      const response = await hub.admin('GET', '/admin/partners', undefined, headers);
      assert.equal(response.status, 401);
      assert.equal(response.body.statusCode, 401);
      assert.equal(response.body.status_code, undefined, 'not the OCPI envelope');
    }
    const invite = await hub.admin(
      'POST',
      '/admin/partners',
      { name: 'X', country_code: 'DE', party_id: 'XXX', roles: ['CPO'] },
      {},
    );
    assert.equal(invite.status, 401);
    assert.deepEqual((await hub.admin('GET', '/admin/partners')).body, []);
  });

  test('invite answers 201 with the invitation; list and show it', async () => {
    const response = await hub.admin('POST', '/admin/partners', {
      name: 'Alpha',
      country_code: 'de',
      party_id: 'alp',
      roles: ['CPO'],
    });
    assert.equal(response.status, 201);
    assert.deepEqual(Object.keys(response.body).sort(), ['id', 'token_a', 'versions_url']);
    assert.equal(response.body.versions_url, `${hub.base}/ocpi/versions`);

    const listed = await hub.admin('GET', '/admin/partners');
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.map((p: { id: string; status: string }) => [p.id, p.status]),
      [[response.body.id, 'invited']],
    );
    const shown = await hub.admin('GET', `/admin/partners/${response.body.id}`);
    assert.equal(shown.body.name, 'Alpha');
    assert.deepEqual(shown.body.invitation, {
      country_code: 'DE',
      party_id: 'ALP',
      roles: ['CPO'],
      parties: [{ country_code: 'DE', party_id: 'ALP', roles: ['CPO'] }],
    });
    assert.equal(shown.body.suspended, false);
    assert.equal(shown.body.registered_at, null);

    // Token A works on our versions; the GET credentials answer lists one EMSP role per hosted party.
    const ours = await ocpiCall<{ roles: Array<{ country_code: string; party_id: string; role: string }> }>(
      'GET',
      `${hub.base}/ocpi/2.2.1/credentials`,
      response.body.token_a,
    );
    assert.deepEqual(
      ours.body.data?.roles.map((r) => `${r.role} ${r.country_code}*${r.party_id}`),
      ['EMSP NL*RLG', 'EMSP BE*RLB'],
    );
  });

  test('a party already invited cannot be invited again (409)', async () => {
    const first = await hub.admin('POST', '/admin/partners', {
      name: 'Beta',
      country_code: 'DE',
      party_id: 'BET',
      roles: ['CPO'],
    });
    assert.equal(first.status, 201);
    const second = await hub.admin('POST', '/admin/partners', {
      name: 'Beta again',
      country_code: 'de',
      party_id: 'bet',
      roles: ['CPO'],
    });
    assert.equal(second.status, 409);
    assert.match(second.body.message, /DE\*BET/);
  });

  test('invalid bodies: 400 naming each field; malformed JSON: 400', async () => {
    const response = await hub.admin('POST', '/admin/partners', {
      name: '',
      country_code: 'DEU',
      party_id: 'AB',
      roles: ['CHARGER'],
    });
    assert.equal(response.status, 400);
    const message = response.body.message.join(' | ');
    for (const field of ['name', 'country_code', 'party_id', 'roles']) assert.match(message, new RegExp(field));
    assert.equal((await hub.admin('POST', '/admin/partners', '{"name": ')).status, 400);
    assert.equal((await hub.admin('POST', '/admin/partners/connect', { versions_url: 'nope', token_a: '' })).status, 400);
    const patch = await hub.admin('PATCH', '/admin/partners/anything', { allow_plain_token: 'yes' });
    assert.equal(patch.status, 400);
    assert.match(patch.body.message.join(' '), /allow_plain_token/);
  });

  test('suspend, resume and unknown partners', async () => {
    const invited = await hub.admin('POST', '/admin/partners', {
      name: 'Gamma',
      country_code: 'DE',
      party_id: 'GAM',
      roles: ['CPO'],
    });
    const id = invited.body.id;
    const suspended = await hub.admin('POST', `/admin/partners/${id}/suspend`);
    assert.equal(suspended.status, 200);
    assert.equal(suspended.body.suspended, true);
    assert.equal((await hub.admin('GET', `/admin/partners/${id}`)).body.suspended, true);
    assert.equal((await hub.admin('POST', `/admin/partners/${id}/resume`)).body.suspended, false);
    assert.equal((await hub.admin('GET', '/admin/partners/00000000-0000-0000-0000-000000000000')).status, 404);
    assert.equal((await hub.admin('POST', '/admin/partners/00000000-0000-0000-0000-000000000000/suspend')).status, 404);
  });

  test('the CLI prints the same invitation JSON as the API', async () => {
    const env = { ...process.env, PUBLIC_URL: hub.base, ADMIN_API_KEY: ADMIN_KEY };
    const { stdout } = await run(
      process.execPath,
      [...CLI, 'partner', 'invite', '--name', 'Delta', '--country-code', 'DE', '--party-id', 'DEL', '--roles', 'CPO'],
      { env },
    );
    const printed = JSON.parse(stdout);
    assert.deepEqual(Object.keys(printed).sort(), ['id', 'token_a', 'versions_url']);
    assert.equal(printed.versions_url, `${hub.base}/ocpi/versions`);
    const shown = JSON.parse((await run(process.execPath, [...CLI, 'partner', 'show', printed.id], { env })).stdout);
    assert.equal(shown.name, 'Delta');
    assert.equal(shown.status, 'invited');
    const listed = JSON.parse((await run(process.execPath, [...CLI, 'partner', 'list'], { env })).stdout);
    assert.ok(listed.some((p: { id: string }) => p.id === printed.id));
    assert.equal(
      JSON.parse((await run(process.execPath, [...CLI, 'partner', 'suspend', printed.id], { env })).stdout).suspended,
      true,
    );
    await assert.rejects(
      run(process.execPath, [...CLI, 'partner', 'list'], { env: { ...env, ADMIN_API_KEY: 'wrong' } }),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr, /HTTP 401/);
        return true;
      },
    );
  });
});

describe('admin API key generated on first start', () => {
  let hub: CredentialsHarness;
  before(async () => {
    hub = await startCredentialsApp({ ADMIN_API_KEY: '' });
  });
  after(() => hub?.close());

  test('stored in DATA_DIR/admin-api-key, mode 0600, and accepted', async () => {
    const file = path.join(hub.config.dataDir, 'admin-api-key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const key = readFileSync(file, 'utf8').trim();
    assert.ok(key.length >= 32);
    assert.equal((await hub.admin('GET', '/admin/partners', undefined, { authorization: `Bearer ${key}` })).status, 200);
    assert.equal((await hub.admin('GET', '/admin/partners')).status, 401, 'the test default key is not this one');

    // The CLI finds the key in DATA_DIR on its own.
    const { stdout } = await run(process.execPath, [...CLI, 'partner', 'list'], {
      env: { ...process.env, PUBLIC_URL: hub.base, ADMIN_API_KEY: '', DATA_DIR: hub.config.dataDir },
    });
    assert.deepEqual(JSON.parse(stdout), []);
  });
});
