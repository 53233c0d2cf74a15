/** A domain event as deciders produce it: plain data, no I/O, no store fields. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/**
 * Pure domain logic of one aggregate: `decide` turns a command and the current state into events
 * (or throws a rejection), `evolve` folds an event into the state. Events of types it does not
 * know (such as the recorded request that caused them) must leave the state unchanged.
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  initialState: () => State;
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
}

export function foldEvents<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: Iterable<{ type: string; data: unknown }>,
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event as Event);
  return state;
}
