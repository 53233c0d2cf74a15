import { Logger } from '@nestjs/common';
import { runAudit } from '@roamledger/audit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';

// stdout carries results (JSON, NDJSON): library logs may only speak up on stderr.
Logger.overrideLogger(['error', 'warn']);

/**
 * The auditor's command line: `npm run audit -- <command>` (see `--help` and libs/audit/README.md).
 * Opens the store from the hub's environment; with PGlite, against a stopped hub or a copy of DATA_DIR.
 */
runAudit(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin },
  { modules: ROAMLEDGER_MODULES },
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exitCode = 2;
  },
);
