import assert from 'node:assert/strict';
import { type Decider, type DomainEvent, foldEvents } from './decider';

/** What a rejected command is expected to throw: an Error class, a message pattern, or a predicate. */
export type ExpectedRejection = RegExp | (new (...args: never[]) => Error) | ((error: unknown) => boolean);

/** A command decided on a given history. Decided lazily, so `then` can also expect a rejection. */
export interface When<Event extends DomainEvent, State> {
  readonly events: Event[];
  readonly types: Array<Event['type']>;
  /** The state after the decided events. */
  readonly after: State;
  /** Asserts the decided events (deeply), or that the command is rejected as `expected` says. */
  then(expected: Event[] | ExpectedRejection): When<Event, State>;
}

export interface Given<Command, Event extends DomainEvent, State> {
  /** The state folded from the history. */
  readonly state: State;
  when(command: Command): When<Event, State>;
}

/**
 * Given/when/then over a pure decider, with no store, clock or Nest: the one way decider tests
 * are written. `deciderSpec(sessionDecider).given([started]).when(patch).then([...])`.
 */
export function deciderSpec<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>) {
  return {
    given(history: readonly Event[]): Given<Command, Event, State> {
      const state = foldEvents(decider, history);
      return {
        state,
        when(command) {
          let decided: Event[] | undefined;
          const events = () => {
            decided ??= decider.decide(command, state);
            return decided;
          };
          const when: When<Event, State> = {
            get events() {
              return events();
            },
            get types() {
              return events().map((event) => event.type);
            },
            get after() {
              return events().reduce((current, event) => decider.evolve(current, event), state);
            },
            // biome-ignore lint/suspicious/noThenProperty: given/when/then is the vocabulary; a spec is never awaited.
            then(expected) {
              if (Array.isArray(expected)) assert.deepEqual(events(), expected);
              else assert.throws(() => decider.decide(command, state), expected as RegExp);
              return when;
            },
          };
          return when;
        },
      };
    },
  };
}
