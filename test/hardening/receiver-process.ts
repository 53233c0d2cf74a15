// The receiver app as a process of its own, for the crash test: DATA_DIR from argv[2], listens on
// a free port and prints {"port": n} once it serves.
import { AuditModule } from '@roamledger/audit';
import { createService, loadConfig } from '@roamledger/service';
import { receiverModule } from '../support/receiver-app';

async function main(): Promise<void> {
  const config = loadConfig({
    DATA_DIR: process.argv[2],
    PORT: '0',
    LOG_LEVEL: 'error',
    PARTNER_RATE_LIMIT: '0',
    ...(process.env.REJECTED_EVENTS_PER_MINUTE ? { REJECTED_EVENTS_PER_MINUTE: process.env.REJECTED_EVENTS_PER_MINUTE } : {}),
  });
  // Sealing as the hub does, so a kill can also land in the middle of a seal.
  const app = await createService(
    (c) => receiverModule(c, [], [AuditModule.forRoot({ everyEvents: 25, everySeconds: 1 })]),
    config,
  );
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.on('SIGTERM', () => {
    app.close().then(() => process.exit(0));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
