/**
 * Puts `key` in `map` as its most recent entry (a Map iterates in insertion order); beyond `limit`
 * entries the least recent is removed and returned, so a caller can act on what it drops.
 */
export function setMostRecent<K, V>(map: Map<K, V>, key: K, value: V, limit: number): [K, V] | undefined {
  map.delete(key);
  map.set(key, value);
  if (map.size <= limit) return undefined;
  const oldest = map.entries().next().value as [K, V];
  map.delete(oldest[0]);
  return oldest;
}
