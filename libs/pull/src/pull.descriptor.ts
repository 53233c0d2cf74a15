import { defineModule } from '@roamledger/module-kit';
import { ADMIN_PULL_ROUTE } from './admin-pull.controller';
import { PULL_STREAM_PREFIX, pullDecider } from './pull.decider';
import { PullModule } from './pull.module';

/**
 * Pulling partners' Sender interfaces, scheduled and on demand (/admin/pull), for every module
 * that offers a pull. Its service runs those modules' commands too.
 */
export const pullDescriptor = defineModule({
  name: 'pull',
  description: "Pull of partners' Sender interfaces (scheduled, and /admin/pull) for every module that offers one",
  nestModule: PullModule,
  routes: [ADMIN_PULL_ROUTE],
  replicas: { count: 1, why: 'Every replica runs the schedule: one pulls each partner once per interval, not once per replica.' },
  streams: [{ prefix: PULL_STREAM_PREFIX, aggregate: 'Pull runs', decider: pullDecider }],
  topic: 'events',
});
