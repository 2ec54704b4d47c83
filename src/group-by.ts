/** Groups values by a key, keeping first-seen key order and input order within a group (linear time). */
export function groupBy<T, K>(values: Iterable<T>, key: (value: T, index: number) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  let i = 0;
  for (const v of values) {
    const k = key(v, i++);
    const group = groups.get(k);
    if (group) group.push(v);
    else groups.set(k, [v]);
  }
  return groups;
}
