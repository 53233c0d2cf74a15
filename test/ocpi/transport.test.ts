import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Body, Global, Inject, Module, Param, Put } from '@nestjs/common';
import { PartnerRejections, partnerStream } from '@roamledger/credentials';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { Token } from '@roamledger/ocpi';
import {
  type AuthenticatedPartner,
  assertOwnParty,
  Exchange,
  encodeCredentialsToken,
  OcpiController,
  OcpiExchange,
  OcpiTransportModule,
  ocpiResponse,
  PARTNER_AUTHENTICATOR,
  type PartnerAuthenticator,
  parseOcpiBody,
  REJECTED_REQUEST_LOG,
} from '@roamledger/ocpi-transport';
import { ServiceModule } from '@roamledger/service';
import { startTestApp, type TestApp } from '../support/test-app';

// The transport on its own, before any real module: a receiver endpoint for Tokens-shaped objects
// and a fixed set of partners. The credentials module replaces this authenticator in the hub.
const partners: Record<string, AuthenticatedPartner & { plainAllowed?: boolean }> = {
  'token-c-de-abc': {
    partnerId: 'p-abc',
    name: 'ABC',
    tokenKind: 'C',
    roles: [{ countryCode: 'DE', partyId: 'ABC', role: 'CPO' }],
    suspended: false,
  },
  'token-a-invited': { partnerId: 'p-new', name: 'New', tokenKind: 'A', roles: [], suspended: false },
  'plain-token-legacy': {
    partnerId: 'p-old',
    name: 'Old',
    tokenKind: 'C',
    roles: [{ countryCode: 'NL', partyId: 'OLD', role: 'CPO' }],
    suspended: false,
    plainAllowed: true,
  },
};
const fixedPartners: PartnerAuthenticator = {
  async authenticate(token, form) {
    const partner = partners[token];
    if (!partner || (form === 'plain' && !partner.plainAllowed)) return undefined;
    return partner;
  },
};

@OcpiController('ocpi/emsp/2.2.1/things')
class ThingsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Put(':country_code/:party_id/:uid')
  async put(
    @Exchange() exchange: OcpiExchange,
    @Param('country_code') countryCode: string,
    @Param('party_id') partyId: string,
    @Param('uid') uid: string,
    @Body() body: unknown,
  ) {
    assertOwnParty(exchange, { countryCode, partyId });
    const token = parseOcpiBody(Token, body);
    await this.store.append(`thing-${countryCode}-${partyId}-${uid}`, [
      exchange.requestEvent(),
      { type: 'ThingStored', data: token, metadata: exchange.metadata() },
    ]);
    return ocpiResponse(null);
  }
}

@Global()
@Module({
  providers: [
    { provide: PARTNER_AUTHENTICATOR, useValue: fixedPartners },
    { provide: REJECTED_REQUEST_LOG, useClass: PartnerRejections },
  ],
  exports: [PARTNER_AUTHENTICATOR, REJECTED_REQUEST_LOG],
})
class FixedPartnersModule {}

const validToken = {
  country_code: 'DE',
  party_id: 'ABC',
  uid: '012345678',
  type: 'RFID',
  contract_id: 'DE8ACC12E46L89',
  issuer: 'TheNewMotion',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2015-06-29T22:39:09Z',
};

describe('OCPI transport', () => {
  let harness: TestApp;
  let store: EventStore;
  before(async () => {
    harness = await startTestApp((config) => ({
      module: class TransportTestModule {},
      imports: [ServiceModule.forRoot(config), FixedPartnersModule, OcpiTransportModule],
      controllers: [ThingsController],
    }));
    store = harness.app.get(EVENT_STORE);
  });
  after(() => harness?.close());

  const put = (
    path: string,
    body: unknown,
    headers: Record<string, string> = { authorization: encodeCredentialsToken('token-c-de-abc') },
  ) =>
    harness.app.inject({
      method: 'PUT',
      url: `/ocpi/emsp/2.2.1/things/${path}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  test('a valid write is accepted with the envelope, echoes request ids and keeps the request as cause', async () => {
    const response = await put(
      'DE/ABC/012345678',
      { ...validToken, extra_field_from_2_3: 1 },
      {
        authorization: encodeCredentialsToken('token-c-de-abc'),
        'x-request-id': 'req-42',
        'x-correlation-id': 'corr-42',
        'ocpi-from-country-code': 'DE',
        'ocpi-from-party-id': 'ABC',
        'ocpi-to-country-code': 'NL',
        'ocpi-to-party-id': 'RLG',
      },
    );
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.status_code, 1000);
    assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
    assert.equal(response.headers['x-request-id'], 'req-42');
    assert.equal(response.headers['x-correlation-id'], 'corr-42');
    assert.equal(response.headers['ocpi-to-party-id'], 'ABC');
    assert.equal(response.headers['ocpi-from-party-id'], 'RLG');

    const [request, stored] = await store.readStream('thing-DE-ABC-012345678');
    assert.equal(request.type, 'OcpiRequestReceived');
    const data = request.data as { headers: Record<string, string>; body: string; from: string };
    assert.equal(data.headers.authorization, undefined);
    assert.equal(data.headers['x-request-id'], 'req-42');
    assert.equal(JSON.parse(data.body).extra_field_from_2_3, 1);
    assert.equal(data.from, 'DE*ABC');
    assert.equal(stored.metadata.causationId, request.id);
    assert.equal(stored.metadata.requestId, 'req-42');
    assert.equal(stored.metadata.partner, 'DE*ABC');
    assert.equal((stored.data as Record<string, unknown>).extra_field_from_2_3, undefined);
  });

  test('missing or unknown credentials token: HTTP 401 in the envelope, nothing appended', async () => {
    const head = await store.headPosition();
    for (const headers of [
      {} as Record<string, string>,
      { authorization: encodeCredentialsToken('nope') },
      { authorization: 'Bearer token-c-de-abc' },
    ]) {
      const response = await put('DE/ABC/1', validToken, headers);
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().status_code, 2000);
      assert.ok(response.headers['x-request-id']);
    }
    assert.equal(await store.headPosition(), head);
  });

  test('Token A works only on versions and credentials', async () => {
    const response = await put('DE/ABC/1', validToken, { authorization: encodeCredentialsToken('token-a-invited') });
    assert.equal(response.statusCode, 401);
    assert.match(response.json().status_message, /Token A/);
  });

  test('the plain (not Base64) token form is accepted only where the partner allows it', async () => {
    assert.equal((await put('DE/ABC/1', validToken, { authorization: 'Token token-c-de-abc' })).statusCode, 401);
    const legacy = await put(
      'NL/OLD/1',
      { ...validToken, country_code: 'NL', party_id: 'OLD', uid: '1' },
      {
        authorization: 'Token plain-token-legacy',
      },
    );
    assert.equal(legacy.statusCode, 200);
    assert.equal(legacy.json().status_code, 1000);
  });

  test('malformed JSON: HTTP 400, 2001, and only a rejection digest in the partner stream', async () => {
    const head = await store.headPosition();
    const payload = '{"uid": "1", ';
    const response = await put('DE/ABC/1', payload);
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().status_code, 2001);
    const appended = await store.readAll({ fromPosition: head + 1 });
    assert.deepEqual(
      appended.map((e) => [e.stream, e.type]),
      [[partnerStream('p-abc'), 'OcpiRequestRejected']],
    );
    const rejection = appended[0].data as { body_size: number; body_sha256: string; status_code: number };
    assert.equal(rejection.body_size, Buffer.byteLength(payload));
    assert.match(rejection.body_sha256, /^[0-9a-f]{64}$/);
    assert.equal(rejection.status_code, 2001);
  });

  test('invalid content: 2001 naming the fields, no domain event', async () => {
    const head = await store.headPosition();
    const cases: Array<[unknown, RegExp]> = [
      [{ ...validToken, uid: 'x'.repeat(37) }, /uid/],
      [{ ...validToken, whitelist: 'SOMETIMES' }, /whitelist/],
      [{ ...validToken, valid: 'yes' }, /valid/],
      [{ ...validToken, last_updated: 'yesterday' }, /last_updated/],
      [{ ...validToken, country_code: 'DEU' }, /country_code/],
    ];
    for (const [body, field] of cases) {
      const response = await put('DE/ABC/012345678', body);
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().status_code, 2001);
      assert.match(response.json().status_message, field);
    }
    const appended = await store.readAll({ fromPosition: head + 1 });
    assert.equal(appended.length, cases.length);
    assert.ok(appended.every((e) => e.type === 'OcpiRequestRejected'));
  });

  test('a partner cannot write under another party, nor claim another party in routing headers', async () => {
    const other = await put('NL/XYZ/1', { ...validToken, country_code: 'NL', party_id: 'XYZ' });
    assert.equal(other.statusCode, 404);
    assert.notEqual(other.json().status_code, 1000);
    assert.deepEqual(await store.readStream('thing-NL-XYZ-1'), []);

    const spoofed = await put('DE/ABC/1', validToken, {
      authorization: encodeCredentialsToken('token-c-de-abc'),
      'ocpi-from-country-code': 'NL',
      'ocpi-from-party-id': 'OLD',
    });
    assert.equal(spoofed.json().status_code, 2001);
    const unknownReceiver = await put('DE/ABC/1', validToken, {
      authorization: encodeCredentialsToken('token-c-de-abc'),
      'ocpi-to-country-code': 'BE',
      'ocpi-to-party-id': 'XXX',
    });
    assert.equal(unknownReceiver.json().status_code, 4001);
  });

  test('unknown OCPI routes answer 404 in the envelope', async () => {
    const response = await harness.app.inject({ method: 'GET', url: '/ocpi/emsp/2.2.1/nothing-here' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().status_code, 2000);
  });
});
