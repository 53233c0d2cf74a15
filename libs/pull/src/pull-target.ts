import { createHash, randomUUID } from 'node:crypto';
import type { Command, CommandBus } from '@nestjs/cqrs';
import { type EventMetadata, type NewEvent } from '@roamledger/event-store';
import { canonicalJson } from '@roamledger/kernel';
import type { PulledOutcome, PulledWire, PullOffer } from '@roamledger/module-kit';
import { formatParty, type PartyId, sameParty, validateOcpi } from '@roamledger/ocpi';
import type { ClassConstructor } from 'class-transformer';
import type { PullModuleId, PullPartner } from './pull-source';

/** Where one pulled object came from. */
export interface PulledFrom {
  pullId: string;
  /** The page URL it was listed on. */
  url: string;
  receivedAt: string;
}

/**
 * `recorded`: it changed our log; `unchanged`: we already held it (a push or an earlier pull);
 * `rejected`: invalid, or not the partner's to send (kept as a finding of the pull, never dropped).
 */
export type PullOutcome = PulledOutcome;

/** A module that takes pulled objects: it feeds them to the same commands its push receiver uses. */
export interface PullTarget {
  module: PullModuleId;
  ingest(partner: PullPartner, object: unknown, from: PulledFrom): Promise<PullOutcome>;
}

/**
 * The one PullTarget: a module's pull offer (from its descriptor). A pulled object passes the
 * same checks as a push, then goes on the CommandBus as the module's own command.
 */
export function commandPullTarget(offer: PullOffer, commands: CommandBus): PullTarget {
  return {
    module: offer.module,
    async ingest(partner, object, from) {
      const wire = partner.version ? (offer.versions?.[partner.version] as PulledWire<PulledObject> | undefined) : undefined;
      const accepted = acceptPulled(
        offer.module,
        offer.objectClass as ClassConstructor<PulledObject>,
        partner,
        object,
        from,
        wire,
      );
      if (!accepted.ok) return accepted.outcome;
      const command = offer.command(accepted.value, {
        cause: accepted.cause,
        metadata: accepted.metadata,
        skipWhenNoEvents: true,
        pulled: true,
      });
      return offer.outcome(await commands.execute(command as Command<unknown>));
    },
  };
}

type PulledObject = { country_code: string; party_id: string };

export const OCPI_OBJECT_PULLED = 'OcpiObjectPulled';

/**
 * The pulled object as received, appended (like a pushed request) before the domain events it
 * causes, and only when it causes any: an object pulled again leaves no trace.
 */
export function pulledObjectEvent(
  module: PullModuleId,
  partner: PullPartner,
  object: unknown,
  from: PulledFrom,
  owner?: PartyId,
): NewEvent {
  return {
    id: randomUUID(),
    type: OCPI_OBJECT_PULLED,
    data: { module, partner_id: partner.partnerId, pull_id: from.pullId, url: from.url, object },
    metadata: pulledMetadata(partner, from, owner),
  };
}

/** Metadata of events a pulled object causes; `owner` is the object's party (as `partner`, like a push). */
export function pulledMetadata(partner: PullPartner, from: PulledFrom, owner?: PartyId): EventMetadata {
  const party = owner ?? partner.parties[0];
  return {
    correlationId: from.pullId,
    partnerId: partner.partnerId,
    ...(party ? { partner: formatParty(party) } : {}),
    receivedAt: from.receivedAt,
    source: 'pull',
  };
}

/** sha256 of an object's canonical JSON: how a rejected pulled object is named in the pull's record. */
export function objectDigest(object: unknown): string {
  return createHash('sha256').update(canonicalJson(object)).digest('hex');
}

/** A pulled object that is a valid OCPI object of the partner's own parties, ready for the module's command. */
export type AcceptedPull<T> =
  | { ok: true; value: T; cause: NewEvent; metadata: EventMetadata }
  | { ok: false; outcome: PullOutcome & { status: 'rejected' } };

/**
 * The checks every pulled object passes before it reaches the push path's command: valid as `cls`
 * (or as the partner's version's wire class, then mapped to the model), and owned by one of the
 * partner's parties (pull obeys the same party isolation as push).
 */
export function acceptPulled<T extends { country_code: string; party_id: string }>(
  module: PullModuleId,
  cls: ClassConstructor<T>,
  partner: PullPartner,
  object: unknown,
  from: PulledFrom,
  wire?: PulledWire<T>,
): AcceptedPull<T> {
  const checked = wire?.read ? wire.read(object) : validateOcpi((wire?.objectClass ?? cls) as ClassConstructor<object>, object);
  if (!checked.ok) {
    const name = (wire?.objectClass ?? cls).name;
    return { ok: false, outcome: { status: 'rejected', reason: `Invalid ${name}: ${checked.errors.join('; ')}` } };
  }
  // A wire object names no party (2.1.1): it is the partner's own, which its credentials hold one of.
  const [party] = partner.parties;
  if (wire && !party)
    return { ok: false, outcome: { status: 'rejected', reason: `Partner ${partner.partnerId} holds no party` } };
  const result = {
    value: wire ? wire.toModel(checked.value, { party, tokenParty: partner.ourParty ?? party }) : (checked.value as T),
  };
  const owner = { countryCode: result.value.country_code, partyId: result.value.party_id };
  if (!partner.parties.some((party) => sameParty(party, owner))) {
    return {
      ok: false,
      outcome: { status: 'rejected', reason: `${formatParty(owner)} is not a party of partner ${partner.partnerId}` },
    };
  }
  return {
    ok: true,
    value: result.value,
    cause: pulledObjectEvent(module, partner, object, from, owner),
    metadata: pulledMetadata(partner, from, owner),
  };
}
