/**
 * A least-recently-used cache bounded by a byte budget. Pure data structure: the caller says how
 * many bytes each entry holds; inserting evicts the least recently used entries until the total
 * fits the budget again. The entry just inserted is never evicted by its own insertion, so one
 * entry larger than the whole budget is still served (alone).
 */
export class ByteLru<K, V> {
  /** Map iteration order is insertion order: the first key is the least recently used. */
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private total = 0;
  /** Entries evicted since construction. */
  evictions = 0;

  constructor(readonly budget: number) {
    if (!(budget > 0)) throw new RangeError("the budget must be positive");
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.total;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value, marked most recently used. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Inserts (or replaces) an entry as most recently used; returns the evicted keys. */
  set(key: K, value: V, bytes: number): K[] {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.total -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    const evicted: K[] = [];
    for (const [k, e] of this.entries) {
      if (this.total <= this.budget || k === key) break;
      this.entries.delete(k);
      this.total -= e.bytes;
      evicted.push(k);
      this.evictions++;
    }
    return evicted;
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.total -= entry.bytes;
    return true;
  }

  /** Keys from least to most recently used. */
  keys(): K[] {
    return [...this.entries.keys()];
  }
}
