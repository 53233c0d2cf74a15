import { Inject, Injectable } from '@nestjs/common';
import { type ApiDocumentSpec, BearerKeyGuard, loadApiKey, type RoamledgerConfig } from '@roamledger/service';

/** DI token: the driver-app API key this process accepts. */
export const APP_API_KEY = Symbol('APP_API_KEY');

export const APP_API_KEY_FILE = 'app-api-key';

/**
 * APP_API_KEY from the environment or, when unset, DATA_DIR/app-api-key: generated (0600) on first
 * start and printed that once. A key of its own: neither the admin nor the finance key opens /api.
 */
export function loadAppApiKey(config: RoamledgerConfig): string {
  return loadApiKey(config, 'app', config.appApiKey, APP_API_KEY_FILE);
}

/** `Authorization: Bearer <APP_API_KEY>` on every /api route. */
@Injectable()
export class AppKeyGuard extends BearerKeyGuard {
  constructor(@Inject(APP_API_KEY) key: string) {
    super(key, 'app', 'APP_API_KEY');
  }
}

/** The OpenAPI document of the driver-app API, served at /api/docs. */
export const APP_API: ApiDocumentSpec = {
  name: 'app',
  path: 'api/docs',
  title: 'Roamledger driver-app API',
  description:
    'What a driver app asks of the eMSP: remote commands (START_SESSION, STOP_SESSION, RESERVE_NOW, CANCEL_RESERVATION, UNLOCK_CONNECTOR) sent to the CPO, and their outcome. Plain JSON.',
  keyDescription: 'APP_API_KEY (generated into DATA_DIR/app-api-key at first start when unset).',
};
