import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PartnerDirectory, partnerStream } from '@roamledger/credentials';
import { ocpiCall, PartnerServer } from '../support/partner-server';
import { type CredentialsHarness, startCredentialsApp } from './harness';

describe('we register with a partner (admin connect)', () => {
  let hub: CredentialsHarness;
  let partner: PartnerServer;
  let partnerId: string;

  before(async () => {
    hub = await startCredentialsApp();
    partner = await new PartnerServer({ countryCode: 'BE', partyId: 'CPX', name: 'CPX Charging' }).start();
  });
  after(async () => {
    await partner?.close();
    await hub?.close();
  });

  test('versions and details with its Token A, POST our credentials, keep its Token C', async () => {
    const response = await hub.admin('POST', '/admin/partners/connect', {
      versions_url: partner.versionsUrl,
      token_a: partner.tokenA,
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    partnerId = response.body.id;
    assert.equal(response.body.status, 'registered');
    assert.equal(response.body.initiated_by, 'us');
    assert.equal(response.body.name, 'CPX Charging');
    assert.deepEqual(response.body.roles, [{ role: 'CPO', country_code: 'BE', party_id: 'CPX', name: 'CPX Charging' }]);
    assert.equal(response.body.versions_url, partner.versionsUrl);

    assert.deepEqual(
      partner.received.map((r) => `${r.method} ${r.path} ${r.token === partner.tokenA ? 'A' : r.token}`),
      ['GET /ocpi/versions A', 'GET /ocpi/2.2.1 A', 'POST /ocpi/2.2.1/credentials A'],
    );
    const posted = partner.requestsTo('/ocpi/2.2.1/credentials')[0].body as { token: string; url: string; roles: unknown[] };
    assert.equal(posted.url, `${hub.base}/ocpi/versions`);
    assert.deepEqual(posted.roles, [
      { role: 'EMSP', country_code: 'NL', party_id: 'RLG', business_details: { name: 'Roamledger' } },
    ]);
    assert.equal(posted.token, partner.ourToken);
    // While handling our POST it called our versions with the token we gave it, and got in.
    assert.equal(partner.callbackStatus, 200);

    // That token now opens the functional modules too; its Token A is no longer ours to use.
    const pong = await ocpiCall<{ partner_id: string }>('GET', `${hub.base}/ocpi/emsp/2.2.1/ping`, partner.ourToken);
    assert.equal(pong.httpStatus, 200);
    assert.equal(pong.body.data?.partner_id, partnerId);

    // Neither its token nor ours in clear in the log.
    const log = JSON.stringify(await hub.store.readAll());
    assert.ok(partner.tokenC && !log.includes(partner.tokenC));
    assert.ok(partner.ourToken && !log.includes(partner.ourToken));
    const types = (await hub.store.readStream(partnerStream(partnerId))).map((e) => e.type);
    assert.deepEqual(types, ['PartnerConnectionStarted', 'ConnectedToPartner']);
  });

  test('the PartnerDirectory calls the partner with the Token C it gave us', async () => {
    const directory = hub.app.get(PartnerDirectory);
    const view = await directory.get(partnerId);
    const cdrs = view?.endpoints.find((e) => e.identifier === 'cdrs' && e.role === 'SENDER');
    assert.ok(cdrs);
    const client = await directory.client(partnerId, { fromParty: { countryCode: 'NL', partyId: 'RLG' } });
    const pages = [];
    for await (const page of client.paginate(cdrs.url)) pages.push(page);
    assert.equal(pages.length, 1);
    const call = partner.requestsTo('/ocpi/cpo/2.2.1/cdrs').at(-1);
    assert.equal(call?.token, partner.tokenC);
    assert.equal(call?.headers['ocpi-from-party-id'], 'RLG');
    assert.ok((await directory.list()).some((p) => p.id === partnerId && p.status === 'registered'));
  });

  test('it can rotate with PUT using the token we gave it', async () => {
    const newToken = `rotated-${Date.now()}`;
    partner.accept(newToken);
    const response = await ocpiCall<{ token: string }>(
      'PUT',
      `${hub.base}/ocpi/2.2.1/credentials`,
      partner.ourToken,
      partner.credentials(newToken),
    );
    assert.equal(response.body.status_code, 1000, response.body.status_message);
    assert.equal((await ocpiCall('GET', `${hub.base}/ocpi/emsp/2.2.1/ping`, partner.ourToken)).httpStatus, 401);
    assert.equal((await ocpiCall('GET', `${hub.base}/ocpi/emsp/2.2.1/ping`, response.body.data?.token)).httpStatus, 200);
  });

  test('a partner with no version in common (2.0 only): 422 with OCPI 3002, nothing recorded', async () => {
    const old = await new PartnerServer({ countryCode: 'BE', partyId: 'OLD', versions: ['2.0'] }).start();
    try {
      const head = await hub.store.headPosition();
      const response = await hub.admin('POST', '/admin/partners/connect', { versions_url: old.versionsUrl, token_a: old.tokenA });
      assert.equal(response.status, 422);
      assert.equal(response.body.ocpi_status_code, 3002);
      assert.equal(await hub.store.headPosition(), head);
    } finally {
      await old.close();
    }
  });

  test('an unreachable partner: 502 with OCPI 3001', async () => {
    const gone = await new PartnerServer().start();
    const url = gone.versionsUrl;
    await gone.close();
    const response = await hub.admin('POST', '/admin/partners/connect', { versions_url: url, token_a: 'whatever' });
    assert.equal(response.status, 502);
    assert.equal(response.body.ocpi_status_code, 3001);
  });

  test('a partner presenting a party another connection holds: 409, and we unregister from it again', async () => {
    assert.equal(
      (await hub.admin('POST', '/admin/partners', { name: 'Taken', country_code: 'BE', party_id: 'TKN', roles: ['CPO'] })).status,
      201,
    );
    const impostor = await new PartnerServer({ countryCode: 'BE', partyId: 'TKN' }).start();
    try {
      const response = await hub.admin('POST', '/admin/partners/connect', {
        versions_url: impostor.versionsUrl,
        token_a: impostor.tokenA,
      });
      assert.equal(response.status, 409);
      assert.match(response.body.message, /BE\*TKN/);
      const deletes = impostor.received.filter((r) => r.method === 'DELETE');
      assert.equal(deletes.length, 1);
      assert.equal(deletes[0].token, impostor.tokenC);
      // Our token for it was retired with the failed connection.
      assert.equal((await ocpiCall('GET', `${hub.base}/ocpi/versions`, impostor.ourToken)).httpStatus, 401);
    } finally {
      await impostor.close();
    }
  });

  test('the partner refuses our POST: the connection is recorded as failed and our token revoked', async () => {
    const refusing = await new PartnerServer({ countryCode: 'BE', partyId: 'REF' }).start();
    try {
      refusing.failNext.set('/ocpi/2.2.1/credentials', [500]);
      const response = await hub.admin('POST', '/admin/partners/connect', {
        versions_url: refusing.versionsUrl,
        token_a: refusing.tokenA,
      });
      assert.equal(response.status, 502);
      const failed = (await hub.admin('GET', '/admin/partners')).body.find(
        (p: { versions_url: string }) => p.versions_url === refusing.versionsUrl,
      );
      assert.equal(failed.status, 'connection_failed');
      // Only one POST: a registration is not retried.
      const attempts = refusing.requestsTo('/ocpi/2.2.1/credentials');
      assert.equal(attempts.length, 1);
      const ourToken = (attempts[0].body as { token: string }).token;
      assert.equal((await ocpiCall('GET', `${hub.base}/ocpi/versions`, ourToken)).httpStatus, 401);
    } finally {
      await refusing.close();
    }
  });
});
