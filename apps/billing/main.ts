import { Module } from '@nestjs/common';
import { AuditModule } from '@roamledger/audit';
import { BillingModule } from '@roamledger/billing';
import { KafkaProjectionSourceModule, MessagingModule } from '@roamledger/messaging';
import { bootstrapService, ServiceModule } from '@roamledger/service';

/** The billing module on its own: the billing projection and the /finance API. */
@Module({})
class BillingService {}

void bootstrapService('billing', (config) => ({
  module: BillingService,
  // With KAFKA_BROKERS: the projection follows the event topics (KafkaProjectionSourceModule).
  imports: [ServiceModule.forRoot(config), KafkaProjectionSourceModule, BillingModule, MessagingModule, AuditModule.forRoot()],
}));
