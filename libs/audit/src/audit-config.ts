import { ConfigError } from '@roamledger/service';
import { DEFAULT_SEAL_POLICY, type SealPolicy } from './sealer';

/**
 * The sealing policy from the environment (listed in .env.example):
 *   AUDIT_SEAL_EVERY_EVENTS   seal after this many unsealed events (default 1000, 0: no count trigger)
 *   AUDIT_SEAL_EVERY_SECONDS  seal this long after the oldest unsealed event arrived (default 60, 0: no timer)
 * Both 0 turns the sealer off.
 */
export function loadSealPolicy(env: NodeJS.ProcessEnv = process.env): SealPolicy {
  const problems: string[] = [];
  const read = (name: string, fallback: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) problems.push(`${name} must be a whole number >= 0, got "${raw}"`);
    return value;
  };
  const policy = {
    everyEvents: read('AUDIT_SEAL_EVERY_EVENTS', DEFAULT_SEAL_POLICY.everyEvents),
    everySeconds: read('AUDIT_SEAL_EVERY_SECONDS', DEFAULT_SEAL_POLICY.everySeconds),
  };
  if (problems.length) throw new ConfigError(problems);
  return policy;
}
