import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  currentState,
  EVENT_STORE,
  type EventStore,
  type Handled,
  type HandleOptions,
  handleCommand,
} from '@roamledger/event-store';
import { versionRoutes } from '@roamledger/module-kit';
import type { PartyId, Tariff } from '@roamledger/ocpi';
import { VersionNumber } from '@roamledger/ocpi/values';
import { type TariffState, tariffDecider, tariffStream } from './tariff.decider';
import type { TariffEvent, TariffRef } from './tariff.events';

/** The eMSP Tariffs Receiver route in 2.2.1, and in each version it is offered in. */
export const TARIFFS_ROUTE = 'ocpi/emsp/2.2.1/tariffs';
export const TARIFFS_ROUTES = versionRoutes('ocpi/emsp/{version}/tariffs', [VersionNumber.V2_2_1, VersionNumber.V2_3_0]);

export type TariffHandled = Handled<TariffEvent, TariffState> & { created: boolean };

/** How a command reaches the log: with the request (or pulled object) that caused it. */
export type TariffCommandOptions = HandleOptions & { pulled?: boolean };

/** A full Tariff on the CommandBus: a PUT, or one pulled from the CPO's Tariffs Sender. */
export class PutTariff extends Command<TariffHandled> {
  constructor(
    readonly tariff: Tariff,
    readonly options: TariffCommandOptions = {},
  ) {
    super();
  }
}

export class DeleteTariff extends Command<TariffHandled> {
  constructor(
    readonly ref: TariffRef,
    readonly receivedAt: string,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

/** Tariffs as the log holds them. */
@Injectable()
export class TariffStreams {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async put(tariff: Tariff, options: TariffCommandOptions): Promise<TariffHandled> {
    const { pulled, ...handleOptions } = options;
    const party = { countryCode: tariff.country_code, partyId: tariff.party_id };
    const handled = await handleCommand(
      this.store,
      tariffStream(party, tariff.id),
      tariffDecider,
      { type: 'PutTariff', tariff, ...(pulled ? { pulled } : {}) },
      handleOptions,
    );
    return { ...handled, created: handled.events.some((event) => event.type === 'TariffPublished' && event.data.version === 1) };
  }

  async delete(ref: TariffRef, receivedAt: string, options: HandleOptions): Promise<TariffHandled> {
    const party = { countryCode: ref.country_code, partyId: ref.party_id };
    const handled = await handleCommand(
      this.store,
      tariffStream(party, ref.tariff_id),
      tariffDecider,
      { type: 'DeleteTariff', ref, receivedAt },
      options,
    );
    return { ...handled, created: false };
  }

  /** The tariff as GET answers it: undefined when we never held it or it was deleted. */
  async current(party: PartyId, tariffId: string): Promise<Tariff | undefined> {
    const state = await this.state(party, tariffId);
    return state.removed ? undefined : state.tariff;
  }

  async state(party: PartyId, tariffId: string): Promise<TariffState> {
    return (await currentState(this.store, tariffStream(party, tariffId), tariffDecider)).state;
  }
}

@CommandHandler(PutTariff)
export class PutTariffHandler implements ICommandHandler<PutTariff, TariffHandled> {
  constructor(private readonly tariffs: TariffStreams) {}
  execute({ tariff, options }: PutTariff) {
    return this.tariffs.put(tariff, options);
  }
}

@CommandHandler(DeleteTariff)
export class DeleteTariffHandler implements ICommandHandler<DeleteTariff, TariffHandled> {
  constructor(private readonly tariffs: TariffStreams) {}
  execute({ ref, receivedAt, options }: DeleteTariff) {
    return this.tariffs.delete(ref, receivedAt, options);
  }
}
