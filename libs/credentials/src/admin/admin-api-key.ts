import { Inject, Injectable } from '@nestjs/common';
import { BearerKeyGuard, loadApiKey, type RoamledgerConfig } from '@roamledger/service';

/** DI token: the admin API key this process accepts. */
export const ADMIN_API_KEY = Symbol('ADMIN_API_KEY');

export const ADMIN_API_KEY_FILE = 'admin-api-key';

/** ADMIN_API_KEY, or the key generated into DATA_DIR/admin-api-key at first start. */
export function loadAdminApiKey(config: RoamledgerConfig): string {
  return loadApiKey(config, 'admin', config.adminApiKey, ADMIN_API_KEY_FILE);
}

/** `Authorization: Bearer <ADMIN_API_KEY>` on every /admin route. */
@Injectable()
export class AdminKeyGuard extends BearerKeyGuard {
  constructor(@Inject(ADMIN_API_KEY) key: string) {
    super(key, 'admin', 'ADMIN_API_KEY');
  }
}
