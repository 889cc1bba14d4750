import { describe, expect, it } from 'vitest';
import { HostList, ListLink } from '../src/host-list.js';

class Item {
  readonly a = new ListLink<Item>(this);
  readonly b = new ListLink<Item>(this);
  constructor(readonly name: string) {}
}

function names(list: HostList<Item>): string[] {
  return Array.from(list, (i) => i.name);
}

describe('HostList', () => {
  it('pushes to the tail, rotates head to tail and removes from anywhere', () => {
    const list = new HostList<Item>();
    const [x, y, z] = [new Item('x'), new Item('y'), new Item('z')];
    expect(list.head()).toBeNull();
    expect(list.rotate()).toBeNull();
    list.pushTail(x.a);
    list.pushTail(y.a);
    list.pushTail(z.a);
    expect(list.size).toBe(3);
    expect(names(list)).toEqual(['x', 'y', 'z']);
    expect(list.rotate()).toBe(x);
    expect(names(list)).toEqual(['y', 'z', 'x']);
    expect(list.head()).toBe(y);

    expect(list.remove(z.a)).toBe(true);
    expect(names(list)).toEqual(['y', 'x']);
    expect(list.remove(z.a)).toBe(false);
    expect(list.remove(y.a)).toBe(true);
    expect(list.remove(x.a)).toBe(true);
    expect(list.size).toBe(0);
    expect(list.head()).toBeNull();
    expect(names(list)).toEqual([]);

    list.pushTail(z.a);
    expect(list.rotate()).toBe(z);
    expect(names(list)).toEqual(['z']);
  });

  it('holds one object in two lists through its two links', () => {
    const queue = new HostList<Item>();
    const fifo = new HostList<Item>();
    const [x, y] = [new Item('x'), new Item('y')];
    queue.pushTail(x.a);
    queue.pushTail(y.a);
    fifo.pushTail(y.b);
    fifo.pushTail(x.b);
    queue.rotate();
    expect(names(queue)).toEqual(['y', 'x']);
    expect(names(fifo)).toEqual(['y', 'x']);
    // A link only leaves the list it is in.
    expect(queue.remove(x.b)).toBe(false);
    expect(fifo.remove(x.b)).toBe(true);
    expect(names(queue)).toEqual(['y', 'x']);
    expect(names(fifo)).toEqual(['y']);
    expect(x.b.list).toBeNull();
    expect(x.a.list).toBe(queue);
  });

  it('refuses a link that is already in a list', () => {
    const one = new HostList<Item>();
    const two = new HostList<Item>();
    const x = new Item('x');
    one.pushTail(x.a);
    expect(() => two.pushTail(x.a)).toThrow();
    expect(two.size).toBe(0);
  });

  it('counts one op per operation whatever the length', () => {
    const short = new HostList<Item>();
    const long = new HostList<Item>();
    for (let i = 0; i < 3; i++) short.pushTail(new Item(`s${i}`).a);
    const items = Array.from({ length: 5000 }, (_, i) => new Item(`l${i}`));
    for (const item of items) long.pushTail(item.a);
    const s0 = short.ops;
    const l0 = long.ops;
    short.rotate();
    long.rotate();
    short.head();
    long.head();
    long.remove(items[2500].a);
    expect(short.ops - s0).toBe(2);
    expect(long.ops - l0).toBe(3);
  });
});
