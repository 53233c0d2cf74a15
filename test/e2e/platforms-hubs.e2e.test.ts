import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '@roamledger/credentials';
import { hubModule } from '@roamledger/modules';
import { cdr, finishedSession } from '../support/ocpi-fixtures';
import {
  type OcpiCallResult,
  ocpiCall,
  type PartnerAnswer,
  PartnerServer,
  type ReceivedRequest,
} from '../support/partner-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { VersionedCpoServer } from '../support/versioned-cpo-server';

// The hub as `npm start` runs it, on a real port, with partners on other real ports: the same CPO
// traffic of two parties (DE*ABC and DE*ABD) arrives (1) from two CPOs connected directly, (2) from
// one platform holding both parties in one registration, (3) from a hub with both CPOs behind it.
// Each ends in the same /finance statements; parties stay apart; calls to the CPOs behind the hub
// go through the hub with routing headers.

const ADMIN_KEY = 'e2e-admin-key-parties-0123456789';
const FINANCE_KEY = 'e2e-finance-key-parties-0123456789';
const APP_KEY = 'e2e-app-key-parties-0123456789';
const ENV = {
  ADMIN_API_KEY: ADMIN_KEY,
  FINANCE_API_KEY: FINANCE_KEY,
  APP_API_KEY: APP_KEY,
  OCPI_PARTIES: 'NL*RLG=Roamledger NL,BE*RLB=Roamledger BE',
};

// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
type Json = any;
type Party = { countryCode: string; partyId: string };

const ABC = { countryCode: 'DE', partyId: 'ABC' };
const ABD = { countryCode: 'DE', partyId: 'ABD' };
const HUB = { countryCode: 'DE', partyId: 'HUB' };

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const role = (r: string, party: Party, name = `${party.countryCode}*${party.partyId}`) => ({
  role: r,
  country_code: party.countryCode,
  party_id: party.partyId,
  business_details: { name },
});

/**
 * A completed session and its CDRs of one party: ABD sends two CDRs, so the statements differ per
 * party. ABC's drivers hold our NL*RLG tokens, ABD's our BE*RLB ones.
 */
function trafficOf(party: Party): Array<{ method: string; path: string; body: Json }> {
  const ours = party.partyId === 'ABD' ? { country_code: 'BE', party_id: 'RLB' } : { country_code: 'NL', party_id: 'RLG' };
  const owned = (object: Json, id: string) => ({
    ...object,
    country_code: party.countryCode,
    party_id: party.partyId,
    id,
    cdr_token: { ...object.cdr_token, ...ours },
  });
  const session = owned(finishedSession(), `S-${party.partyId}`);
  const cdrOf = (id: string): Json => {
    const one = owned(cdr(), id);
    one.tariffs = one.tariffs.map((tariff: Json) => ({ ...tariff, country_code: party.countryCode, party_id: party.partyId }));
    return one;
  };
  const cdrs = party.partyId === 'ABD' ? [cdrOf('C-ABD-1'), cdrOf('C-ABD-2')] : [cdrOf(`C-${party.partyId}-1`)];
  return [
    { method: 'PUT', path: `/ocpi/emsp/2.2.1/sessions/${party.countryCode}/${party.partyId}/${session.id}`, body: session },
    ...cdrs.map((body) => ({ method: 'POST', path: '/ocpi/emsp/2.2.1/cdrs', body })),
  ];
}

interface Hub {
  app: TestApp;
  base: string;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  /** Invites, then registers `server` with the credentials roles given; answers our token C for it. */
  register(server: PartnerServer, invitation: Json, roles: Json[]): Promise<string>;
  /** Statement items of February 2026 once `cdrs` CDRs are in, without their log positions. */
  statements(cdrs: number, emspParty?: string): Promise<Json[]>;
}

async function startHub(): Promise<Hub> {
  const app = await startTestApp(hubModule, ENV, { listen: true });
  const base = app.config.publicUrl;
  const call = (key: string) => async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const admin = call(ADMIN_KEY);
  const finance = call(FINANCE_KEY);
  return {
    app,
    base,
    admin,
    api: call(APP_KEY),
    async register(server, invitation, roles) {
      const invited = await admin('POST', '/admin/partners', invitation);
      assert.equal(invited.status, 201, JSON.stringify(invited.body));
      const registered = await ocpiCall<{ token: string }>('POST', `${base}/ocpi/2.2.1/credentials`, invited.body.token_a, {
        ...server.credentials(),
        roles,
      });
      assert.equal(registered.body.status_code, 1000, registered.body.status_message);
      return registered.body.data?.token ?? '';
    },
    async statements(cdrs, emspParty) {
      const items = await eventually(`${cdrs} CDRs in the statements`, async () => {
        const got = await finance('GET', `/finance/statements?month=2026-02${emspParty ? `&emsp_party=${emspParty}` : ''}`);
        const count = (got.body.items ?? []).reduce((sum: number, item: Json) => sum + item.cdr_count, 0);
        return count === cdrs ? (got.body.items as Json[]) : undefined;
      });
      return items.map(({ position: _position, ...item }) => item).sort((a, b) => a.partner.localeCompare(b.partner));
    },
  };
}

const send = (base: string, token: string, step: { method: string; path: string; body: Json }, headers = {}) =>
  ocpiCall<Json>(step.method, `${base}${step.path}`, token, step.body, { headers });

const routing = (from: Party, to?: Party): Record<string, string> => ({
  'OCPI-from-country-code': from.countryCode,
  'OCPI-from-party-id': from.partyId,
  ...(to ? { 'OCPI-to-country-code': to.countryCode, 'OCPI-to-party-id': to.partyId } : {}),
});

const assertAccepted = (result: OcpiCallResult<Json>, what: string) =>
  assert.equal(result.body.status_code, 1000, `${what}: ${result.httpStatus} ${result.body.status_message}`);

describe('platforms and hubs end to end: the same CPO traffic, direct, from a platform and through a hub', () => {
  /** The statements the two directly connected CPOs' traffic ends in. */
  let direct: Json[];
  const servers: PartnerServer[] = [];
  const server = async (options: ConstructorParameters<typeof PartnerServer>[0]) => {
    const started = await new PartnerServer(options).start();
    servers.push(started);
    return started;
  };
  after(async () => {
    for (const started of servers) await started.close();
  });

  before(async () => {
    const hub = await startHub();
    try {
      for (const party of [ABC, ABD]) {
        const cpo = await server({ ...party });
        const token = await hub.register(
          cpo,
          { name: party.partyId, country_code: party.countryCode, party_id: party.partyId, roles: ['CPO'] },
          [role('CPO', party)],
        );
        for (const step of trafficOf(party)) assertAccepted(await send(hub.base, token, step), step.path);
      }
      direct = await hub.statements(3);
      assert.deepEqual(
        direct.map((item) => [item.partner, item.cdr_count]),
        [
          ['DE*ABC', 1],
          ['DE*ABD', 2],
        ],
      );
    } finally {
      await hub.app.close();
    }
  });

  describe('a platform registers once for two CPO parties', () => {
    let hub: Hub;
    let platform: PartnerServer;
    let invitation: Json;
    let token: string;
    before(async () => {
      hub = await startHub();
      platform = await server({ countryCode: 'DE', partyId: 'ABC', name: 'Platform' });
    });
    after(() => hub?.app.close());

    test('the invitation names both parties; another invitation cannot take one of them', async () => {
      const invited = await hub.admin('POST', '/admin/partners', {
        name: 'Platform',
        country_code: 'DE',
        party_id: 'ABC',
        roles: ['CPO'],
        parties: [{ country_code: 'de', party_id: 'abd', roles: ['CPO'] }],
      });
      assert.equal(invited.status, 201, JSON.stringify(invited.body));
      invitation = invited.body;
      const shown = await hub.admin('GET', `/admin/partners/${invitation.id}`);
      assert.deepEqual(shown.body.invitation.parties, [
        { country_code: 'DE', party_id: 'ABC', roles: ['CPO'] },
        { country_code: 'DE', party_id: 'ABD', roles: ['CPO'] },
      ]);
      const taken = await hub.admin('POST', '/admin/partners', {
        name: 'Someone else',
        country_code: 'FR',
        party_id: 'XYZ',
        roles: ['CPO'],
        parties: [{ country_code: 'DE', party_id: 'ABD', roles: ['CPO'] }],
      });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.reason, 'party_taken');

      // The CLI names a platform's further parties the same way.
      const cli = await runCli(
        ['partner', 'invite', '--name', 'CLI Platform', '--country-code', 'FR', '--party-id', 'CLA', '--roles', 'CPO'].concat([
          '--parties',
          'FR*CLB:CPO+EMSP',
        ]),
        { ADMIN_API_KEY: ADMIN_KEY, PUBLIC_URL: hub.base },
      );
      assert.equal(cli.exitCode, 0, cli.stderr);
      const cliShown = await hub.admin('GET', `/admin/partners/${JSON.parse(cli.stdout).id}`);
      assert.deepEqual(cliShown.body.invitation.parties, [
        { country_code: 'FR', party_id: 'CLA', roles: ['CPO'] },
        { country_code: 'FR', party_id: 'CLB', roles: ['CPO', 'EMSP'] },
      ]);
    });

    test('registration refuses a role the invitation does not name, then takes both parties in one credentials object', async () => {
      const refused = await ocpiCall('POST', `${hub.base}/ocpi/2.2.1/credentials`, invitation.token_a, {
        ...platform.credentials(),
        roles: [role('CPO', ABC), role('CPO', ABD), role('EMSP', ABD)],
      });
      assert.equal(refused.body.status_code, 2001);
      assert.match(refused.body.status_message ?? '', /EMSP DE\*ABD/);
      const registered = await ocpiCall<{ token: string; roles: Json[] }>(
        'POST',
        `${hub.base}/ocpi/2.2.1/credentials`,
        invitation.token_a,
        { ...platform.credentials(), roles: [role('CPO', ABC, 'Brand ABC'), role('CPO', ABD, 'Brand ABD')] },
      );
      assertAccepted(registered, 'registration');
      token = registered.body.data?.token ?? '';
      assert.deepEqual(
        registered.body.data?.roles.map((r: Json) => `${r.role} ${r.country_code}*${r.party_id}`),
        ['EMSP NL*RLG', 'EMSP BE*RLB'],
        'our credentials: one EMSP role per hosted party',
      );
      assert.deepEqual(
        registered.body.data?.roles.map((r: Json) => r.business_details.name),
        ['Roamledger NL', 'Roamledger BE'],
        'each with its own business details',
      );
      const shown = await hub.admin('GET', `/admin/partners/${invitation.id}`);
      assert.deepEqual(
        shown.body.roles.map((r: Json) => [r.country_code, r.party_id, r.name]),
        [
          ['DE', 'ABC', 'Brand ABC'],
          ['DE', 'ABD', 'Brand ABD'],
        ],
      );
    });

    test('it writes under both its parties (with or without routing headers), never under another platform’s', async () => {
      const [abcSession, ...abcCdrs] = trafficOf(ABC);
      assertAccepted(await send(hub.base, token, abcSession, routing(ABC, { countryCode: 'NL', partyId: 'RLG' })), 'session');
      for (const step of abcCdrs) assertAccepted(await send(hub.base, token, step), step.path);
      for (const step of trafficOf(ABD)) assertAccepted(await send(hub.base, token, step, routing(ABD)), step.path);

      // Another platform (FR*XYA, FR*XYB) may not touch DE*ABD's objects, nor the first one its.
      const other = await server({ countryCode: 'FR', partyId: 'XYA' });
      const otherToken = await hub.register(
        other,
        {
          name: 'Other platform',
          country_code: 'FR',
          party_id: 'XYA',
          roles: ['CPO'],
          parties: [{ country_code: 'FR', party_id: 'XYB', roles: ['CPO'] }],
        },
        [role('CPO', { countryCode: 'FR', partyId: 'XYA' }), role('CPO', { countryCode: 'FR', partyId: 'XYB' })],
      );
      const intruding = trafficOf(ABD)[0];
      const refused = await send(hub.base, otherToken, {
        ...intruding,
        body: { ...intruding.body, total_cost: { excl_vat: 0 } },
      });
      assert.equal(refused.httpStatus, 404);
      assert.equal(refused.body.status_code, 2000);
      const got = await ocpiCall('GET', `${hub.base}${intruding.path}`, otherToken);
      assert.equal(got.body.status_code, 2000, 'nor read it');
      // The platform's own from-header may only name its own parties.
      const spoofed = await send(hub.base, token, trafficOf(ABC)[0], routing({ countryCode: 'FR', partyId: 'XYA' }));
      assert.equal(spoofed.body.status_code, 2001);
      const crossed = await send(hub.base, token, trafficOf(ABD)[0], routing(ABC));
      assert.equal(crossed.body.status_code, 2001, 'sent as DE*ABC, an object of DE*ABD');
      const theirs = trafficOf({ countryCode: 'FR', partyId: 'XYB' })[0];
      assert.equal((await send(hub.base, token, theirs)).body.status_code, 2000);

      assert.deepEqual(await hub.statements(3), direct, 'the same statements as the two direct CPOs');
      // Finance per party of ours: NL*RLG's drivers charged at DE*ABC only, BE*RLB's at DE*ABD.
      assert.deepEqual(await hub.statements(1, 'nl*rlg'), [direct[0]]);
      assert.deepEqual(await hub.statements(2, 'BE*RLB'), [direct[1]]);
    });
  });

  describe('through a hub, with two CPOs behind it', () => {
    let hub: Hub;
    let hubServer: PartnerServer;
    let token: string;
    const tokenPuts: ReceivedRequest[] = [];
    const commands: ReceivedRequest[] = [];
    const ourParty = { countryCode: 'NL', partyId: 'RLG' };
    const clientInfo = (party: Party, r = 'CPO', status = 'CONNECTED') =>
      ocpiCall('PUT', `${hub.base}/ocpi/emsp/2.2.1/clientinfo/${party.countryCode}/${party.partyId}`, token, {
        country_code: party.countryCode,
        party_id: party.partyId,
        role: r,
        status,
        last_updated: new Date().toISOString(),
      });

    before(async () => {
      hub = await startHub();
      hubServer = await server({
        ...HUB,
        name: 'The Hub',
        modules: [
          { identifier: 'tokens', role: 'RECEIVER' },
          { identifier: 'commands', role: 'RECEIVER' },
        ],
        routes: (request) => {
          if (request.method === 'PUT' && request.path.startsWith('/ocpi/cpo/2.2.1/tokens/')) {
            tokenPuts.push(request);
            return { data: undefined };
          }
          if (request.method === 'POST' && request.path.startsWith('/ocpi/cpo/2.2.1/commands/')) {
            commands.push(request);
            return { data: { result: 'ACCEPTED', timeout: 30 } };
          }
          return undefined;
        },
      });
      token = await hub.register(hubServer, { name: 'The Hub', country_code: 'DE', party_id: 'HUB', roles: ['HUB'] }, [
        role('HUB', HUB, 'The Hub'),
      ]);
    });
    after(() => hub?.app.close());

    test('before the hub reports a party behind it, the hub cannot write under it', async () => {
      const refused = await send(hub.base, token, trafficOf(ABC)[0], routing(ABC, ourParty));
      assert.equal(refused.body.status_code, 2001, 'the from-party is not one the hub holds');
      const broadcast = await send(hub.base, token, trafficOf(ABC)[0], routing(HUB));
      assert.equal(broadcast.body.status_code, 2000, 'nor under the URL party');
    });

    test('objects of the CPOs behind it are written under their parties, addressed to one of ours or broadcast', async () => {
      for (const party of [ABC, ABD]) assert.equal((await clientInfo(party)).body.status_code, 1000);
      // The hub also reports us: that gives it nothing of ours.
      assert.equal((await clientInfo(ourParty, 'EMSP')).body.status_code, 1000);
      const shown = await hub.admin('GET', '/admin/partners');
      assert.deepEqual(
        shown.body
          .find((partner: Json) => partner.name === 'The Hub')
          .behind.map((p: Json) => `${p.role} ${p.country_code}*${p.party_id}`),
        ['CPO DE*ABC', 'CPO DE*ABD'],
      );

      const [abcSession, ...abcCdrs] = trafficOf(ABC);
      const answered = await send(hub.base, token, abcSession, routing(ABC, ourParty));
      assertAccepted(answered, 'session via the hub');
      assert.equal(answered.headers.get('ocpi-from-party-id'), 'RLG', 'answered as the party addressed');
      assert.equal(answered.headers.get('ocpi-to-party-id'), 'ABC');
      for (const step of abcCdrs) assertAccepted(await send(hub.base, token, step, routing(ABC, ourParty)), step.path);
      // DE*ABD's traffic as Broadcast Push: from the hub, to no party of ours in particular.
      for (const step of trafficOf(ABD)) assertAccepted(await send(hub.base, token, step, routing(HUB)), step.path);

      const crossed = await send(hub.base, token, trafficOf(ABD)[0], routing(ABC, ourParty));
      assert.equal(crossed.body.status_code, 2001, 'sent as DE*ABC, an object of DE*ABD: only the hub itself relays');
      const notOurs = await send(hub.base, token, trafficOf(ABC)[0], routing(ABC, { countryCode: 'FR', partyId: 'EMS' }));
      assert.equal(notOurs.body.status_code, 4001, 'to-party that is not hosted here');
      const asUs = trafficOf(ourParty)[0];
      assert.equal((await send(hub.base, token, asUs, routing(ourParty))).body.status_code, 2001, 'not as one of our parties');

      assert.deepEqual(await hub.statements(3), direct, 'the same statements as the two direct CPOs');
    });

    test('a party another partner holds directly stays that partner’s even when the hub reports it', async () => {
      const fra = { countryCode: 'FR', partyId: 'DIR' };
      const cpo = await server({ ...fra });
      const cpoToken = await hub.register(cpo, { name: 'Direct', country_code: 'FR', party_id: 'DIR', roles: ['CPO'] }, [
        role('CPO', fra),
      ]);
      assert.equal((await clientInfo(fra)).body.status_code, 1000);
      const step = trafficOf(fra)[0];
      assert.equal((await send(hub.base, token, step, routing(fra, ourParty))).body.status_code, 2001);
      assert.equal((await send(hub.base, token, step, routing(HUB))).body.status_code, 2000);
      assertAccepted(await send(hub.base, cpoToken, step), 'the direct CPO itself');
    });

    test('our tokens reach the hub as one Broadcast Push; a command to a CPO behind it goes through the hub, addressed to it', async () => {
      const issued = await hub.admin('POST', '/admin/tokens', {
        country_code: 'NL',
        party_id: 'RLG',
        uid: 'RFID-H1',
        type: 'RFID',
        contract_id: 'NL-RLG-CRFIDH1',
        issuer: 'Roamledger',
        valid: true,
        whitelist: 'ALLOWED',
      });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      const put = await eventually('the token at the hub', () =>
        tokenPuts.find((r) => r.path.split('?')[0].endsWith('/NL/RLG/RFID-H1')),
      );
      assert.equal(put.headers['ocpi-to-country-code'], 'DE');
      assert.equal(put.headers['ocpi-to-party-id'], 'HUB');
      assert.equal(put.headers['ocpi-from-party-id'], 'RLG');
      assert.equal(
        tokenPuts.filter((r) => r.path.split('?')[0].endsWith('/RFID-H1')).length,
        1,
        'once, not once per CPO behind it',
      );

      const sent = await hub.api('POST', '/api/commands', {
        to: { country_code: 'DE', party_id: 'ABD' },
        command: 'START_SESSION',
        body: { token: { uid: 'RFID-H1', type: 'RFID' }, location_id: 'LOC1' },
      });
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      const command = await eventually('the command at the hub', () => commands[0]);
      assert.equal(command.path, '/ocpi/cpo/2.2.1/commands/START_SESSION');
      assert.equal(command.headers['ocpi-to-country-code'], 'DE');
      assert.equal(command.headers['ocpi-to-party-id'], 'ABD');
      assert.equal(command.headers['ocpi-from-party-id'], 'RLG');
      assert.equal((command.body as Json).token.uid, 'RFID-H1');

      // A CPO behind the hub asks to authorize our token, addressed to the party that issued it.
      const authorize = (to: Party) =>
        ocpiCall<Json>('POST', `${hub.base}/ocpi/emsp/2.2.1/tokens/RFID-H1/authorize?type=RFID`, token, undefined, {
          headers: routing(ABC, to),
        });
      const allowed = await authorize(ourParty);
      assertAccepted(allowed, 'authorize');
      assert.equal(allowed.body.data.allowed, 'ALLOWED');
      assert.equal((await authorize({ countryCode: 'BE', partyId: 'RLB' })).body.status_code, 2004, "not BE*RLB's token");
      const listed = await ocpiCall<Json[]>('GET', `${hub.base}/ocpi/emsp/2.2.1/tokens`, token, undefined, {
        headers: routing(ABC, { countryCode: 'BE', partyId: 'RLB' }),
      });
      assert.deepEqual(listed.body.data, [], 'GET tokens addressed to BE*RLB lists its tokens only');
      const all = await ocpiCall<Json[]>('GET', `${hub.base}/ocpi/emsp/2.2.1/tokens`, token, undefined, {
        headers: routing(ABC),
      });
      assert.deepEqual(
        all.body.data?.map((t: Json) => `${t.country_code}*${t.party_id} ${t.uid}`),
        ['NL*RLG RFID-H1'],
        'without a to-party: every party of ours',
      );
    });
  });

  describe('a 2.3.0 hub: hub_party_id names the hub, its roles the two CPOs behind it', () => {
    let hub: Hub;
    let hubServer: VersionedCpoServer;
    const ourParty = { countryCode: 'NL', partyId: 'RLG' };

    before(async () => {
      hub = await startHub();
      hubServer = await new VersionedCpoServer({
        versions: ['2.3.0'],
        ...HUB,
        name: 'The 2.3.0 Hub',
        hub: {
          hubPartyId: 'dehub',
          behind: [
            { ...ABC, name: 'CPO ABC' },
            { ...ABD, name: 'CPO ABD' },
          ],
        },
      }).start();
    });
    after(async () => {
      await hubServer?.close();
      await hub?.app.close();
    });

    test('it registers in 2.3.0 within its invitation; a session of a CPO behind it lands under that CPO', async () => {
      const invited = await hub.admin('POST', '/admin/partners', {
        name: 'The 2.3.0 Hub',
        country_code: 'DE',
        party_id: 'HUB',
        roles: ['HUB'],
        parties: [
          { country_code: 'DE', party_id: 'ABC', roles: ['CPO'] },
          { country_code: 'DE', party_id: 'ABD', roles: ['CPO'] },
        ],
      });
      assert.equal(invited.status, 201, JSON.stringify(invited.body));
      const invitation = invited.body;
      const credentialsUrl = `${hub.base}/ocpi/2.3.0/credentials`;
      for (const bad of ['DE-HU', 'DEHU', 'DEHUBX', 42]) {
        const refused = await ocpiCall<Json>('POST', credentialsUrl, invitation.token_a, {
          ...hubServer.credentials('2.3.0'),
          hub_party_id: bad,
        });
        assert.equal(refused.body.status_code, 2001, `hub_party_id ${JSON.stringify(bad)}`);
      }
      // A hub party its invitation does not name as HUB is refused, as a party it was not let in for.
      const otherHub = await ocpiCall<Json>('POST', credentialsUrl, invitation.token_a, {
        ...hubServer.credentials('2.3.0'),
        hub_party_id: 'DEHUX',
      });
      assert.equal(otherHub.body.status_code, 2001, otherHub.body.status_message);

      const answer = await hubServer.registerWith(invitation.versions_url, invitation.token_a, '2.3.0');
      assert.equal(answer.body.status_code, 1000, answer.body.status_message);
      assert.equal('hub_party_id' in answer.body.data, false, 'we are not a hub: our credentials name no hub party');
      const shown = await hub.admin('GET', `/admin/partners/${invitation.id}`);
      assert.equal(shown.body.version, '2.3.0');
      const parties = (list: Json[]) => list.map((p: Json) => `${p.role} ${p.country_code}*${p.party_id}`);
      assert.deepEqual(parties(shown.body.roles), ['HUB DE*HUB']);
      assert.deepEqual(parties(shown.body.behind), ['CPO DE*ABC', 'CPO DE*ABD']);

      const token = hubServer.ourToken ?? '';
      const [step] = trafficOf(ABC);
      const session = { ...step.body, total_cost: { before_taxes: 4.75 } };
      const path = step.path.replace('/2.2.1/', '/2.3.0/');
      const answered = await ocpiCall<Json>('PUT', `${hub.base}${path}`, token, session, {
        headers: routing(ABC, ourParty),
      });
      assertAccepted(answered, 'a 2.3.0 session via the hub');
      assert.equal(answered.headers.get('ocpi-from-party-id'), 'RLG', 'answered as the party addressed');
      assert.equal(answered.headers.get('ocpi-to-party-id'), 'ABC');
      const stored = await ocpiCall<Json>('GET', `${hub.base}${path}`, token, undefined, { headers: routing(ABC, ourParty) });
      assertAccepted(stored, 'the session read back');
      assert.equal(`${stored.body.data.country_code}*${stored.body.data.party_id}`, 'DE*ABC');
      assert.equal(stored.body.data.id, session.id);
      // Only under its own party: not as DE*ABD's, not as a party the hub does not reach.
      const crossed = await ocpiCall<Json>('PUT', `${hub.base}${path}`, token, session, { headers: routing(ABD, ourParty) });
      assert.equal(crossed.body.status_code, 2001, 'sent as DE*ABD, an object of DE*ABC');
      const elsewhere = { ...session, party_id: 'XYZ' };
      const outside = await ocpiCall<Json>('PUT', `${hub.base}${path.replace('/DE/ABC/', '/DE/XYZ/')}`, token, elsewhere, {
        headers: routing({ countryCode: 'DE', partyId: 'XYZ' }, ourParty),
      });
      assert.equal(outside.body.status_code, 2001, 'a party neither its roles nor its invitation hold');
    });
  });

  describe('pulling sessions and CDRs from CPOs behind a hub (GET All via the hub)', () => {
    let hub: Hub;
    let hubServer: PartnerServer;
    let token: string;
    let partnerId: string;
    const pulls: ReceivedRequest[] = [];
    const OURS = [
      { countryCode: 'NL', partyId: 'RLG' },
      { countryCode: 'BE', partyId: 'RLB' },
    ];
    const FOREIGN = { countryCode: 'FR', partyId: 'XYZ' };
    // What the CPOs behind the hub hold, and one session of a party the hub never reports.
    const held = [...trafficOf(ABC), ...trafficOf(ABD), trafficOf(FOREIGN)[0]];
    const objects: Record<string, Json[]> = {
      sessions: held.filter((step) => step.method === 'PUT').map((step) => step.body),
      cdrs: held.filter((step) => step.method === 'POST').map((step) => step.body),
    };
    const header = (request: ReceivedRequest, name: string) => String(request.headers[name] ?? '');

    /**
     * The hub's Sender interfaces: a GET All must be addressed to the hub itself; it answers the
     * objects of its CPOs that concern the requesting party (their tokens are its), one per page,
     * with the routing headers of the answer: to the requesting party, from the hub.
     */
    const senderAnswer = (request: ReceivedRequest): PartnerAnswer | undefined => {
      const url = new URL(request.path, 'http://hub');
      const module = /^\/ocpi\/cpo\/2\.2\.1\/(sessions|cdrs)$/.exec(url.pathname)?.[1];
      if (request.method !== 'GET' || !module) return undefined;
      pulls.push(request);
      const to = `${header(request, 'ocpi-to-country-code')}*${header(request, 'ocpi-to-party-id')}`;
      if (to !== 'DE*HUB') return { httpStatus: 400, statusCode: 2001, message: `a GET All goes to the hub, not ${to}` };
      const from = { country_code: header(request, 'ocpi-from-country-code'), party_id: header(request, 'ocpi-from-party-id') };
      const dateFrom = Date.parse(url.searchParams.get('date_from') ?? '');
      const dateTo = Date.parse(url.searchParams.get('date_to') ?? '');
      const matching = objects[module].filter(
        (object) =>
          object.cdr_token.country_code === from.country_code &&
          object.cdr_token.party_id === from.party_id &&
          Date.parse(object.last_updated) >= dateFrom &&
          Date.parse(object.last_updated) < dateTo,
      );
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const headers: Record<string, string> = {
        'ocpi-to-country-code': from.country_code,
        'ocpi-to-party-id': from.party_id,
        'ocpi-from-country-code': HUB.countryCode,
        'ocpi-from-party-id': HUB.partyId,
        'x-total-count': String(matching.length),
        'x-limit': '1',
      };
      if (offset + 1 < matching.length) {
        const next = new URL(`${hubServer.url}${url.pathname}`);
        for (const [name, value] of url.searchParams) next.searchParams.set(name, value);
        next.searchParams.set('offset', String(offset + 1));
        headers.link = `<${next}>; rel="next"`;
      }
      return { data: matching.slice(offset, offset + 1), headers };
    };

    const pull = async () => {
      const pulled = await hub.admin('POST', `/admin/pull/${partnerId}`, {
        modules: ['sessions', 'cdrs'],
        date_from: '2026-01-01T00:00:00Z',
        date_to: new Date().toISOString(),
      });
      assert.equal(pulled.status, 200, JSON.stringify(pulled.body));
      return Object.fromEntries(pulled.body.reports.map((report: Json) => [report.module, report]));
    };

    before(async () => {
      hub = await startHub();
      hubServer = await server({
        ...HUB,
        name: 'Pull Hub',
        modules: [
          { identifier: 'sessions', role: 'SENDER' },
          { identifier: 'cdrs', role: 'SENDER' },
        ],
        routes: senderAnswer,
      });
      token = await hub.register(hubServer, { name: 'Pull Hub', country_code: 'DE', party_id: 'HUB', roles: ['HUB'] }, [
        role('HUB', HUB, 'Pull Hub'),
      ]);
      partnerId = (await hub.admin('GET', '/admin/partners')).body.find((partner: Json) => partner.name === 'Pull Hub').id;
    });
    after(() => hub?.app.close());

    test('before the hub reports the CPOs behind it, what it answers for them is refused, not taken', async () => {
      const reports = await pull();
      assert.equal(reports.sessions.status, 'completed', JSON.stringify(reports.sessions));
      assert.equal(reports.sessions.run.recorded, 0);
      assert.ok(reports.sessions.run.rejected.length >= 1);
      assert.match(reports.sessions.run.rejected[0].reason, /is not a party of partner/);
    });

    test('a pull asks the hub as each of our parties, addressed to the hub, and takes the objects of the parties behind it', async () => {
      for (const party of [ABC, ABD]) {
        const reported = await ocpiCall(
          'PUT',
          `${hub.base}/ocpi/emsp/2.2.1/clientinfo/${party.countryCode}/${party.partyId}`,
          token,
          {
            country_code: party.countryCode,
            party_id: party.partyId,
            role: 'CPO',
            status: 'CONNECTED',
            last_updated: new Date().toISOString(),
          },
        );
        assert.equal(reported.body.status_code, 1000);
      }
      pulls.length = 0;
      const reports = await pull();
      for (const module of ['sessions', 'cdrs'])
        assert.equal(reports[module].status, 'completed', JSON.stringify(reports[module]));
      // NL*RLG's drivers charged at DE*ABC (and at FR*XYZ, which the hub does not hold), BE*RLB's at DE*ABD.
      assert.deepEqual(
        [reports.sessions.run.recorded, reports.sessions.run.rejected.map((r: Json) => r.id)],
        [2, ['S-XYZ']],
        JSON.stringify(reports.sessions.run.rejected),
      );
      assert.equal(reports.cdrs.run.recorded, 3);

      // Every request (each page too) addressed to the hub, from one of our parties; both asked.
      assert.ok(pulls.length >= 5, `${pulls.length} requests`);
      for (const request of pulls) {
        assert.equal(`${header(request, 'ocpi-to-country-code')}*${header(request, 'ocpi-to-party-id')}`, 'DE*HUB', request.path);
      }
      for (const module of ['sessions', 'cdrs']) {
        assert.deepEqual(
          [
            ...new Set(
              pulls
                .filter((r) => r.path.includes(`/${module}`))
                .map((r) => `${header(r, 'ocpi-from-country-code')}*${header(r, 'ocpi-from-party-id')}`),
            ),
          ].sort(),
          OURS.map((party) => `${party.countryCode}*${party.partyId}`).sort(),
          module,
        );
      }
      assert.ok(
        pulls.some((request) => request.path.includes('offset=1')),
        'the Link to the next page was followed',
      );

      assert.deepEqual(await hub.statements(3), direct, 'the same statements as the two direct CPOs');
      assert.deepEqual(await hub.statements(2, 'BE*RLB'), [direct[1]]);
      // Pulled again: nothing new.
      const again = await pull();
      assert.deepEqual([again.sessions.run.recorded, again.cdrs.run.recorded], [0, 0]);
    });
  });
});
