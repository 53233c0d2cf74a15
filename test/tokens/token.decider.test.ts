import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deciderSpec } from '@roamledger/kernel';
import type { Token } from '@roamledger/ocpi';
import {
  authorizationDecider,
  type DecideAuthorization,
  missedTokens,
  type TokenEvent,
  TokenRejection,
  tokenDecider,
  tokenPushDecider,
  tokenStream,
} from '@roamledger/tokens';

// Given the events of a token's stream, when a command is decided, then these events follow. Pure.

const ref = { country_code: 'NL', party_id: 'RLG', uid: '012345678', type: 'RFID' };
const T0 = '2026-11-01T10:00:00Z';
const T1 = '2026-11-02T10:00:00Z';

function token(overrides: Partial<Token> = {}): Token {
  return {
    ...ref,
    type: 'RFID',
    contract_id: 'NL-RLG-C12345678-X',
    issuer: 'Roamledger',
    valid: true,
    whitelist: 'ALLOWED',
    last_updated: T0,
    ...overrides,
  } as Token;
}

const issued: TokenEvent = { type: 'TokenIssued', data: { ...ref, by: 'admin-api', token: token() } };
const spec = deciderSpec(tokenDecider);

describe('token decider', () => {
  test('one stream per token, upper-cased', () => {
    assert.equal(tokenStream({ ...ref, uid: 'abc' }), 'token-NL-RLG-RFID-ABC');
  });

  test('issuing a new token stamps last_updated and names who issued it', () => {
    spec
      .given([])
      .when({ type: 'IssueToken', token: token({ last_updated: '2020-01-01T00:00:00Z' }), by: 'cli:ops', at: T0 })
      .then([{ type: 'TokenIssued', data: { ...ref, by: 'cli:ops', token: token() } }]);
  });

  test('issuing a token that exists is refused', () => {
    spec.given([issued]).when({ type: 'IssueToken', token: token(), by: 'admin-api', at: T1 }).then(TokenRejection);
  });

  test('an import row equal to the held token changes nothing; a different one replaces it', () => {
    spec
      .given([issued])
      .when({ type: 'PutToken', token: token({ last_updated: T1 }), by: 'import:a.csv', at: T1 })
      .then([]);
    spec
      .given([issued])
      .when({ type: 'PutToken', token: token({ visual_number: 'V-1' }), by: 'import:a.csv', at: T1 })
      .then([
        { type: 'TokenReplaced', data: { ...ref, by: 'import:a.csv', token: token({ visual_number: 'V-1', last_updated: T1 }) } },
      ]);
  });

  test('a PATCH of fields is one TokenUpdated with only what changed', () => {
    const when = spec
      .given([issued])
      .when({ type: 'PatchToken', ref, patch: { issuer: 'Roamledger', visual_number: 'V-2' }, by: 'admin-api', at: T1 })
      .then([{ type: 'TokenUpdated', data: { ...ref, by: 'admin-api', changes: { visual_number: 'V-2' }, last_updated: T1 } }]);
    assert.equal(when.after.token?.visual_number, 'V-2');
    assert.equal(when.after.token?.last_updated, T1);
  });

  test('block, then unblock', () => {
    const blocked = spec
      .given([issued])
      .when({ type: 'PatchToken', ref, patch: { valid: false }, by: 'cli:ops', at: T1 })
      .then([{ type: 'TokenBlocked', data: { ...ref, by: 'cli:ops', last_updated: T1 } }]);
    assert.equal(blocked.after.token?.valid, false);
    spec
      .given([issued, ...blocked.events])
      .when({ type: 'PatchToken', ref, patch: { valid: true }, by: 'cli:ops', at: T1 })
      .then([{ type: 'TokenUnblocked', data: { ...ref, by: 'cli:ops', last_updated: T1 } }]);
    // Blocking a blocked token is nothing new.
    spec
      .given([issued, ...blocked.events])
      .when({ type: 'PatchToken', ref, patch: { valid: false }, by: 'x', at: T1 })
      .then([]);
  });

  test('lifting an expiry that is not there leaves a blocked token blocked', () => {
    const blocked: TokenEvent = { type: 'TokenBlocked', data: { ...ref, by: 'cli:ops', last_updated: T1 } };
    const when = spec
      .given([issued, blocked])
      .when({ type: 'PatchToken', ref, patch: { expired: false }, by: 'admin-api', at: T1 })
      .then([]);
    assert.equal(when.after.token?.valid, false);
    const expired: TokenEvent = { type: 'TokenExpired', data: { ...ref, by: 'admin-api', last_updated: T1 } };
    spec
      .given([issued, expired])
      .when({ type: 'PatchToken', ref, patch: { expired: false }, by: 'admin-api', at: T1 })
      .then([{ type: 'TokenUnblocked', data: { ...ref, by: 'admin-api', last_updated: T1 } }]);
  });

  test('expire makes the token invalid and expired; the policy is our own event', () => {
    const when = spec
      .given([issued])
      .when({ type: 'PatchToken', ref, patch: { expired: true, allowed_partners: ['p1'] }, by: 'admin-api', at: T1 })
      .then([
        { type: 'TokenExpired', data: { ...ref, by: 'admin-api', last_updated: T1 } },
        { type: 'TokenPolicyChanged', data: { ...ref, by: 'admin-api', allowed_partners: ['p1'] } },
      ]);
    assert.equal(when.after.expired, true);
    assert.equal(when.after.token?.valid, false);
    assert.deepEqual(when.after.allowedPartners, ['p1']);
  });

  test('a PATCH of an unknown token is refused', () => {
    spec
      .given([])
      .when({ type: 'PatchToken', ref, patch: { valid: false }, by: 'x', at: T1 })
      .then(TokenRejection);
  });
});

describe('authorization decider', () => {
  const ask = (state: DecideAuthorization['token'], verdict?: DecideAuthorization['verdict']): DecideAuthorization => ({
    type: 'DecideAuthorization',
    reference: 'REF1',
    ref,
    token: state,
    partnerId: 'partner-1',
    partner: 'DE*ABC',
    location: { location_id: 'LOC1' },
    ...(verdict ? { verdict } : {}),
    at: T1,
  });
  const decided = (allowed: string, reason: string) => [
    {
      type: 'AuthorizationDecided',
      data: {
        ...ref,
        authorization_reference: 'REF1',
        partner_id: 'partner-1',
        partner: 'DE*ABC',
        location: { location_id: 'LOC1' },
        decided_at: T1,
        allowed,
        reason,
        token_last_updated: T0,
      },
    },
  ];
  const auth = deciderSpec(authorizationDecider);

  test('a valid token no rule refuses is ALLOWED', () => {
    auth
      .given([])
      .when(ask({ token: token(), expired: false }))
      .then(decided('ALLOWED', 'the token is valid and no rule refused it') as never);
  });

  test('a blocked token is BLOCKED, an expired one EXPIRED, whatever the rules say', () => {
    auth
      .given([])
      .when(ask({ token: token({ valid: false }), expired: false }, { allowed: 'NOT_ALLOWED' as never, reason: 'x' }))
      .then(decided('BLOCKED', 'the token is blocked (valid: false)') as never);
    auth
      .given([])
      .when(ask({ token: token({ valid: false }), expired: true }))
      .then(decided('EXPIRED', 'the token has expired') as never);
  });

  test("a rule's verdict is the answer, with its reason", () => {
    auth
      .given([])
      .when(ask({ token: token(), expired: false }, { allowed: 'NO_CREDIT' as never, reason: 'over the spending limit' }))
      .then(decided('NO_CREDIT', 'over the spending limit') as never);
  });

  test('an unknown token is recorded as such; a reference is used once', () => {
    const when = auth.given([]).when(ask({ expired: false }));
    assert.deepEqual(when.types, ['AuthorizationOfUnknownToken']);
    auth
      .given(when.events)
      .when(ask({ token: token(), expired: false }))
      .then(/already used/);
  });
});

describe('token push decider', () => {
  const push = deciderSpec(tokenPushDecider);
  test('failed and skipped pushes are missed until a resync pushed them', () => {
    const failed = push
      .given([])
      .when({ type: 'RecordPushFailure', partnerId: 'p1', ref, method: 'PATCH', reason: 'HTTP 503', position: 7 })
      .then([{ type: 'TokenPushFailed', data: { ...ref, partner_id: 'p1', method: 'PATCH', reason: 'HTTP 503', position: 7 } }]);
    assert.deepEqual(Object.keys(failed.after.missed), ['token-NL-RLG-RFID-012345678']);
    const resynced = push
      .given(failed.events)
      .when({ type: 'RecordResync', partnerId: 'p1', trigger: 'contact', pushed: [ref], failed: [] });
    assert.deepEqual(resynced.after.missed, {});
    assert.deepEqual(missedTokens([...failed.events, ...resynced.events]), []);
    assert.deepEqual(missedTokens(failed.events), [ref]);
  });
});
