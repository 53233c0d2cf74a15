import { bootstrapService } from '@roamledger/service';
import { HubModule } from './hub.module';

void bootstrapService('hub', (config) => HubModule.forRoot(config));
