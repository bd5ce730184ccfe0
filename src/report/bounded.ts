/** A `KeepLast` as plain data, for a report checkpoint. */
export interface KeepLastData<T> {
  items: T[];
  dropped: number;
}

/**
 * The last `limit` items pushed, and how many earlier ones were dropped: what a report shows of a
 * history that may hold millions of events, in memory that does not grow with it.
 */
export class KeepLast<T> {
  private items: T[] = [];
  dropped = 0;

  constructor(
    readonly limit: number,
    saved?: KeepLastData<T>,
  ) {
    if (saved) {
      this.items = saved.items;
      this.dropped = saved.dropped;
    }
  }

  /** What a checkpoint keeps: the items themselves (shared with whoever else holds them) and the count. */
  data(): KeepLastData<T> {
    return { items: this.items, dropped: this.dropped };
  }

  push(item: T): void {
    this.items.push(item);
    // Trim in batches so pushing stays O(1) amortised.
    if (this.items.length >= 2 * this.limit) this.trim();
  }

  /** The kept items, oldest first. */
  toArray(): T[] {
    this.trim();
    return this.items;
  }

  private trim(): void {
    const excess = this.items.length - this.limit;
    if (excess <= 0) return;
    this.items = this.items.slice(excess);
    this.dropped += excess;
  }
}

/** A binary min-heap under `before(a, b)` ("a comes first"). */
export class MinHeap<T> {
  private readonly items: T[];

  /** `saved` is the `contents` of an earlier heap under the same order. */
  constructor(
    private readonly before: (a: T, b: T) => boolean,
    saved: T[] = [],
  ) {
    this.items = saved;
  }

  /** The heap's array, in heap order (not sorted): what a checkpoint keeps. */
  get contents(): T[] {
    return this.items;
  }

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
    return top;
  }
}
