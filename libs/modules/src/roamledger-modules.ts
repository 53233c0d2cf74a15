import { billingDescriptor } from '@roamledger/billing';
import { catalogDescriptor } from '@roamledger/catalog';
import { cdrsDescriptor } from '@roamledger/cdrs';
import { commandsDescriptor } from '@roamledger/commands';
import { credentialsDescriptor, versionsDescriptor } from '@roamledger/credentials';
import { hubClientInfoDescriptor } from '@roamledger/hubclientinfo';
import { locationsDescriptor } from '@roamledger/locations';
import type { ModuleDescriptor } from '@roamledger/module-kit';
import { pullDescriptor } from '@roamledger/pull';
import { sessionsDescriptor } from '@roamledger/sessions';
import { tariffsDescriptor } from '@roamledger/tariffs';
import { tokensDescriptor } from '@roamledger/tokens';

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
  tokensDescriptor,
  commandsDescriptor,
  hubClientInfoDescriptor,
  pullDescriptor,
  billingDescriptor,
  catalogDescriptor,
];

export function moduleNamed(name: string): ModuleDescriptor {
  const module = ROAMLEDGER_MODULES.find((candidate) => candidate.name === name);
  if (!module) throw new Error(`No module named ${name}; there are ${ROAMLEDGER_MODULES.map((m) => m.name).join(', ')}`);
  return module;
}
