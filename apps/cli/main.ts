import { runCli } from '@roamledger/credentials';
import { runTokenCli } from '@roamledger/tokens';

const argv = process.argv.slice(2);
const run = argv[0] === 'token' ? runTokenCli(argv, process.env, { progress: process.stderr }) : runCli(argv);
void run.then((result) => {
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
});
