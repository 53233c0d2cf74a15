import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { splitCsvLine } from '@roamledger/tokens';
import { projectRoot } from '../support/project-root';
import { startTokensApp, TOKENS_ADMIN_KEY, type TokensHarness } from './tokens-harness';

const run = promisify(execFile);
/** `npm run cli --` without npm: node with the path aliases, on the compiled entry point. */
const CLI = [
  '-r',
  path.join(projectRoot(), 'tsconfig-paths-dist.js'),
  path.join(projectRoot(), 'dist', 'apps', 'cli', 'main.js'),
];

describe('token CLI', () => {
  let hub: TokensHarness;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    hub = await startTokensApp({}, { listen: true });
    dir = mkdtempSync(path.join(tmpdir(), 'token-cli-'));
    env = { ...process.env, PUBLIC_URL: hub.config.publicUrl, ADMIN_API_KEY: TOKENS_ADMIN_KEY, USER: 'carol' };
  });
  after(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [...CLI, 'token', ...args], { env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  test('CSV fields: quoted, with commas and doubled quotes', () => {
    assert.deepEqual(splitCsvLine('a,"b,c","d ""e""",'), ['a', 'b,c', 'd "e"', '']);
    assert.equal(splitCsvLine('a,"b'), undefined);
  });

  test('issue, block, show, unblock, list', async () => {
    const issued = await cli(
      'issue',
      '--country-code',
      'NL',
      '--party-id',
      'RLG',
      '--uid',
      'C001',
      '--contract-id',
      'NL-RLG-C001',
      '--issuer',
      'RL',
    );
    assert.equal(issued.code, 0, issued.stderr);
    assert.equal(JSON.parse(issued.stdout).uid, 'C001');
    assert.equal((await cli('block', 'NL', 'RLG', 'C001')).code, 0);
    const shown = JSON.parse((await cli('show', 'NL', 'RLG', 'C001')).stdout);
    assert.equal(shown.token.valid, false);
    assert.equal(JSON.parse((await cli('unblock', 'NL', 'RLG', 'C001')).stdout).token.valid, true);
    const [, blocked] = await hub.store.readStream('token-NL-RLG-RFID-C001');
    assert.equal((blocked.data as { by: string }).by, 'admin-api:cli:carol');
    await hub.caughtUp();
    assert.equal(JSON.parse((await cli('list', '--party-id', 'RLG')).stdout).total, 1);
    assert.equal((await cli('frobnicate')).code, 2);
  });

  test('import CSV and NDJSON: good rows imported, bad rows reported by line number', async () => {
    const csv = path.join(dir, 'tokens.csv');
    writeFileSync(
      csv,
      [
        'country_code,party_id,uid,type,contract_id,issuer,valid,whitelist,energy_contract.supplier_name',
        'NL,RLG,K001,RFID,NL-RLG-K001,"Roamledger, B.V.",true,ALLOWED,Green',
        'NL,RLG,K002,RFID,NL-RLG-K002,RL,maybe,ALLOWED,',
        'NL,RLG,K003,RFID,NL-RLG-K003,RL,true,ALLOWED',
        'DE,XXX,K004,RFID,DE-XXX-K004,RL,true,ALLOWED,',
        'NL,RLG,K005,APP_USER,NL-RLG-K005,RL,true,NEVER,',
      ].join('\n'),
    );
    const result = await cli('import', csv);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.imported, 2);
    assert.deepEqual(
      report.rejected.map((r: { line: number }) => r.line),
      [3, 4, 5],
    );
    const k001 = await hub.store.readStream('token-NL-RLG-RFID-K001');
    assert.deepEqual((k001[0].data as { token: { energy_contract: unknown } }).token.energy_contract, { supplier_name: 'Green' });
    assert.equal((k001[0].data as { by: string }).by, 'import:tokens.csv');
    assert.equal((await hub.store.readStream('token-NL-RLG-RFID-K002')).length, 0);

    const ndjson = path.join(dir, 'tokens.ndjson');
    writeFileSync(
      ndjson,
      `${JSON.stringify({ country_code: 'NL', party_id: 'RLG', uid: 'N001', type: 'RFID', contract_id: 'C', issuer: 'RL', valid: true, whitelist: 'ALLOWED' })}\n{not json\n\n`,
    );
    const second = JSON.parse((await cli('import', ndjson)).stdout);
    assert.equal(second.imported, 1);
    assert.deepEqual(
      second.rejected.map((r: { line: number }) => r.line),
      [2],
    );
  });
});
