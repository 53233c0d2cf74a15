import { Inject, Injectable } from '@nestjs/common';
import { BearerKeyGuard, loadApiKey, type RoamledgerConfig } from '@roamledger/service';

/** DI token: the catalog API key this process accepts. */
export const CATALOG_API_KEY = Symbol('CATALOG_API_KEY');

export const CATALOG_API_KEY_FILE = 'catalog-api-key';

/** CATALOG_API_KEY from the environment or, when unset, DATA_DIR/catalog-api-key (generated on first start, printed once). */
export function loadCatalogApiKey(config: RoamledgerConfig): string {
  return loadApiKey(config, 'catalog', config.catalogApiKey, CATALOG_API_KEY_FILE);
}

/** `Authorization: Bearer <CATALOG_API_KEY>` on every /catalog route but the OpenAPI document. */
@Injectable()
export class CatalogKeyGuard extends BearerKeyGuard {
  constructor(@Inject(CATALOG_API_KEY) key: string) {
    super(key, 'catalog', 'CATALOG_API_KEY');
  }
}
