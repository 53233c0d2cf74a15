import { Get, Inject, Param } from '@nestjs/common';
import {
  isOcpiVersion,
  MODULE_DESCRIPTORS,
  type ModuleDescriptor,
  offeredVersions,
  ourEndpoints,
  publicRouteUrl,
} from '@roamledger/module-kit';
import type { Version } from '@roamledger/ocpi';
import { VersionNumber } from '@roamledger/ocpi/values';
import { OcpiController, OcpiError, ocpiResponse } from '@roamledger/ocpi-transport';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { VERSIONS_ROUTE } from './credentials.routes';

/** The versions module: where partners (with Token A or C) discover our versions and their endpoints. */
@OcpiController(VERSIONS_ROUTE, { configurationModule: true })
export class VersionsController {
  constructor(
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
    @Inject(MODULE_DESCRIPTORS) private readonly modules: readonly ModuleDescriptor[],
  ) {}

  /** Every version some module of the deployment speaks, whichever service runs it. */
  @Get()
  versions() {
    const versions: Version[] = offeredVersions(this.modules).map((version) => ({
      version,
      url: publicRouteUrl(this.config.publicUrl, `${VERSIONS_ROUTE}/${version}`),
    }));
    return ocpiResponse(versions);
  }

  @Get(':version')
  details(@Param('version') version: string) {
    if (!isOcpiVersion(version) || !offeredVersions(this.modules).includes(version)) {
      throw OcpiError.notFound(`No version ${version} here: see ${VERSIONS_ROUTE}`);
    }
    const endpoints = ourEndpoints(this.config.publicUrl, this.modules, version);
    // 2.1.1 endpoints are a module id and a URL; interface roles came with 2.2.
    return ocpiResponse({
      version,
      endpoints: version === VersionNumber.V2_1_1 ? endpoints.map(({ identifier, url }) => ({ identifier, url })) : endpoints,
    });
  }
}
