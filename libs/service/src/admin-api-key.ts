import { Inject, Injectable } from '@nestjs/common';
import type { ApiDocumentSpec } from './api-documents';
import { BearerKeyGuard, loadApiKey } from './api-key';
import type { RoamledgerConfig } from './config';

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

/** The OpenAPI document of every /admin route (partners, pull, tokens), served at /admin/docs. */
export const ADMIN_API: ApiDocumentSpec = {
  name: 'admin',
  path: 'admin/docs',
  title: 'Roamledger admin API',
  description:
    'The operator API: partner connections (invite, connect, suspend, settings), on-demand pulls and the token register. Plain JSON, not the OCPI envelope.',
  keyDescription: 'ADMIN_API_KEY (generated into DATA_DIR/admin-api-key at first start when unset).',
};
