// A forwarder in a process of its own (forwarder-process.ts), as a service runs it: its JSON log
// lines collected, so a test can wait for what it says.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_DATABASE_URL } from '../support/postgres';
import { projectRoot } from '../support/project-root';

export interface ForwarderProcess {
  process: ChildProcess;
  /** The `message` of each JSON line it logged. */
  lines: string[];
}

/** Starts one on the PostgreSQL store of the test; `env` names its schema, broker, topics and the rest. */
export function startForwarderProcess(env: Record<string, string>): ForwarderProcess {
  const root = projectRoot();
  const child = spawn(
    process.execPath,
    ['-r', path.join(root, 'tsconfig-paths-dist.js'), path.join(root, 'dist/test/messaging/forwarder-process.js')],
    { env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString();
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) if (part.startsWith('{')) lines.push((JSON.parse(part) as { message: string }).message);
  });
  return { process: child, lines };
}
