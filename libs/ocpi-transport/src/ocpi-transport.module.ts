import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { OcpiAuthGuard } from './ocpi-auth.guard';
import { OcpiExceptionFilter } from './ocpi-exception.filter';

/** Import once per app: answers every /ocpi failure in the OCPI envelope. */
@Module({
  providers: [{ provide: APP_FILTER, useClass: OcpiExceptionFilter }, OcpiAuthGuard],
  exports: [OcpiAuthGuard],
})
export class OcpiTransportModule {}
