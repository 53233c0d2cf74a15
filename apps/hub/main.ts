import { bootstrapHub } from '@roamledger/modules';

void bootstrapHub();
