import { type PartyId, Role, sameParty, v230, validateOcpi, validateOcpiPatch } from '@roamledger/ocpi';
import type { ClassConstructor } from 'class-transformer';
import { OcpiError } from './ocpi-error';
import type { OcpiExchange } from './ocpi-exchange';

/** The request body as a valid OCPI object, or a 2001 naming every invalid field. */
export function parseOcpiBody<T extends object>(cls: ClassConstructor<T>, body: unknown): T {
  const result = validateOcpi(cls, body);
  if (!result.ok)
    throw OcpiError.invalidParameters(`Invalid ${cls.name.replace(/Dto$/, '')}: ${result.errors.join('; ')}`, result.errors);
  return result.value;
}

/** A PATCH body: only the fields given, each valid (and `alwaysRequired`, last_updated by default). */
export function parseOcpiPatch<T extends object>(
  cls: ClassConstructor<T>,
  body: unknown,
  alwaysRequired?: readonly string[],
): Partial<T> {
  const result = validateOcpiPatch(cls, body, alwaysRequired);
  if (!result.ok)
    throw OcpiError.invalidParameters(
      `Invalid ${cls.name.replace(/Dto$/, '')} patch: ${result.errors.join('; ')}`,
      result.errors,
    );
  return result.value;
}

/**
 * A partner writes only under a country_code/party_id its credentials hold as CPO (the objects an
 * eMSP receives are CPOs'): a platform under any of its CPO parties, a hub under those behind it.
 */
export function assertOwnParty(exchange: OcpiExchange, party: PartyId): void {
  if (!exchange.holdsParty(party, Role.CPO)) throw OcpiError.notYourParty(party.countryCode, party.partyId);
  // The sender the routing headers name owns the object, unless a hub relays it (Broadcast Push).
  const from = exchange.from;
  if (from && !sameParty(from, party) && !exchange.holdsParty(from, Role.HUB)) {
    throw OcpiError.invalidParameters(
      `OCPI-from-country-code/OCPI-from-party-id ${from.countryCode}*${from.partyId} is not the party of the object (${party.countryCode}*${party.partyId})`,
    );
  }
}

/** The party of an object URL (`{country_code}/{party_id}/…`), once checked to be one of the caller's own. */
export function ownPartyOf(exchange: OcpiExchange, params: { country_code: string; party_id: string }): PartyId {
  const party = { countryCode: params.country_code, partyId: params.party_id };
  assertOwnParty(exchange, party);
  return party;
}

/** One id as the URL names it and as the body sends it (absent in a PATCH that leaves it out). */
export type IdInUrlAndBody = [field: string, url: string | undefined, sent: string | undefined];

/** The ids in an object's URL and in its body name the same object (transport_and_format: otherwise 2001). */
export function assertBodyMatchesUrl(...ids: IdInUrlAndBody[]): void {
  const mismatched = ids.filter(
    ([, url, sent]) => sent !== undefined && url !== undefined && url.toUpperCase() !== sent.toUpperCase(),
  );
  if (mismatched.length > 0) {
    throw OcpiError.invalidParameters(
      `The body does not match the URL: ${mismatched.map(([field, url, sent]) => `${field} "${sent}" where the URL has "${url}"`).join(', ')}`,
    );
  }
}

/** A 2.3.0 body with its prices mapped by `mapping` (v230.bodyFrom230, tariffFrom230); a bad price is a 2001. */
function mapped230(body: unknown, mapping?: (body: unknown) => v230.From230): unknown {
  if (!mapping) return body;
  const mapped = mapping(body);
  if (!mapped.ok) throw OcpiError.invalidParameters(`Invalid 2.3.0 prices: ${mapped.errors.join('; ')}`, mapped.errors);
  return mapped.body;
}

const name230 = (cls: ClassConstructor<object>) => cls.name.replace(/230$/, '');

/**
 * A body on a 2.3.0 route as the model's object: prices mapped (`mapping`), then valid as its 2.3.0
 * class (v230: open enums, the new fields), every field the spec does not document kept as sent.
 */
export function parseOcpiBody230<T extends object>(
  cls: ClassConstructor<T>,
  body: unknown,
  mapping?: (body: unknown) => v230.From230,
): T {
  const result = v230.validate230(cls, mapped230(body, mapping));
  if (!result.ok) throw OcpiError.invalidParameters(`Invalid ${name230(cls)}: ${result.errors.join('; ')}`, result.errors);
  return result.value;
}

/** A PATCH on a 2.3.0 route (see parseOcpiPatch and parseOcpiBody230). */
export function parseOcpiPatch230<T extends object>(
  cls: ClassConstructor<T>,
  body: unknown,
  mapping?: (body: unknown) => v230.From230,
  alwaysRequired?: readonly string[],
): Partial<T> {
  const result = v230.validate230Patch(cls, mapped230(body, mapping), alwaysRequired);
  if (!result.ok) throw OcpiError.invalidParameters(`Invalid ${name230(cls)} patch: ${result.errors.join('; ')}`, result.errors);
  return result.value;
}
