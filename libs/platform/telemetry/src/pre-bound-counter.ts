import type { Attributes, Meter, MetricOptions } from '@opentelemetry/api';

/** One attribute set of a `PreBoundCounter`: adding is adding to a number. */
export interface BoundCounter {
  add(value: number): void;
}

interface Slot extends BoundCounter {
  readonly attributes: Attributes;
  total: number;
}

/**
 * A monotonic counter whose attribute sets are bound once, for counters on a hot path: the SDK's
 * `Counter.add` hashes its attributes (sorted keys, JSON) on every call, which a request pays for each
 * counter it touches. Here `bind` returns a slot whose `add` is one addition, and the totals are read
 * when metrics are collected, as an observable counter: the same series, type and name on `/metrics`.
 */
export class PreBoundCounter {
  private static readonly registered = new WeakMap<Meter, Map<string, PreBoundCounter>>();
  private readonly slots = new Map<string, Slot>();

  /**
   * The counter `name` of `meter`, made on first use: code that asks twice (two gateway apps in one
   * process) shares its slots and so adds up, as two `createCounter` calls of one name do.
   */
  static of(meter: Meter, name: string, options?: MetricOptions): PreBoundCounter {
    let byName = PreBoundCounter.registered.get(meter);
    if (!byName) PreBoundCounter.registered.set(meter, (byName = new Map()));
    let counter = byName.get(name);
    if (!counter) byName.set(name, (counter = new PreBoundCounter(meter, name, options)));
    return counter;
  }

  private constructor(meter: Meter, name: string, options?: MetricOptions) {
    meter.createObservableCounter(name, options).addCallback((result) => {
      for (const slot of this.slots.values()) if (slot.total > 0) result.observe(slot.total, slot.attributes);
    });
  }

  /** The slot of an attribute set; `key` names it (equal keys, equal attributes), so callers can look it up without building the set. */
  bind(key: string, attributes: () => Attributes): BoundCounter {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      const created: Slot = {
        attributes: Object.freeze({ ...attributes() }),
        total: 0,
        add(value: number) {
          if (value > 0) created.total += value;
        },
      };
      slot = created;
      this.slots.set(key, slot);
    }
    return slot;
  }
}
