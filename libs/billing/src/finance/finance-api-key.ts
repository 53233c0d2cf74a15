import { Inject, Injectable } from '@nestjs/common';
import { BearerKeyGuard, loadApiKey, type RoamledgerConfig } from '@roamledger/service';

/** DI token: the finance API key this process accepts. */
export const FINANCE_API_KEY = Symbol('FINANCE_API_KEY');

export const FINANCE_API_KEY_FILE = 'finance-api-key';

/**
 * FINANCE_API_KEY from the environment or, when unset, DATA_DIR/finance-api-key: generated (0600)
 * on first start and printed that once, so the operator can hand it to finance. A key of its own:
 * neither an OCPI token nor the admin key opens the finance API.
 */
export function loadFinanceApiKey(config: RoamledgerConfig): string {
  return loadApiKey(config, 'finance', config.financeApiKey, FINANCE_API_KEY_FILE);
}

/** `Authorization: Bearer <FINANCE_API_KEY>` on every /finance route but the OpenAPI document. */
@Injectable()
export class FinanceKeyGuard extends BearerKeyGuard {
  constructor(@Inject(FINANCE_API_KEY) key: string) {
    super(key, 'finance', 'FINANCE_API_KEY');
  }
}
