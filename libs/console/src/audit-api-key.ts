import { Inject, Injectable } from '@nestjs/common';
import { BearerKeyGuard, loadApiKey, type RoamledgerConfig } from '@roamledger/service';

/** DI token: the audit API key this process accepts. */
export const AUDIT_API_KEY = Symbol('AUDIT_API_KEY');

export const AUDIT_API_KEY_FILE = 'audit-api-key';

/**
 * AUDIT_API_KEY, or the key generated into DATA_DIR/audit-api-key at first start. A key of its own:
 * it opens the read-only audit API and nothing else (not /finance, whose exports carry token uids
 * and contract ids), and the finance key does not open /audit.
 */
export function loadAuditApiKey(config: RoamledgerConfig): string {
  return loadApiKey(config, 'audit', config.auditApiKey, AUDIT_API_KEY_FILE);
}

/** `Authorization: Bearer <AUDIT_API_KEY>` on every /audit route but its OpenAPI document. */
@Injectable()
export class AuditKeyGuard extends BearerKeyGuard {
  constructor(@Inject(AUDIT_API_KEY) key: string) {
    super(key, 'audit', 'AUDIT_API_KEY');
  }
}
