import { Get, Inject } from '@nestjs/common';
import { OCPI_ROUTES, ourVersionDetails, ourVersions } from '@roamledger/ocpi';
import { OcpiController, ocpiResponse } from '@roamledger/ocpi-transport';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';

/** The versions module: where partners (with Token A or C) discover our endpoints. */
@OcpiController(OCPI_ROUTES.versions, { configurationModule: true })
export class VersionsController {
  constructor(@Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig) {}

  @Get()
  versions() {
    return ocpiResponse(ourVersions(this.config.publicUrl));
  }

  @Get('2.2.1')
  details() {
    return ocpiResponse(ourVersionDetails(this.config.publicUrl));
  }
}
