// ConsumedRevisions: deduplication kept in the consumer's own database (PGlite here), in the
// transaction that applies the events, so a redelivery after a crash has no second effect.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openPgliteClient } from '@roamledger/event-store';
import { ConsumedRevisions, RevisionGap } from '@roamledger/messaging';

const event = (stream: string, revision: number) => ({ id: `${stream}#${revision}`, stream, revision });

test('claims each revision once, in the transaction that applies it, and refuses a gap', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'roamledger-consumed-'));
  const db = await openPgliteClient(dir);
  try {
    await ConsumedRevisions.createTable(db);
    await db.query('CREATE TABLE applied (id text PRIMARY KEY)');
    const consumed = new ConsumedRevisions('billing-test');
    const apply = (events: ReturnType<typeof event>[], fail = false) =>
      db.transaction(async (tx) => {
        for (const fresh of await consumed.claim(tx, events)) await tx.query('INSERT INTO applied (id) VALUES ($1)', [fresh.id]);
        if (fail) throw new Error('crash before commit');
      });

    await apply([event('cdr-a', 0), event('session-b', 0), event('cdr-a', 1)]);
    // A crash before commit: neither the effect nor the claim stays.
    await assert.rejects(apply([event('cdr-a', 2)], true), /crash/);
    // At-least-once redelivery of a whole batch, with the one that did not commit.
    await apply([event('cdr-a', 0), event('session-b', 0), event('cdr-a', 1), event('cdr-a', 1), event('cdr-a', 2)]);
    await assert.rejects(apply([event('session-b', 2)]), RevisionGap);
    // Another consumer keeps its own revisions.
    assert.deepEqual(
      (await db.transaction((tx) => new ConsumedRevisions('other').claim(tx, [event('cdr-a', 0)]))).map((e) => e.id),
      ['cdr-a#0'],
    );

    const applied = await db.query<{ id: string }>('SELECT id FROM applied ORDER BY id');
    assert.deepEqual(
      applied.map((row) => row.id),
      ['cdr-a#0', 'cdr-a#1', 'cdr-a#2', 'session-b#0'],
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
