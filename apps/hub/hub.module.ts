import { type DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '@roamledger/audit';
import { BillingModule } from '@roamledger/billing';
import { CdrsModule } from '@roamledger/cdrs';
import { CredentialsModule, VersionsModule } from '@roamledger/credentials';
import { MessagingModule } from '@roamledger/messaging';
import { type RoamledgerConfig, ServiceModule } from '@roamledger/service';
import { SessionsModule } from '@roamledger/sessions';

/** Every OCPI module in one process, as `npm start` runs it on the embedded store. */
@Module({})
export class HubModule {
  static forRoot(config: RoamledgerConfig): DynamicModule {
    return {
      module: HubModule,
      imports: [
        ServiceModule.forRoot(config),
        VersionsModule,
        CredentialsModule,
        SessionsModule,
        CdrsModule,
        BillingModule,
        AuditModule.forRoot(),
        // Publishes the log to Kafka only when KAFKA_BROKERS is set; the hub needs no broker.
        MessagingModule,
      ],
    };
  }
}
