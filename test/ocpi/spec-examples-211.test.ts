import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CDR, Session, Tariff, Token, v211, validateOcpi, validateOcpiPatch } from '@roamledger/ocpi';
import { type SpecBlock211, specBlocks211, specExamples211Skip } from '../support/spec-examples-211';

// The objects the OCPI 2.1.1 Markdown specification shows (read at run time from its ```json
// blocks) through our 2.1.1 edge: validated as 2.1.1 wire objects, mapped to the model, and, where
// the model's rules apply to what 2.1.1 says, valid as the model's objects too.

const CPO = { countryCode: 'NL', partyId: 'TNM' };
const context = { party: CPO, tokenParty: { countryCode: 'NL', partyId: 'RLG' }, receivedAt: '2026-07-01T00:00:00Z' };

function accepted<T extends object>(result: { ok: true; value: T } | { ok: false; errors: string[] }, block: SpecBlock211): T {
  assert.ok(result.ok, `${block.file}:${block.line}: ${result.ok ? '' : result.errors.join('; ')}`);
  return result.value;
}

const title = (block: SpecBlock211, what: string) =>
  `${block.file}:${block.line} (${block.method ?? 'object'}) is accepted as ${what}`;

/** Which level of the Locations tree a request URL names: .../locations/{cc}/{pid}/{location}[/{evse}[/{connector}]]. */
function locationLevel(url: string): 'location' | 'evse' | 'connector' {
  const segments = url.split('/locations/')[1].split('/').filter(Boolean).length;
  return segments === 3 ? 'location' : segments === 4 ? 'evse' : 'connector';
}

describe('OCPI 2.1.1 specification examples through the 2.1.1 edge', { skip: specExamples211Skip }, () => {
  const blocks = (file: string) => (specExamples211Skip ? [] : specBlocks211(file));

  test('the Markdown shows Sessions, a CDR, Locations, Tariffs and Tokens (the extraction finds them)', () => {
    const count = (file: string) => blocks(file).length;
    assert.ok(count('mod_sessions.md') >= 3);
    assert.ok(count('mod_cdrs.md') >= 1);
    assert.ok(count('mod_locations.md') >= 6);
    assert.ok(count('mod_tariffs.md') >= 6);
    assert.ok(count('mod_tokens.md') >= 3);
  });

  for (const block of blocks('mod_sessions.md')) {
    if (block.method === 'PATCH') {
      test(title(block, 'a Session PATCH'), () => {
        const wire = accepted(validateOcpiPatch(v211.Session211, block.body, []), block);
        const patch = v211.sessionPatchFrom211(wire, context);
        accepted(validateOcpiPatch(Session, patch, []), block);
      });
    } else {
      test(title(block, 'a Session'), () => {
        const session = v211.sessionFrom211(accepted(validateOcpi(v211.Session211, block.body), block), context);
        accepted(validateOcpi(Session, session), block);
        assert.equal(session.cdr_token.contract_id, block.body.auth_id);
        assert.equal(session.location_id, block.body.location.id);
      });
    }
  }

  for (const block of blocks('mod_cdrs.md')) {
    test(title(block, 'a CDR'), () => {
      const cdr = v211.cdrFrom211(accepted(validateOcpi(v211.Cdr211, block.body), block), context);
      accepted(validateOcpi(CDR, { ...cdr, cdr_location: { ...cdr.cdr_location, country: 'BEL' } }), block);
      assert.equal(cdr.end_date_time, block.body.stop_date_time);
      // Its embedded tariff keeps its price, read as a number.
      assert.equal(cdr.tariffs?.[0].elements[0].price_components[0].price, 2);
      assert.equal(cdr.tariffs?.[0].country_code, 'NL');
    });
  }

  for (const block of blocks('mod_locations.md')) {
    if (!block.method) {
      test(title(block, 'a Location'), () => {
        const location = v211.locationFrom211(accepted(validateOcpi(v211.LocationObject211, block.body), block), context);
        assert.equal(location.publish, true);
        assert.equal(location.parking_type, block.body.type === 'ON_STREET' ? 'ON_STREET' : location.parking_type);
        assert.equal(location.evses?.length, block.body.evses.length);
        assert.deepEqual(
          location.evses?.flatMap((evse) => evse.connectors.map((connector) => connector.tariff_ids)),
          block.body.evses.flatMap((evse: { connectors: Array<{ tariff_id: string }> }) =>
            evse.connectors.map((connector) => [connector.tariff_id]),
          ),
        );
      });
      continue;
    }
    const level = locationLevel(block.url ?? '');
    const cls = { location: v211.LocationObject211, evse: v211.EvseObject211, connector: v211.ConnectorObject211 }[level];
    if (block.method === 'PUT') {
      // "Add an EVSE": the spec asks for the full object ("When not all required fields are
      // specified, the object may be discarded"), yet its example leaves out the connector's
      // power_type, voltage, amperage and both last_updated. Refused on exactly those fields.
      test(`${block.file}:${block.line} (PUT of an EVSE) lacks required fields: refused on exactly those`, () => {
        const result = validateOcpi(v211.EvseObject211, block.body);
        assert.equal(result.ok, false);
        const fields = result.ok ? [] : result.errors.map((error) => error.split(' ')[0]);
        assert.deepEqual(fields.sort(), [
          'connectors[0].amperage',
          'connectors[0].last_updated',
          'connectors[0].power_type',
          'connectors[0].voltage',
          'last_updated',
        ]);
        // Its number for physical_reference (a string in 2.1.1) is not among them: it is read as "3".
      });
      continue;
    }
    test(title(block, `a PATCH of a ${level}`), () => {
      const wire = accepted(validateOcpiPatch(cls as new () => object, block.body, []), block);
      const mapped =
        level === 'connector'
          ? v211.connectorPatchFrom211(wire)
          : level === 'evse'
            ? v211.evsePatchFrom211(wire)
            : v211.locationPatchFrom211(wire);
      assert.ok(Object.keys(mapped).length > 0);
      if ('tariff_id' in block.body) assert.deepEqual((mapped as { tariff_ids?: string[] }).tariff_ids, [block.body.tariff_id]);
    });
  }

  for (const block of blocks('mod_tariffs.md')) {
    if (block.body.id === undefined) {
      // mod_tariffs.md's PATCH example (its request line says PUT): the fields it changes.
      test(title(block, 'a Tariff PATCH'), () => {
        const patch = v211.tariffPatchFrom211(accepted(validateOcpiPatch(v211.Tariff211, block.body, []), block));
        assert.ok(patch.elements?.length);
      });
      continue;
    }
    test(title(block, 'a Tariff'), () => {
      const tariff = v211.tariffFrom211(accepted(validateOcpi(v211.Tariff211, block.body), block), context);
      accepted(validateOcpi(Tariff, tariff), block);
      assert.equal(tariff.last_updated, block.body.last_updated ?? context.receivedAt);
    });
  }

  for (const block of blocks('mod_tokens.md')) {
    if (block.method === 'PATCH') {
      test(title(block, 'a Token PATCH, and is what we send'), () => {
        const wire = accepted(validateOcpiPatch(v211.Token211, block.body, []), block);
        assert.deepEqual(v211.tokenTo211({ ...wire }), block.body);
      });
      continue;
    }
    test(title(block, 'a Token, and is what we send for its model Token'), () => {
      const token = v211.tokenFrom211(accepted(validateOcpi(v211.Token211, block.body), block), context);
      accepted(validateOcpi(Token, token), block);
      assert.deepEqual(v211.tokenTo211({ ...token }), block.body);
    });
  }
});
