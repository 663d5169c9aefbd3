// Keys with the time each was last seen, in last-seen order, for a sliding window that drops the
// expired ones from the front (the duplicate filter's two tables, classify/duplicate-filter.ts).
//
// Why not a Map kept in order by delete-and-set (as the filter had it): V8's Map leaves a hole
// where an entry was deleted and compacts only when it grows or shrinks past a threshold, and an
// iterator walks every hole. A window that slides drops entries from the front on every call, so
// the walk that looks for the first fresh entry stepped over all the holes left since the last
// compaction. Measured in one process, old and new in turns, one scan per ms, a 3 s window (3,000
// entries kept): isDuplicate + settle 8.8–11.4 µs per scan before, 4.0–6.4 after, where the digest
// itself is ~1 µs; isDuplicate is on the scan's path (DESIGN §10). Here the order is a
// queue of (key, time) in two arrays with a moving head, and a Map from key to its latest place in
// that queue; a key seen again is appended, and its older places are skipped when the head reaches
// them. The live entries are visited in exactly the order the ordered Map gave, clock steps
// included, so what is kept and dropped is the same.

export class LastSeen<K> {
  /** Key → index (in queue numbering, never reused) of its latest place in the queue. */
  private readonly latest = new Map<K, number>();
  private keys: K[] = [];
  private times: number[] = [];
  /** Queue number of `keys[0]`; the head is at `head` (queue numbering). */
  private base = 0;
  private head = 0;

  get size(): number {
    return this.latest.size;
  }

  /** When `key` was last seen, if it is still kept. */
  get(key: K): number | undefined {
    const at = this.latest.get(key);
    return at === undefined ? undefined : this.times[at - this.base];
  }

  /** `key` seen at `time`: it moves to the end of the order. */
  set(key: K, time: number): void {
    this.latest.set(key, this.base + this.keys.length);
    this.keys.push(key);
    this.times.push(time);
  }

  /** Drops entries from the front while `now - time >= windowMs`; stops at the first fresh one. */
  prune(now: number, windowMs: number): void {
    const { keys, times, latest } = this;
    let i = this.head - this.base;
    for (; i < keys.length; i++) {
      const key = keys[i] as K;
      // An older place of a key seen again since: not an entry any more.
      if (latest.get(key) !== this.base + i) continue;
      if (now - (times[i] as number) < windowMs) break;
      latest.delete(key);
    }
    this.head = this.base + i;
    this.compact();
  }

  clear(): void {
    this.latest.clear();
    this.keys = [];
    this.times = [];
    this.base = this.head;
  }

  /** Frees the queue's front once the head has passed most of it (amortised O(1) per entry). */
  private compact(): void {
    const dead = this.head - this.base;
    if (dead < 1024 || dead * 2 < this.keys.length) return;
    this.keys = this.keys.slice(dead);
    this.times = this.times.slice(dead);
    this.base = this.head;
  }
}
