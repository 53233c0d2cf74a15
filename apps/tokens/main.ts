import { bootstrapModuleService } from '@roamledger/modules';

void bootstrapModuleService('tokens');
