import { inspect, isDeepStrictEqual } from 'node:util';

/** A fresh instance of the consumer under test, with its own empty state. */
export interface ConsumerRun<E, S> {
  /** Hands one event to the consumer as the bus would; a throw means "not handled", and the event is delivered again later. */
  deliver(event: E): Promise<void>;
  /** What a user would notice of the consumer's state, in a form that does not depend on timing or generated ids. */
  state(): Promise<S>;
  close?(): Promise<void>;
}

export interface ConsumerUnderTest<E, S> {
  start(): Promise<ConsumerRun<E, S>>;
}

export interface DeliveryOrderOptions<E> {
  /** Seeds the sample of orders and the place of duplicates, so a failure can be replayed. Default 1. */
  seed?: number;
  /** Redeliveries of already delivered events added to each order (at-least-once). Default 0. */
  duplicates?: number;
  /** Every permutation when there are at most this many, else a seeded sample of this many. Default 120. */
  maxOrders?: number;
  /**
   * Events with the same key keep their relative order (e.g. the event type: one topic per type keeps
   * one tenant's events of a type in order). Default: none, every order is tried.
   */
  orderedWithin?: (event: E) => string;
  /** How an event is named in a failure message. Default: its `type`, or its position. */
  label?: (event: E) => string;
}

export interface DeliveryOrderReport<S> {
  /** Orders tried, besides the history's own. */
  orders: number;
  /** The state every order converged to (the history delivered in its own order). */
  state: S;
}

/**
 * Delivers a tenant's event history to fresh instances of a consumer in every order (or a seeded
 * sample of the orders, with duplicates) and fails unless each ends in the state the history's own
 * order gives. A delivery that throws is retried after the events still waiting (the bus retries it
 * while the other topics move on); one that still throws when nothing else is left fails the run (it
 * would end in the dead-letter queue).
 */
export async function deliverInEveryOrder<E, S>(
  consumer: ConsumerUnderTest<E, S>,
  history: readonly E[],
  options: DeliveryOrderOptions<E> = {},
): Promise<DeliveryOrderReport<S>> {
  const random = seededRandom(options.seed ?? 1);
  const label = options.label ?? ((event: E) => labelOf(event, history));
  const expected = await run(consumer, history, label);
  const orders = ordersOf(history, options.maxOrders ?? 120, random, options.orderedWithin);
  for (const order of orders) {
    const delivered = withDuplicates(order, options.duplicates ?? 0, random);
    const state = await run(consumer, delivered, label);
    if (!isDeepStrictEqual(state, expected)) {
      throw new Error(
        `Delivered in the order [${delivered.map(label).join(', ')}], the consumer ends in\n${inspect(state, { depth: 8 })}\n` +
          `instead of (history order)\n${inspect(expected, { depth: 8 })}`,
      );
    }
  }
  return { orders: orders.length, state: expected };
}

async function run<E, S>(consumer: ConsumerUnderTest<E, S>, events: readonly E[], label: (event: E) => string): Promise<S> {
  const instance = await consumer.start();
  try {
    let waiting = [...events];
    let lastError: unknown;
    while (waiting.length > 0) {
      const failed: E[] = [];
      for (const event of waiting) {
        try {
          await instance.deliver(event);
        } catch (error) {
          failed.push(event);
          lastError = error;
        }
      }
      if (failed.length === waiting.length) {
        throw new Error(
          `Delivered in the order [${events.map(label).join(', ')}], [${failed.map(label).join(', ')}] never got handled: ${inspect(lastError, { depth: 6 })}`,
        );
      }
      waiting = failed;
    }
    return await instance.state();
  } finally {
    await instance.close?.();
  }
}

function ordersOf<E>(
  history: readonly E[],
  maxOrders: number,
  random: () => number,
  orderedWithin: ((event: E) => string) | undefined,
): E[][] {
  const allowed = (order: readonly E[]) => orderedWithin === undefined || keepsOrderWithin(order, history, orderedWithin);
  if (factorial(history.length) <= maxOrders) return permutations(history).filter(allowed);
  const sample: E[][] = [];
  for (let tries = 0; sample.length < maxOrders && tries < maxOrders * 50; tries += 1) {
    const order = shuffled(history, random);
    if (allowed(order)) sample.push(order);
  }
  return sample;
}

function keepsOrderWithin<E>(order: readonly E[], history: readonly E[], key: (event: E) => string): boolean {
  const last = new Map<string, number>();
  for (const event of order) {
    const position = history.indexOf(event);
    const previous = last.get(key(event));
    if (previous !== undefined && previous > position) return false;
    last.set(key(event), position);
  }
  return true;
}

function withDuplicates<E>(order: readonly E[], duplicates: number, random: () => number): E[] {
  const delivered = [...order];
  for (let i = 0; i < duplicates && order.length > 0; i += 1) {
    // A redelivery comes after the first delivery of the same event.
    const original = Math.floor(random() * delivered.length);
    const at = original + 1 + Math.floor(random() * (delivered.length - original));
    delivered.splice(at, 0, delivered[original] as E);
  }
  return delivered;
}

function permutations<E>(items: readonly E[]): E[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

function shuffled<E>(items: readonly E[], random: () => number): E[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j] as E, result[i] as E];
  }
  return result;
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

function labelOf<E>(event: E, history: readonly E[]): string {
  const type = typeof event === 'object' && event !== null && 'type' in event ? String(event.type) : 'event';
  return `${type}#${history.indexOf(event) + 1}`;
}

/** mulberry32: small, fast and good enough to pick orders reproducibly. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
