import { bootstrapModuleService } from '@roamledger/modules';

// One module as its own service (service mode); its descriptor says what it is.
void bootstrapModuleService('tokens');
