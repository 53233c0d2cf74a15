import { Get, Inject } from '@nestjs/common';
import { MODULE_DESCRIPTORS, type ModuleDescriptor, OCPI_VERSION, ourEndpoints, publicRouteUrl } from '@roamledger/module-kit';
import type { Version, VersionDetails } from '@roamledger/ocpi';
import { OcpiController, ocpiResponse } from '@roamledger/ocpi-transport';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { VERSIONS_ROUTE } from './credentials.routes';

/** The versions module: where partners (with Token A or C) discover our endpoints. */
@OcpiController(VERSIONS_ROUTE, { configurationModule: true })
export class VersionsController {
  constructor(
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
    @Inject(MODULE_DESCRIPTORS) private readonly modules: readonly ModuleDescriptor[],
  ) {}

  @Get()
  versions() {
    const versions: Version[] = [
      { version: OCPI_VERSION, url: publicRouteUrl(this.config.publicUrl, `${VERSIONS_ROUTE}/${OCPI_VERSION}`) },
    ];
    return ocpiResponse(versions);
  }

  @Get(OCPI_VERSION)
  details() {
    // Every module of the deployment, whichever service runs it.
    const details: VersionDetails = { version: OCPI_VERSION, endpoints: ourEndpoints(this.config.publicUrl, this.modules) };
    return ocpiResponse(details);
  }
}
