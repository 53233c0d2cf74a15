/**
 * Merkle trees as RFC 6962 / RFC 9162 (Certificate Transparency) define them, so any CT library
 * or the few lines in libs/audit/README.md can check our roots and proofs:
 *
 *   leaf(d)    = sha256(0x00 || d)
 *   node(l, r) = sha256(0x01 || l || r)
 *   MTH({})    = sha256("")
 *   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two below n
 *
 * Our leaf data `d` is the canonical JSON of `{ hash, position }` of one event. Everything here is
 * pure; hashes are 32-byte Buffers inside and lowercase hex in formats.
 */
import { createHash, hash } from 'node:crypto';
import { canonicalJson } from '@roamledger/kernel';

/** Anything indexable holding leaf hashes: an array, or a LeafBuffer for long logs. */
export interface LeafList {
  readonly length: number;
  at(index: number): Buffer | undefined;
}

const NODE_PREFIX = Buffer.from([1]);
export const EMPTY_ROOT = createHash('sha256').digest();

/** The leaf data of one event: what a seal commits to. The position is in it, so moving an event changes its leaf. */
export function leafData(position: number, eventHash: string): string {
  // canonicalJson({ hash, position }) written out: one leaf per event on every verify and seal.
  return `{"hash":${JSON.stringify(eventHash)},"position":${canonicalJson(position)}}`;
}

export function leafHash(position: number, eventHash: string): Buffer {
  // One-shot hashing (no Hash object per leaf): U+0000 is the byte 0x00 in UTF-8.
  return hash('sha256', `\u0000${leafData(position, eventHash)}`, 'buffer') as unknown as Buffer;
}

/** 0x01 || left || right, filled per call: hashing is synchronous, so one buffer serves every call. */
const nodeInput = Buffer.alloc(65, NODE_PREFIX[0]);

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  if (left.length !== 32 || right.length !== 32) {
    return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
  }
  left.copy(nodeInput, 1);
  right.copy(nodeInput, 33);
  return hash('sha256', nodeInput, 'buffer') as unknown as Buffer;
}

/** Largest power of two strictly below n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function leafAt(leaves: LeafList, index: number): Buffer {
  const leaf = leaves.at(index);
  if (!leaf) throw new RangeError(`no leaf at index ${index}`);
  return leaf;
}

/** MTH over leaves[start, end). */
export function merkleRoot(leaves: LeafList, start = 0, end = leaves.length): Buffer {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leafAt(leaves, start);
  const k = split(n);
  return nodeHash(merkleRoot(leaves, start, start + k), merkleRoot(leaves, start + k, end));
}

/** PATH(m, D[n]) of RFC 6962: the sibling hashes from the leaf up to the root. */
export function inclusionPath(leaves: LeafList, index: number, start = 0, end = leaves.length): Buffer[] {
  const n = end - start;
  if (index < 0 || index >= n) throw new RangeError(`leaf index ${index} outside a tree of ${n}`);
  if (n === 1) return [];
  const k = split(n);
  return index < k
    ? [...inclusionPath(leaves, index, start, start + k), merkleRoot(leaves, start + k, end)]
    : [...inclusionPath(leaves, index - k, start + k, end), merkleRoot(leaves, start, start + k)];
}

/** RFC 9162 §2.1.3.2: whether `leaf` is at `index` in the tree of `size` leaves with `root`. */
export function verifyInclusion(index: number, size: number, leaf: Buffer, path: Buffer[], root: Buffer): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** PROOF(m, D[n]) of RFC 6962: shows the tree of the first m leaves is a prefix of the tree of all n. */
export function consistencyPath(leaves: LeafList, oldSize: number, newSize = leaves.length): Buffer[] {
  if (oldSize < 0 || oldSize > newSize) throw new RangeError(`cannot prove ${oldSize} leaves consistent with ${newSize}`);
  if (oldSize === 0 || oldSize === newSize) return [];
  return subproof(leaves, oldSize, 0, newSize, true);
}

function subproof(leaves: LeafList, m: number, start: number, end: number, complete: boolean): Buffer[] {
  const n = end - start;
  if (m === n) return complete ? [] : [merkleRoot(leaves, start, end)];
  const k = split(n);
  return m <= k
    ? [...subproof(leaves, m, start, start + k, complete), merkleRoot(leaves, start + k, end)]
    : [...subproof(leaves, m - k, start + k, end, false), merkleRoot(leaves, start, start + k)];
}

/** RFC 9162 §2.1.4.2: whether the tree (newSize, newRoot) extends the tree (oldSize, oldRoot) unchanged. */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Buffer, newRoot: Buffer, path: Buffer[]): boolean {
  if (!Number.isInteger(oldSize) || !Number.isInteger(newSize) || oldSize < 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return path.length === 0 && oldRoot.equals(newRoot);
  if (oldSize === 0) return path.length === 0 && oldRoot.equals(EMPTY_ROOT);
  if (path.length === 0) return false;
  const nodes = isPowerOfTwo(oldSize) ? [oldRoot, ...path] : path;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = nodes[0];
  let sr = nodes[0];
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(oldRoot) && sr.equals(newRoot) && sn === 0;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/**
 * The root of a growing tree in O(log n) memory: the perfect subtrees along its right edge.
 * `verify` walks logs far larger than it should hold in memory.
 */
export class MerkleFrontier {
  private readonly subtrees: Array<{ size: number; hash: Buffer }> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(leaf: Buffer): void {
    let node = { size: 1, hash: leaf };
    for (let top = this.subtrees.at(-1); top && top.size === node.size; top = this.subtrees.at(-1)) {
      this.subtrees.pop();
      node = { size: top.size * 2, hash: nodeHash(top.hash, node.hash) };
    }
    this.subtrees.push(node);
    this.count += 1;
  }

  root(): Buffer {
    if (this.subtrees.length === 0) return EMPTY_ROOT;
    let root = this.subtrees[this.subtrees.length - 1].hash;
    for (let i = this.subtrees.length - 2; i >= 0; i--) root = nodeHash(this.subtrees[i].hash, root);
    return root;
  }
}

/** Leaf hashes packed 32 bytes each: a million leaves in 32 MB, for proofs over a whole log. */
export class LeafBuffer implements LeafList {
  private bytes = Buffer.alloc(32 * 1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(leaf: Buffer): void {
    if ((this.count + 1) * 32 > this.bytes.length) {
      const grown = Buffer.alloc(this.bytes.length * 2);
      this.bytes.copy(grown);
      this.bytes = grown;
    }
    leaf.copy(this.bytes, this.count * 32);
    this.count += 1;
  }

  at(index: number): Buffer | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.bytes.subarray(index * 32, index * 32 + 32);
  }
}

export const toHex = (hash: Buffer): string => hash.toString('hex');

/** Parses 64 lowercase hex characters; anything else is not a sha256 from our formats. */
export function fromHex(hex: string): Buffer {
  if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a sha256 hex string: ${String(hex)}`);
  return Buffer.from(hex, 'hex');
}
