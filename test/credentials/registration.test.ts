import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentialsTokenHash, PartnerDirectory, partnerStream } from '@roamledger/credentials';
import { ocpiCall, PartnerServer } from '../support/partner-server';
import { readSpecExample, specExamplesSkip } from '../support/spec-examples';
import { type CredentialsHarness, startCredentialsApp } from './harness';

interface Invitation {
  id: string;
  token_a: string;
  versions_url: string;
}

describe('a partner registers with us (credentials POST, PUT, DELETE)', () => {
  let hub: CredentialsHarness;
  let partner: PartnerServer;
  let invitation: Invitation;
  let credentialsUrl: string;
  let tokenC: string;
  const ping = () => `${hub.base}/ocpi/emsp/2.2.1/ping`;

  const invite = async (countryCode: string, partyId: string, roles = ['CPO']): Promise<Invitation> => {
    const response = await hub.admin('POST', '/admin/partners', {
      name: `${countryCode} ${partyId}`,
      country_code: countryCode,
      party_id: partyId,
      roles,
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body;
  };
  const allEvents = () => hub.store.readAll();

  before(async () => {
    hub = await startCredentialsApp();
    partner = await new PartnerServer({ countryCode: 'DE', partyId: 'ABC' }).start();
  });
  after(async () => {
    await partner?.close();
    await hub?.close();
  });

  test('invite → Token A → versions → POST credentials → Token C; Token A stops working', async () => {
    invitation = await invite('DE', 'ABC');
    assert.match(invitation.id, /^[0-9a-f-]{36}$/);
    assert.equal(invitation.versions_url, `${hub.base}/ocpi/versions`);

    const versions = await ocpiCall<Array<{ version: string; url: string }>>('GET', invitation.versions_url, invitation.token_a);
    assert.equal(versions.httpStatus, 200);
    assert.equal(versions.body.status_code, 1000);
    assert.deepEqual(
      versions.body.data,
      ['2.1.1', '2.2.1', '2.3.0'].map((version) => ({ version, url: `${hub.base}/ocpi/versions/${version}` })),
    );

    const details = await ocpiCall<{ version: string; endpoints: Array<{ identifier: string; role: string; url: string }> }>(
      'GET',
      versions.body.data?.find((entry) => entry.version === '2.2.1')?.url ?? '',
      invitation.token_a,
    );
    assert.equal(details.body.data?.version, '2.2.1');
    const endpoints = details.body.data?.endpoints ?? [];
    assert.deepEqual(
      endpoints.map((e) => `${e.identifier} ${e.role} ${e.url}`),
      [
        `credentials SENDER ${hub.base}/ocpi/2.2.1/credentials`,
        `credentials RECEIVER ${hub.base}/ocpi/2.2.1/credentials`,
        `sessions RECEIVER ${hub.base}/ocpi/emsp/2.2.1/sessions`,
        `cdrs RECEIVER ${hub.base}/ocpi/emsp/2.2.1/cdrs`,
        `locations RECEIVER ${hub.base}/ocpi/emsp/2.2.1/locations`,
        `tariffs RECEIVER ${hub.base}/ocpi/emsp/2.2.1/tariffs`,
        `tokens SENDER ${hub.base}/ocpi/emsp/2.2.1/tokens`,
        `commands SENDER ${hub.base}/ocpi/emsp/2.2.1/commands`,
        `hubclientinfo RECEIVER ${hub.base}/ocpi/emsp/2.2.1/clientinfo`,
      ],
    );
    credentialsUrl = endpoints[0].url;

    // Token A is for versions and credentials only.
    assert.equal((await ocpiCall('GET', ping(), invitation.token_a)).httpStatus, 401);

    const head = await hub.store.headPosition();
    const registration = await ocpiCall<{ token: string; url: string; roles: unknown[] }>(
      'POST',
      credentialsUrl,
      invitation.token_a,
      partner.credentials(),
      { headers: { 'x-request-id': 'reg-1', 'x-correlation-id': 'corr-reg' } },
    );
    assert.equal(registration.httpStatus, 200);
    assert.equal(registration.body.status_code, 1000, registration.body.status_message);
    assert.equal(registration.headers.get('x-request-id'), 'reg-1');
    const ours = registration.body.data;
    assert.ok(ours);
    tokenC = ours.token;
    assert.notEqual(tokenC, invitation.token_a);
    assert.match(tokenC, /^[\x21-\x7e]{1,64}$/);
    assert.equal(ours.url, `${hub.base}/ocpi/versions`);
    assert.deepEqual(ours.roles, [
      { role: 'EMSP', country_code: 'NL', party_id: 'RLG', business_details: { name: 'Roamledger' } },
    ]);

    // We called the partner's versions and details with the token it gave us (its Token B).
    assert.deepEqual(
      partner.received.map((r) => `${r.method} ${r.path} ${r.token === partner.tokenB ? 'B' : r.token}`),
      ['GET /ocpi/versions B', 'GET /ocpi/2.2.1 B'],
    );
    assert.ok(partner.received.every((r) => r.headers['x-request-id'] && r.headers['x-correlation-id'] === 'corr-reg'));

    // Token A is dead everywhere, Token C opens the functional modules.
    assert.equal((await ocpiCall('GET', invitation.versions_url, invitation.token_a)).httpStatus, 401);
    assert.equal((await ocpiCall('POST', credentialsUrl, invitation.token_a, partner.credentials())).httpStatus, 401);
    const pong = await ocpiCall<{ partner_id: string; roles: unknown[] }>('GET', ping(), tokenC);
    assert.equal(pong.httpStatus, 200);
    assert.equal(pong.body.data?.partner_id, invitation.id);
    assert.deepEqual(pong.body.data?.roles, [{ role: 'CPO', countryCode: 'DE', partyId: 'ABC' }]);
    assert.equal((await ocpiCall('GET', `${hub.base}/ocpi/versions/2.2.1`, tokenC)).body.status_code, 1000);

    // The log: the request (token redacted) as cause of PartnerRegistered, in the partner's stream.
    const appended = (await hub.store.readAll({ fromPosition: head + 1 })).filter(
      (e) => e.stream === partnerStream(invitation.id),
    );
    assert.deepEqual(
      appended.map((e) => e.type),
      ['OcpiRequestReceived', 'PartnerRegistered'],
    );
    const [request, registered] = appended;
    const stored = request.data as { body: string; headers: Record<string, string>; redacted: string[] };
    assert.equal(JSON.parse(stored.body).token, '[REDACTED]');
    assert.equal(JSON.parse(stored.body).url, partner.versionsUrl);
    assert.deepEqual(stored.redacted, ['token']);
    assert.equal(stored.headers.authorization, undefined);
    assert.equal(registered.metadata.causationId, request.id);
    assert.equal(registered.metadata.requestId, 'reg-1');
    assert.equal(registered.metadata.correlationId, 'corr-reg');
    const data = registered.data as { token_c_sha256: string; revoked_token_sha256: string; endpoints: unknown[] };
    assert.equal(data.token_c_sha256, credentialsTokenHash(tokenC));
    assert.equal(data.revoked_token_sha256, credentialsTokenHash(invitation.token_a));

    // No token, ours or theirs, in clear anywhere in the log.
    const log = JSON.stringify(await allEvents());
    for (const secret of [invitation.token_a, tokenC, partner.tokenB])
      assert.ok(!log.includes(secret), 'a token leaked into the log');

    // The admin view shows what we learnt.
    const shown = await hub.admin('GET', `/admin/partners/${invitation.id}`);
    assert.equal(shown.body.status, 'registered');
    assert.equal(shown.body.versions_url, partner.versionsUrl);
    assert.deepEqual(shown.body.roles, [{ role: 'CPO', country_code: 'DE', party_id: 'ABC', name: 'Partner CPO' }]);
    assert.ok(
      shown.body.endpoints.some(
        (e: { identifier: string; role: string; url: string }) =>
          e.identifier === 'cdrs' && e.role === 'SENDER' && e.url === `${partner.url}/ocpi/cpo/2.2.1/cdrs`,
      ),
    );
    assert.ok(shown.body.last_contact_at);
  });

  test('GET credentials returns ours with the token in use', async () => {
    const response = await ocpiCall<{ token: string; url: string }>('GET', credentialsUrl, tokenC);
    assert.equal(response.body.status_code, 1000);
    assert.equal(response.body.data?.token, tokenC);
    assert.equal(response.body.data?.url, `${hub.base}/ocpi/versions`);
  });

  test('POST while registered: HTTP 405, only a rejection recorded', async () => {
    const head = await hub.store.headPosition();
    const before = partner.received.length;
    const response = await ocpiCall('POST', credentialsUrl, tokenC, partner.credentials());
    assert.equal(response.httpStatus, 405);
    assert.notEqual(response.body.status_code, 1000);
    assert.equal(partner.received.length, before, 'no call to the partner for a refused POST');
    const appended = await hub.store.readAll({ fromPosition: head + 1 });
    assert.deepEqual(
      appended.map((e) => [e.stream, e.type]),
      [[partnerStream(invitation.id), 'OcpiRequestRejected']],
    );
    assert.equal((appended[0].data as { http_status: number }).http_status, 405);
    // The refused POST changed nothing: Token C still works.
    assert.equal((await ocpiCall('GET', ping(), tokenC)).httpStatus, 200);
  });

  test('the plain (non-Base64) Authorization form works only once the operator allows it', async () => {
    assert.equal((await ocpiCall('GET', ping(), tokenC, undefined, { plain: true })).httpStatus, 401);
    const allowed = await hub.admin('PATCH', `/admin/partners/${invitation.id}`, { allow_plain_token: true });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.allow_plain_token, true);
    assert.equal((await ocpiCall('GET', ping(), tokenC, undefined, { plain: true })).httpStatus, 200);
    await hub.admin('PATCH', `/admin/partners/${invitation.id}`, { allow_plain_token: false });
    assert.equal((await ocpiCall('GET', ping(), tokenC, undefined, { plain: true })).httpStatus, 401);
  });

  test('a suspended partner keeps versions and credentials but loses functional modules', async () => {
    assert.equal((await hub.admin('POST', `/admin/partners/${invitation.id}/suspend`)).body.suspended, true);
    assert.equal((await ocpiCall('GET', ping(), tokenC)).httpStatus, 403);
    assert.equal((await ocpiCall('GET', `${hub.base}/ocpi/versions`, tokenC)).httpStatus, 200);
    assert.equal((await hub.admin('POST', `/admin/partners/${invitation.id}/resume`)).body.suspended, false);
    assert.equal((await ocpiCall('GET', ping(), tokenC)).httpStatus, 200);
  });

  test('PUT rotates: endpoints fetched again with the new token B, old Token C 401, new one works', async () => {
    const newB = `partner-b2-${Date.now()}`;
    partner.accept(newB);
    const head = await hub.store.headPosition();
    const response = await ocpiCall<{ token: string }>('PUT', credentialsUrl, tokenC, partner.credentials(newB));
    assert.equal(response.httpStatus, 200);
    assert.equal(response.body.status_code, 1000, response.body.status_message);
    const rotated = response.body.data?.token ?? '';
    assert.ok(rotated && rotated !== tokenC);
    assert.ok(partner.received.some((r) => r.path === '/ocpi/versions' && r.token === newB));

    assert.equal((await ocpiCall('GET', ping(), tokenC)).httpStatus, 401);
    assert.equal((await ocpiCall('GET', ping(), rotated)).httpStatus, 200);
    const types = (await hub.store.readAll({ fromPosition: head + 1 })).map((e) => e.type);
    assert.ok(types.includes('CredentialsRotated'));
    assert.ok(types.includes('CredentialsTokenRevoked'));
    tokenC = rotated;

    // The client the directory hands out now calls the partner with the new token B.
    const client = await hub.app.get(PartnerDirectory).client(invitation.id);
    await client.get(`${partner.url}/ocpi/cpo/2.2.1/cdrs`);
    assert.equal(partner.requestsTo('/ocpi/cpo/2.2.1/cdrs').at(-1)?.token, newB);
  });

  test('DELETE unregisters: the token is refused afterwards, and a second DELETE is 405', async () => {
    const response = await ocpiCall('DELETE', credentialsUrl, tokenC);
    assert.equal(response.httpStatus, 200);
    assert.equal(response.body.status_code, 1000);
    assert.equal((await ocpiCall('GET', ping(), tokenC)).httpStatus, 401);
    assert.equal((await ocpiCall('GET', `${hub.base}/ocpi/versions`, tokenC)).httpStatus, 401);
    assert.equal((await ocpiCall('DELETE', credentialsUrl, tokenC)).httpStatus, 401);
    const events = await hub.store.readStream(partnerStream(invitation.id));
    assert.equal(events.at(-1)?.type, 'PartnerUnregistered');
    assert.equal((await hub.admin('GET', `/admin/partners/${invitation.id}`)).body.status, 'unregistered');
  });

  test('PUT or DELETE before registration: HTTP 405', async () => {
    const pending = await invite('DE', 'PUT');
    const put = await ocpiCall('PUT', credentialsUrl, pending.token_a, partner.credentials());
    assert.equal(put.httpStatus, 405);
    const del = await ocpiCall('DELETE', credentialsUrl, pending.token_a);
    assert.equal(del.httpStatus, 405);
    const types = (await hub.store.readStream(partnerStream(pending.id))).map((e) => e.type);
    assert.deepEqual(types, ['PartnerInvited', 'OcpiRequestRejected', 'OcpiRequestRejected']);
  });

  test('credentials claiming a party the invitation did not name: 2001, not registered', async () => {
    const pending = await invite('DE', 'OTH');
    const response = await ocpiCall('POST', credentialsUrl, pending.token_a, partner.credentials());
    assert.equal(response.httpStatus, 200);
    assert.equal(response.body.status_code, 2001);
    assert.match(response.body.status_message ?? '', /DE\*ABC/);
    assert.equal((await hub.admin('GET', `/admin/partners/${pending.id}`)).body.status, 'invited');
  });

  test('the partner offers no 2.2.1: 3002', async () => {
    const old = await new PartnerServer({ countryCode: 'DE', partyId: 'OLD', versions: ['2.1.1'] }).start();
    try {
      const pending = await invite('DE', 'OLD');
      const response = await ocpiCall('POST', credentialsUrl, pending.token_a, old.credentials());
      assert.equal(response.body.status_code, 3002);
      assert.match(response.body.status_message ?? '', /2\.1\.1/);
      // Still invited: Token A keeps working for another try.
      assert.equal((await ocpiCall('GET', `${hub.base}/ocpi/versions`, pending.token_a)).httpStatus, 200);
    } finally {
      await old.close();
    }
  });

  test('the partner is unreachable: 3001', async () => {
    const gone = await new PartnerServer({ countryCode: 'DE', partyId: 'GON' }).start();
    const credentials = gone.credentials();
    await gone.close();
    const pending = await invite('DE', 'GON');
    const response = await ocpiCall('POST', credentialsUrl, pending.token_a, credentials);
    assert.equal(response.body.status_code, 3001);
    assert.equal((await hub.admin('GET', `/admin/partners/${pending.id}`)).body.status, 'invited');
  });

  test('the partner answers its versions with HTTP 500 twice: 3001 after the retry', async () => {
    const flaky = await new PartnerServer({ countryCode: 'DE', partyId: 'FLK' }).start();
    try {
      flaky.failNext.set('/ocpi/versions', [500, 500]);
      const pending = await invite('DE', 'FLK');
      const response = await ocpiCall('POST', credentialsUrl, pending.token_a, flaky.credentials());
      assert.equal(response.body.status_code, 3001);
      assert.equal(flaky.requestsTo('/ocpi/versions').length, 2);
    } finally {
      await flaky.close();
    }
  });

  test('a CPO without a CDRs sender endpoint: 3003', async () => {
    const pushOnly = await new PartnerServer({
      countryCode: 'DE',
      partyId: 'PSH',
      modules: [{ identifier: 'locations', role: 'SENDER' }],
    }).start();
    try {
      const pending = await invite('DE', 'PSH');
      const response = await ocpiCall('POST', credentialsUrl, pending.token_a, pushOnly.credentials());
      assert.equal(response.body.status_code, 3003);
      assert.match(response.body.status_message ?? '', /cdrs SENDER/);
    } finally {
      await pushOnly.close();
    }
  });

  test('malformed JSON and invalid credentials: 400/2001 and nothing but a rejection appended', async () => {
    const pending = await invite('DE', 'BAD');
    const cases: Array<{ raw?: string; body?: unknown; http: number; field?: RegExp }> = [
      { raw: '{"token": "abc", ', http: 400 },
      { body: { ...partner.credentials(), roles: [] }, http: 200, field: /roles/ },
      { body: { ...partner.credentials(), token: 'x'.repeat(65) }, http: 200, field: /token/ },
      { body: { ...partner.credentials(), token: 'has space' }, http: 200, field: /token/ },
      { body: { ...partner.credentials(), url: 'not a url' }, http: 200, field: /url/ },
      {
        body: { ...partner.credentials(), roles: [{ ...partner.credentials().roles[0], role: 'CHARGER' }] },
        http: 200,
        field: /roles\[0\]\.role/,
      },
      {
        body: { ...partner.credentials(), roles: [{ ...partner.credentials().roles[0], country_code: 'DEU' }] },
        http: 200,
        field: /country_code/,
      },
      { body: { ...partner.credentials(), token: 42 }, http: 200, field: /token/ },
    ];
    const head = await hub.store.headPosition();
    for (const item of cases) {
      const response = await ocpiCall('POST', credentialsUrl, pending.token_a, item.body, { rawBody: item.raw });
      assert.equal(response.httpStatus, item.http, JSON.stringify(item));
      assert.equal(response.body.status_code, 2001);
      if (item.field) assert.match(response.body.status_message ?? '', item.field);
    }
    const appended = await hub.store.readAll({ fromPosition: head + 1 });
    assert.equal(appended.length, cases.length);
    assert.ok(appended.every((e) => e.type === 'OcpiRequestRejected' && e.stream === partnerStream(pending.id)));
    // A rejection keeps a digest, never the body (which holds the token).
    assert.ok(!JSON.stringify(appended).includes(partner.tokenB));
    assert.equal((await hub.admin('GET', `/admin/partners/${pending.id}`)).body.status, 'invited');
  });

  test('unauthenticated credentials calls: 401, nothing appended', async () => {
    const head = await hub.store.headPosition();
    for (const token of [undefined, 'nope']) {
      const response = await ocpiCall('POST', credentialsUrl, token, partner.credentials());
      assert.equal(response.httpStatus, 401);
      assert.equal(response.body.status_code, 2000);
    }
    assert.equal(await hub.store.headPosition(), head);
  });

  test("the spec's credentials examples register (their url and token swapped for a live partner's)", {
    skip: specExamplesSkip,
  }, async () => {
    for (const file of ['credentials_example.json', 'credentials_example2.json', 'credentials_example3.json']) {
      const example = readSpecExample<{ token: string; roles: Array<{ role: string; business_details: { name: string } }> }>(
        file,
      );
      const live = await new PartnerServer({ countryCode: 'NL', partyId: 'EXA' }).start();
      try {
        const roles = [...new Set<string>(example.roles.map((role: { role: string }) => role.role))];
        const pending = await invite('NL', 'EXA', roles);
        live.accept(example.token);
        const response = await ocpiCall<{ token: string }>('POST', credentialsUrl, pending.token_a, {
          ...example,
          url: live.versionsUrl,
        });
        assert.equal(response.body.status_code, 1000, `${file}: ${response.body.status_message}`);
        assert.ok(
          live.received.some((r) => r.token === example.token),
          `${file}: we called with its token`,
        );
        const shown = await hub.admin('GET', `/admin/partners/${pending.id}`);
        assert.equal(shown.body.roles.length, example.roles.length);
        assert.equal(shown.body.roles[0].name, example.roles[0].business_details.name);
        // Unregister so the next example may take NL*EXA.
        assert.equal((await ocpiCall('DELETE', credentialsUrl, response.body.data?.token)).body.status_code, 1000);
      } finally {
        await live.close();
      }
    }
  });
});
