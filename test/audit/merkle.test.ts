import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  consistencyPath,
  EMPTY_ROOT,
  inclusionPath,
  LeafBuffer,
  leafData,
  leafHash,
  MerkleFrontier,
  merkleRoot,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '@roamledger/audit';

// The Certificate Transparency reference tree (RFC 6962 test data): leaf inputs and roots by size.
const rawLeaf = (hex: string) =>
  createHash('sha256')
    .update(Buffer.from([0]))
    .update(Buffer.from(hex, 'hex'))
    .digest();
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  rawLeaf,
);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const hex = (list: Buffer[]) => list.map(toHex);
const leaves = (n: number) =>
  Array.from({ length: n }, (_, i) => leafHash(i * 3, createHash('sha256').update(String(i)).digest('hex')));

describe('Merkle tree (RFC 6962)', () => {
  test('roots match the Certificate Transparency reference for sizes 0..8', () => {
    assert.equal(toHex(EMPTY_ROOT), CT_ROOTS[0]);
    for (let n = 0; n <= 8; n++) assert.equal(toHex(merkleRoot(CT_LEAVES.slice(0, n))), CT_ROOTS[n], `size ${n}`);
  });

  test('inclusion paths match the reference vectors and verify', () => {
    const vectors: Array<[number, number, string[]]> = [
      [
        0,
        8,
        [
          '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
        ],
      ],
      [
        5,
        8,
        [
          'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
        ],
      ],
    ];
    for (const [index, size, expected] of vectors) {
      const path = inclusionPath(CT_LEAVES.slice(0, size), index);
      assert.deepEqual(hex(path), expected);
      assert.ok(verifyInclusion(index, size, CT_LEAVES[index], path, Buffer.from(CT_ROOTS[size], 'hex')));
    }
  });

  test('consistency paths match the reference vectors and verify', () => {
    const vectors: Array<[number, number, string[]]> = [
      [1, 1, []],
      [
        1,
        8,
        [
          '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
        ],
      ],
      [
        6,
        8,
        [
          '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
        ],
      ],
      [
        2,
        5,
        [
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
        ],
      ],
    ];
    for (const [m, n, expected] of vectors) {
      const path = consistencyPath(CT_LEAVES.slice(0, n), m);
      assert.deepEqual(hex(path), expected, `${m} -> ${n}`);
      assert.ok(verifyConsistency(m, n, Buffer.from(CT_ROOTS[m], 'hex'), Buffer.from(CT_ROOTS[n], 'hex'), path));
    }
  });

  test('every leaf of every tree up to 40 leaves proves its inclusion, and nothing else does', () => {
    for (let n = 1; n <= 40; n++) {
      const list = leaves(n);
      const root = merkleRoot(list);
      for (let i = 0; i < n; i++) {
        const path = inclusionPath(list, i);
        assert.ok(verifyInclusion(i, n, list[i], path, root), `leaf ${i} of ${n}`);
        assert.equal(verifyInclusion(i, n, list[(i + 1) % n], path, root), n === 1, `another leaf at ${i} of ${n}`);
        if (n > 1) assert.equal(verifyInclusion((i + 1) % n, n, list[i], path, root), false, `leaf ${i} at another index`);
        assert.equal(verifyInclusion(i, n, list[i], path, merkleRoot(list, 0, n - 1)), false, 'another root');
      }
      assert.equal(verifyInclusion(n, n, list[0], [], root), false, 'index beyond the tree');
    }
  });

  test('every pair of sizes up to 40 proves consistency, and a changed leaf breaks it', () => {
    const list = leaves(40);
    const roots = Array.from({ length: 41 }, (_, m) => merkleRoot(list, 0, m));
    for (let n = 1; n <= 40; n++) {
      const prefix = list.slice(0, n);
      for (let m = 0; m <= n; m++) {
        const path = consistencyPath(prefix, m);
        assert.ok(verifyConsistency(m, n, roots[m], roots[n], path), `${m} -> ${n}`);
        if (m > 0 && m < n) {
          assert.equal(verifyConsistency(m, n, roots[m - 1], roots[n], path), false, `wrong old root ${m} -> ${n}`);
          const rewritten = [...prefix];
          rewritten[m - 1] = leafHash(999, 'f'.repeat(64));
          const rewrittenRoot = merkleRoot(rewritten);
          assert.equal(
            verifyConsistency(m, n, roots[m], rewrittenRoot, consistencyPath(rewritten, m)),
            false,
            `rewritten ${m} -> ${n}`,
          );
        }
      }
    }
  });

  test('the frontier and the packed leaf buffer give the same roots as the recursive definition', () => {
    const list = leaves(70);
    const frontier = new MerkleFrontier();
    const packed = new LeafBuffer();
    assert.equal(toHex(frontier.root()), CT_ROOTS[0]);
    for (let n = 1; n <= list.length; n++) {
      frontier.push(list[n - 1]);
      packed.push(list[n - 1]);
      assert.equal(toHex(frontier.root()), toHex(merkleRoot(list.slice(0, n))), `size ${n}`);
    }
    assert.equal(toHex(merkleRoot(packed)), toHex(merkleRoot(list)));
    assert.deepEqual(hex(inclusionPath(packed, 33)), hex(inclusionPath(list, 33)));
  });

  test('leaf data is the canonical JSON of hash and position', () => {
    assert.equal(leafData(12, 'ab'.repeat(32)), `{"hash":"${'ab'.repeat(32)}","position":12}`);
    assert.notEqual(toHex(leafHash(12, 'ab'.repeat(32))), toHex(leafHash(13, 'ab'.repeat(32))));
  });
});
