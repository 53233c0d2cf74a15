import { Logger } from '@nestjs/common';

// Preloaded by `npm test` into every test process: components used outside a Nest application
// (forwarders, projection runners, stores) log through Nest's static Logger. Their lines stay out
// of the test output unless DEBUG is set; applications the tests start get LOG_LEVEL=silent.
if (!process.env.DEBUG) Logger.overrideLogger(false);
