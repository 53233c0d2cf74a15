import { billingDescriptor } from '@roamledger/billing';
import { catalogDescriptor } from '@roamledger/catalog';
import { cdrsDescriptor } from '@roamledger/cdrs';
import { credentialsDescriptor, versionsDescriptor } from '@roamledger/credentials';
import { locationsDescriptor } from '@roamledger/locations';
import type { ModuleDescriptor } from '@roamledger/module-kit';
import { pullDescriptor } from '@roamledger/pull';
import { sessionsDescriptor } from '@roamledger/sessions';
import { tariffsDescriptor } from '@roamledger/tariffs';

/**
 * Every module of Roamledger, in the order version details list them. A new module is one more
 * line here, and an apps/<name>/main.ts; everything else is derived from its descriptor.
 */
export const ROAMLEDGER_MODULES: readonly ModuleDescriptor[] = [
  versionsDescriptor,
  credentialsDescriptor,
  sessionsDescriptor,
  cdrsDescriptor,
  locationsDescriptor,
  tariffsDescriptor,
  pullDescriptor,
  billingDescriptor,
  catalogDescriptor,
];

export function moduleNamed(name: string): ModuleDescriptor {
  const module = ROAMLEDGER_MODULES.find((candidate) => candidate.name === name);
  if (!module) throw new Error(`No module named ${name}; there are ${ROAMLEDGER_MODULES.map((m) => m.name).join(', ')}`);
  return module;
}
