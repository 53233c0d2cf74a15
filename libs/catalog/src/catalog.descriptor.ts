import { defineModule } from '@roamledger/module-kit';
import { CATALOG_ROUTE } from './catalog.controller';
import { CatalogModule } from './catalog.module';

/** The catalog projections (locations, EVSE status history, tariff versions), rebuilt from the log, and the /catalog API. */
export const catalogDescriptor = defineModule({
  name: 'catalog',
  description: 'Catalog projections (location tree, EVSE status history, tariff versions) and the /catalog API',
  nestModule: CatalogModule,
  routes: [CATALOG_ROUTE],
});
