import { EventEmitter } from 'node:events';
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
import type { PartyReachabilityPort } from '@roamledger/module-kit';
import { type ClientInfo, ConnectionStatus, type PartyId } from '@roamledger/ocpi';
import { type ClientInfoState, clientInfoDecider, clientInfoStream } from './client-info.decider';
import type { ClientInfoEvent } from './client-info.events';

export type ClientInfoHandled = Handled<ClientInfoEvent, ClientInfoState>;

/** A hub's PUT of one party's ClientInfo. */
export class PutClientInfo extends Command<ClientInfoHandled> {
  constructor(
    readonly info: ClientInfo,
    readonly partnerId: string,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

const UNREACHABLE = new Set<string>([ConnectionStatus.OFFLINE, ConnectionStatus.SUSPENDED]);

/**
 * PARTY_REACHABILITY from the clientinfo streams: a party the hub reported OFFLINE or SUSPENDED is
 * not called; the news that it is CONNECTED again reaches the listeners of this process.
 */
@Injectable()
export class ClientInfoStreams implements PartyReachabilityPort {
  private readonly reconnects = new EventEmitter().setMaxListeners(0);

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async handle(command: PutClientInfo): Promise<ClientInfoHandled> {
    const party = { countryCode: command.info.country_code, partyId: command.info.party_id };
    const handled = await handleCommand(
      this.store,
      clientInfoStream(party),
      clientInfoDecider,
      { type: 'PutClientInfo', info: command.info, partnerId: command.partnerId },
      command.options,
    );
    for (const event of handled.events) {
      if (
        event.type === 'ClientInfoUpdated' &&
        event.data.status === ConnectionStatus.CONNECTED &&
        event.data.previous_status &&
        UNREACHABLE.has(event.data.previous_status)
      ) {
        this.reconnects.emit('reconnect', { countryCode: event.data.country_code, partyId: event.data.party_id });
      }
    }
    return handled;
  }

  async current(party: PartyId): Promise<ClientInfo | undefined> {
    return (await currentState(this.store, clientInfoStream(party), clientInfoDecider)).state.info;
  }

  async unreachable(party: PartyId): Promise<string | undefined> {
    const status = (await this.current(party))?.status;
    return status && UNREACHABLE.has(status) ? status : undefined;
  }

  onReconnect(listener: (party: PartyId) => void): () => void {
    this.reconnects.on('reconnect', listener);
    return () => this.reconnects.off('reconnect', listener);
  }
}

@CommandHandler(PutClientInfo)
export class PutClientInfoHandler implements ICommandHandler<PutClientInfo, ClientInfoHandled> {
  constructor(private readonly streams: ClientInfoStreams) {}

  execute(command: PutClientInfo): Promise<ClientInfoHandled> {
    return this.streams.handle(command);
  }
}
