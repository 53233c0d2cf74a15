import { TopicMap } from '@roamledger/module-kit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';

/** The deployment's topic map, as every service derives it from the module descriptors. */
export const TOPIC_MAP = new TopicMap(ROAMLEDGER_MODULES);
