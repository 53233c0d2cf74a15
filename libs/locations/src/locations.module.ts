import { Module } from '@nestjs/common';
import { OcpiTransportModule } from '@roamledger/ocpi-transport';
import { LOCATION_COMMAND_HANDLERS, LocationStreams } from './location.commands';
import { Locations211Controller, LocationsController } from './locations.controller';

/** The eMSP Locations receiver; its commands also take Locations pulled from a CPO's Sender. */
@Module({
  imports: [OcpiTransportModule],
  controllers: [LocationsController, Locations211Controller],
  providers: [LocationStreams, ...LOCATION_COMMAND_HANDLERS],
  exports: [LocationStreams],
})
export class LocationsModule {}
