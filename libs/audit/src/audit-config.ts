import type { RoamledgerConfig } from '@roamledger/service';
import type { SealPolicy } from './sealer';

/** The sealing policy of a loaded configuration (AUDIT_SEAL_EVERY_EVENTS / AUDIT_SEAL_EVERY_SECONDS). */
export function sealPolicyOf({ audit }: Pick<RoamledgerConfig, 'audit'>): SealPolicy {
  return { everyEvents: audit.sealEveryEvents, everySeconds: audit.sealEverySeconds };
}
