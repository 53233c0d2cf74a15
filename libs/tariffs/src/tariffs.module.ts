import { Module } from '@nestjs/common';
import { OcpiTransportModule } from '@roamledger/ocpi-transport';
import { DeleteTariffHandler, PutTariffHandler, TariffStreams } from './tariff.commands';
import { Tariffs211Controller, TariffsController } from './tariffs.controller';

/** The eMSP Tariffs receiver; PutTariff also takes Tariffs pulled from a CPO's Sender. */
@Module({
  imports: [OcpiTransportModule],
  controllers: [TariffsController, Tariffs211Controller],
  providers: [TariffStreams, PutTariffHandler, DeleteTariffHandler],
  exports: [TariffStreams],
})
export class TariffsModule {}
