/**
 * One membership slot of an object in a HostList. An object that must be in
 * two lists at once (a host in its queue and in the overload FIFO) carries
 * two links, one per list; each link is in at most one list at a time.
 */
export class ListLink<T> {
  readonly owner: T;
  prev: ListLink<T> | null = null;
  next: ListLink<T> | null = null;
  /** The list this link is in, null when in none; lets remove() check membership in O(1). */
  list: HostList<T> | null = null;

  constructor(owner: T) {
    this.owner = owner;
  }
}

/**
 * Intrusive doubly linked list over ListLinks: every operation is O(1) and
 * allocates nothing (no Array.shift / indexOf / splice). `ops` counts the
 * elementary operations done, so callers can show their paths are O(1).
 */
export class HostList<T> {
  private first: ListLink<T> | null = null;
  private last: ListLink<T> | null = null;
  private count = 0;
  /** Elementary operations performed (pushTail, remove, rotate, peek). */
  ops = 0;

  get size(): number {
    return this.count;
  }

  /** The owner at the head, or null when empty. */
  head(): T | null {
    this.ops++;
    return this.first === null ? null : this.first.owner;
  }

  /** Appends `link`, which must not be in any list. */
  pushTail(link: ListLink<T>): void {
    this.ops++;
    if (link.list !== null) throw new Error('ListLink is already in a list');
    link.list = this;
    link.prev = this.last;
    link.next = null;
    if (this.last === null) this.first = link;
    else this.last.next = link;
    this.last = link;
    this.count++;
  }

  /** Unlinks `link` if it is in this list; returns whether it was. */
  remove(link: ListLink<T>): boolean {
    this.ops++;
    if (link.list !== this) return false;
    if (link.prev === null) this.first = link.next;
    else link.prev.next = link.next;
    if (link.next === null) this.last = link.prev;
    else link.next.prev = link.prev;
    link.prev = null;
    link.next = null;
    link.list = null;
    this.count--;
    return true;
  }

  /** Moves the head to the tail and returns its owner; null when empty. */
  rotate(): T | null {
    this.ops++;
    const link = this.first;
    if (link === null) return null;
    if (link !== this.last) {
      const second = link.next as ListLink<T>;
      second.prev = null;
      this.first = second;
      link.next = null;
      link.prev = this.last;
      (this.last as ListLink<T>).next = link;
      this.last = link;
    }
    return link.owner;
  }

  /** Calls `visit` with each owner from head to tail and its position (0 = head); allocates nothing. */
  forEach(visit: (owner: T, index: number) => void): void {
    let i = 0;
    for (let link = this.first; link !== null; link = link.next) visit(link.owner, i++);
  }

  /** Owners from head to tail (not for hot paths). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let link = this.first; link !== null; link = link.next) yield link.owner;
  }
}
