import type { DomainEvent } from '@roamledger/kernel';
import type { ModuleDescriptor } from '@roamledger/module-kit';
import type { AggregateFold } from '../log-audit';

/**
 * `state <stream> --at`: which module's evolve folds a stream, by the stream's prefix, from the
 * modules' descriptors. Streams no module claims are shown as each event type's latest data.
 */
export function aggregateFolds(modules: readonly ModuleDescriptor[]): AggregateFold[] {
  return modules.flatMap((module) =>
    (module.streams ?? []).flatMap(({ prefix, aggregate, decider }) =>
      decider
        ? [
            {
              prefix,
              name: `${aggregate} (libs/${module.name} decider)`,
              initialState: () => decider.initialState(),
              evolve: (state: unknown, event: DomainEvent) => decider.evolve(state, event),
            },
          ]
        : [],
    ),
  );
}
