import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  credentialsTokenKind,
  issuedTokenDecider,
  type PartnerCommand,
  type PartnerCredentialsRole,
  type PartnerEvent,
  PartnerRejection,
  type PartnerRejectionReason,
  partnerDecider,
  redactTokens,
  type SealedToken,
} from '@roamledger/credentials';
import { deciderSpec, foldEvents } from '@roamledger/kernel';

// Given events, when a command, then events or a rejection: no store, no clock, no network.
const at = '2026-01-01T00:00:00.000Z';
const sealed: SealedToken = { alg: 'A256GCM', kid: 'k', iv: 'iv', ciphertext: 'ct', tag: 'tag' };
const cpo: PartnerCredentialsRole = { role: 'CPO', country_code: 'DE', party_id: 'ABC', business_details: { name: 'ABC' } };
const endpoints = [{ identifier: 'credentials', role: 'SENDER' as const, url: 'https://cpo.example/ocpi/2.2.1/credentials' }];

const invited: PartnerEvent = {
  type: 'PartnerInvited',
  data: {
    partner_id: 'p1',
    name: 'ABC',
    country_code: 'DE',
    party_id: 'ABC',
    roles: ['CPO'],
    token_a_sha256: 'hash-a',
    invited_at: at,
  },
};
const registered: PartnerEvent = {
  type: 'PartnerRegistered',
  data: {
    roles: [cpo],
    versions_url: 'https://cpo.example/ocpi/versions',
    version: '2.2.1',
    endpoints,
    their_token: sealed,
    token_c_sha256: 'hash-c1',
    revoked_token_sha256: 'hash-a',
    registered_at: at,
  },
};

const credentials = (type: 'RegisterPartner' | 'UpdateCredentials', tokenCHash: string, roles = [cpo]): PartnerCommand => ({
  type,
  roles,
  versionsUrl: 'https://cpo.example/ocpi/versions',
  version: '2.2.1',
  endpoints,
  theirToken: sealed,
  tokenCHash,
  at,
});

const spec = deciderSpec(partnerDecider);

function when(given: PartnerEvent[], command: PartnerCommand): PartnerEvent[] {
  return spec.given(given).when(command).events;
}

function rejected(given: PartnerEvent[], command: PartnerCommand, reason: PartnerRejectionReason): void {
  spec
    .given(given)
    .when(command)
    .then((error: unknown) => error instanceof PartnerRejection && error.reason === reason);
}

describe('Partner decider', () => {
  test('an invitation opens registration for Token A only', () => {
    const events = when([], {
      type: 'InvitePartner',
      partnerId: 'p1',
      name: 'ABC',
      countryCode: 'de',
      partyId: 'abc',
      roles: ['CPO'],
      tokenAHash: 'hash-a',
      at,
    });
    assert.deepEqual(events, [invited]);
    const state = foldEvents(partnerDecider, events);
    assert.equal(state.status, 'invited');
    assert.equal(credentialsTokenKind(state, 'hash-a'), 'A');
    assert.equal(credentialsTokenKind(state, 'hash-other'), undefined);
  });

  test('registration records the partner and retires Token A', () => {
    assert.deepEqual(when([invited], credentials('RegisterPartner', 'hash-c1')), [registered]);
    const state = foldEvents(partnerDecider, [invited, registered]);
    assert.equal(state.status, 'registered');
    assert.equal(credentialsTokenKind(state, 'hash-a'), undefined);
    assert.equal(credentialsTokenKind(state, 'hash-c1'), 'C');
    assert.deepEqual(state.endpoints, endpoints);
  });

  test('POST while registered, PUT or DELETE before registration: rejected (405 on the wire)', () => {
    rejected([invited, registered], credentials('RegisterPartner', 'hash-c2'), 'already_registered');
    rejected([invited], credentials('UpdateCredentials', 'hash-c2'), 'not_registered');
    rejected([invited], { type: 'UnregisterPartner', by: 'partner', at }, 'not_registered');
    rejected([], credentials('RegisterPartner', 'hash-c2'), 'not_registered');
  });

  test('credentials may only hold the parties and roles of the invitation', () => {
    const other = { ...cpo, party_id: 'XYZ' };
    rejected([invited], credentials('RegisterPartner', 'hash-c1', [cpo, other]), 'roles_not_permitted');
    rejected([invited], credentials('RegisterPartner', 'hash-c1', [{ ...cpo, role: 'EMSP' }]), 'roles_not_permitted');
    rejected([invited, registered], credentials('UpdateCredentials', 'hash-c2', [other]), 'roles_not_permitted');
    // Case does not matter (CiString).
    assert.equal(when([invited], credentials('RegisterPartner', 'hash-c1', [{ ...cpo, party_id: 'abc' }])).length, 1);
  });

  test('a platform invitation names several parties: credentials may hold any of them, in the roles named', () => {
    const [platform] = when([], {
      type: 'InvitePartner',
      partnerId: 'p1',
      name: 'Platform',
      countryCode: 'DE',
      partyId: 'ABC',
      roles: ['CPO'],
      moreParties: [
        { countryCode: 'de', partyId: 'abd', roles: ['CPO', 'EMSP'] },
        { countryCode: 'DE', partyId: 'ABC', roles: ['EMSP'] },
      ],
      tokenAHash: 'hash-a',
      at,
    });
    assert.deepEqual((platform.data as { parties: unknown }).parties, [
      { country_code: 'DE', party_id: 'ABC', roles: ['CPO', 'EMSP'] },
      { country_code: 'DE', party_id: 'ABD', roles: ['CPO', 'EMSP'] },
    ]);
    const state = foldEvents(partnerDecider, [platform]);
    assert.equal(state.invitation?.parties.length, 2);
    const abd = { ...cpo, party_id: 'ABD' };
    assert.equal(when([platform], credentials('RegisterPartner', 'hash-c1', [cpo, abd, { ...abd, role: 'EMSP' }])).length, 1);
    rejected([platform], credentials('RegisterPartner', 'hash-c1', [cpo, { ...cpo, party_id: 'ABE' }]), 'roles_not_permitted');
    rejected([platform], credentials('RegisterPartner', 'hash-c1', [{ ...abd, role: 'HUB' }]), 'roles_not_permitted');
    // An invitation of one party stays as it always was recorded.
    assert.equal('parties' in invited.data, false);
    assert.deepEqual(foldEvents(partnerDecider, [invited]).invitation?.parties, [
      { countryCode: 'DE', partyId: 'ABC', roles: ['CPO'] },
    ]);
  });

  test('a 2.3.0 hub: hub_party_id is recorded, its own party as HUB, the parties of its roles behind it', () => {
    const [hubInvited] = when([], {
      type: 'InvitePartner',
      partnerId: 'h1',
      name: 'The Hub',
      countryCode: 'DE',
      partyId: 'HUB',
      roles: ['HUB'],
      moreParties: [
        { countryCode: 'DE', partyId: 'ABC', roles: ['CPO'] },
        { countryCode: 'DE', partyId: 'ABD', roles: ['CPO'] },
      ],
      tokenAHash: 'hash-a',
      at,
    });
    const abd = { ...cpo, party_id: 'ABD' };
    const hubCredentials = (roles: PartnerCredentialsRole[], hubPartyId?: string): PartnerCommand => ({
      ...(credentials('RegisterPartner', 'hash-c1', roles) as Extract<PartnerCommand, { type: 'RegisterPartner' }>),
      version: '2.3.0',
      ...(hubPartyId ? { hubPartyId } : {}),
    });
    const [hubRegistered] = when([hubInvited], hubCredentials([cpo, abd], 'dehub'));
    assert.equal(hubRegistered.type, 'PartnerRegistered');
    assert.equal((hubRegistered.data as { hub_party_id?: string }).hub_party_id, 'DEHUB');
    assert.deepEqual((hubRegistered.data as { roles: unknown }).roles, [cpo, abd], 'the roles as the hub sent them');
    const state = foldEvents(partnerDecider, [hubInvited, hubRegistered]);
    assert.deepEqual(state.hubParty, { countryCode: 'DE', partyId: 'HUB' });
    assert.deepEqual(
      state.roles.map((role) => `${role.role} ${role.country_code}*${role.party_id}`),
      ['HUB DE*HUB', 'CPO DE*ABC', 'CPO DE*ABD'],
    );
    // A HUB role the hub lists itself is not doubled.
    const [listed] = when([hubInvited], hubCredentials([{ ...cpo, role: 'HUB', party_id: 'HUB' }, cpo], 'DEHUB'));
    assert.equal(foldEvents(partnerDecider, [hubInvited, listed]).roles.length, 2);
    // The invitation still bounds what a hub holds: a party behind it, and its own party as HUB.
    rejected([hubInvited], hubCredentials([cpo, { ...cpo, party_id: 'XYZ' }], 'DEHUB'), 'roles_not_permitted');
    rejected([hubInvited], hubCredentials([cpo], 'DEHUX'), 'roles_not_permitted');
    rejected([invited], hubCredentials([cpo], 'DEABC'), 'roles_not_permitted');
    // Without hub_party_id (other versions, older events): nothing recorded, no hub party.
    const [plain] = when([invited], credentials('RegisterPartner', 'hash-c1'));
    assert.equal('hub_party_id' in plain.data, false);
    assert.equal(foldEvents(partnerDecider, [invited, plain]).hubParty, undefined);
    // Rotation and our own connection to a hub record it too.
    const [rotated] = when([hubInvited, hubRegistered], {
      ...(hubCredentials([cpo, abd], 'DEHUB') as Extract<PartnerCommand, { type: 'RegisterPartner' }>),
      type: 'UpdateCredentials',
    });
    assert.equal((rotated.data as { hub_party_id?: string }).hub_party_id, 'DEHUB');
    const started: PartnerEvent = {
      type: 'PartnerConnectionStarted',
      data: {
        partner_id: 'h2',
        versions_url: 'https://hub.example/ocpi/versions',
        version: '2.3.0',
        endpoints,
        token_c_sha256: 'hash-ours',
        started_at: at,
      },
    };
    const [connected] = when([started], {
      type: 'CompleteConnection',
      roles: [cpo],
      hubPartyId: 'DEHUB',
      theirToken: sealed,
      at,
    });
    assert.deepEqual(foldEvents(partnerDecider, [started, connected]).permittedRoles, [
      { role: 'HUB', countryCode: 'DE', partyId: 'HUB' },
      { role: 'CPO', countryCode: 'DE', partyId: 'ABC' },
    ]);
  });

  test('rotation replaces Token C; unregistration retires it', () => {
    const [rotated] = when([invited, registered], credentials('UpdateCredentials', 'hash-c2'));
    assert.equal(rotated.type, 'CredentialsRotated');
    assert.equal((rotated.data as { revoked_token_sha256: string }).revoked_token_sha256, 'hash-c1');
    const afterRotation = foldEvents(partnerDecider, [invited, registered, rotated]);
    assert.equal(credentialsTokenKind(afterRotation, 'hash-c1'), undefined);
    assert.equal(credentialsTokenKind(afterRotation, 'hash-c2'), 'C');

    const [unregistered] = when([invited, registered, rotated], { type: 'UnregisterPartner', by: 'partner', at });
    assert.deepEqual(unregistered, {
      type: 'PartnerUnregistered',
      data: { by: 'partner', revoked_token_sha256: 'hash-c2', unregistered_at: at },
    });
    const gone = foldEvents(partnerDecider, [invited, registered, rotated, unregistered]);
    assert.equal(gone.status, 'unregistered');
    assert.equal(credentialsTokenKind(gone, 'hash-c2'), undefined);
    assert.equal(gone.theirToken, undefined);
  });

  test('suspend and resume are idempotent; plain-token allowance toggles', () => {
    const [suspended] = when([invited, registered], { type: 'SuspendPartner', at });
    assert.equal(suspended.type, 'PartnerSuspended');
    assert.deepEqual(when([invited, registered, suspended], { type: 'SuspendPartner', at }), []);
    assert.deepEqual(when([invited, registered], { type: 'ResumePartner', at }), []);
    assert.equal(when([invited, registered, suspended], { type: 'ResumePartner', at })[0].type, 'PartnerResumed');
    rejected([], { type: 'SuspendPartner', at }, 'unknown_partner');
    const [allowed] = when([invited], { type: 'SetPlainTokenAllowance', allow: true, at });
    assert.deepEqual(allowed.data, { allow_plain_token: true, changed_at: at });
    assert.deepEqual(when([invited, allowed], { type: 'SetPlainTokenAllowance', allow: true, at }), []);
  });

  test('we register with a partner: configuration-only token while connecting, full once connected', () => {
    const [started] = when([], {
      type: 'StartConnection',
      partnerId: 'p2',
      versionsUrl: 'https://cpo.example/ocpi/versions',
      version: '2.2.1',
      endpoints,
      tokenHash: 'hash-ours',
      at,
    });
    const connecting = foldEvents(partnerDecider, [started]);
    assert.equal(connecting.status, 'connecting');
    assert.equal(credentialsTokenKind(connecting, 'hash-ours'), 'A');

    const [connected] = when([started], { type: 'CompleteConnection', roles: [cpo], theirToken: sealed, at });
    assert.equal(connected.type, 'ConnectedToPartner');
    const state = foldEvents(partnerDecider, [started, connected]);
    assert.equal(state.status, 'registered');
    assert.equal(state.name, 'ABC');
    assert.equal(credentialsTokenKind(state, 'hash-ours'), 'C');
    assert.deepEqual(state.permittedRoles, [{ role: 'CPO', countryCode: 'DE', partyId: 'ABC' }]);

    const [failed] = when([started], { type: 'FailConnection', reason: 'HTTP 500', at });
    const failedState = foldEvents(partnerDecider, [started, failed]);
    assert.equal(failedState.status, 'connection_failed');
    assert.equal(credentialsTokenKind(failedState, 'hash-ours'), undefined);
    rejected([started, connected], { type: 'FailConnection', reason: 'late', at }, 'not_connecting');
  });

  test('evolve ignores the transport events recorded in the partner stream', () => {
    const noise = [
      { type: 'OcpiRequestReceived', data: { method: 'POST' } },
      { type: 'OcpiRequestRejected', data: { status_code: 2001 } },
      { type: 'SomethingNew', data: null },
    ];
    assert.deepEqual(
      foldEvents(partnerDecider, [invited, ...noise, registered]),
      foldEvents(partnerDecider, [invited, registered]),
    );
  });
});

describe('Issued token index decider', () => {
  test('issue once, revoke once', () => {
    const [issued] = issuedTokenDecider.decide(
      { type: 'IssueToken', partnerId: 'p1', kind: 'A', at },
      issuedTokenDecider.initialState(),
    );
    assert.deepEqual(issued, { type: 'CredentialsTokenIssued', data: { partner_id: 'p1', kind: 'A', issued_at: at } });
    const state = foldEvents(issuedTokenDecider, [issued]);
    assert.throws(() => issuedTokenDecider.decide({ type: 'IssueToken', partnerId: 'p2', kind: 'C', at }, state));
    const [revoked] = issuedTokenDecider.decide({ type: 'RevokeToken', reason: 'registered', at }, state);
    assert.equal(revoked.type, 'CredentialsTokenRevoked');
    const gone = foldEvents(issuedTokenDecider, [issued, revoked]);
    assert.equal(gone.revoked, true);
    assert.deepEqual(issuedTokenDecider.decide({ type: 'RevokeToken', reason: 'again', at }, gone), []);
  });
});

describe('redaction of the credentials token in a stored body', () => {
  test('replaces only the token value, keeping the rest byte for byte', () => {
    const body = '{ "token" : "s3cr\\"et",\n  "url": "https://x.example/v", "roles": [] }';
    const redacted = redactTokens(body);
    assert.equal(redacted, '{ "token" : "[REDACTED]",\n  "url": "https://x.example/v", "roles": [] }');
    assert.ok(!redacted.includes('s3cr'));
    // An escaped member name still ends up redacted.
    const escaped = redactTokens('{"\\u0074oken":"s3cret","url":"u"}');
    assert.equal(JSON.parse(escaped).token, '[REDACTED]');
    assert.ok(!escaped.includes('s3cret'));
  });
});
