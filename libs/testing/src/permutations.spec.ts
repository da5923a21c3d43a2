import { deliverInEveryOrder, type ConsumerUnderTest } from './permutations';

interface Fact {
  type: string;
  revision: number;
  value: string;
}

/** The last event wins: right only in history order. */
const lastWriterWins: ConsumerUnderTest<Fact, string | undefined> = {
  async start() {
    let value: string | undefined;
    return { deliver: async (event) => void (value = event.value), state: async () => value };
  },
};

/** The newest revision wins: right in any order. */
const newestRevisionWins: ConsumerUnderTest<Fact, string | undefined> = {
  async start() {
    let kept: Fact | undefined;
    return {
      deliver: async (event) => void (kept = kept && kept.revision >= event.revision ? kept : event),
      state: async () => kept?.value,
    };
  },
};

const history: Fact[] = [
  { type: 'a', revision: 1, value: 'one' },
  { type: 'b', revision: 2, value: 'two' },
  { type: 'a', revision: 3, value: 'three' },
];

describe('deliverInEveryOrder', () => {
  it('when a consumer depends on arrival order, then it fails naming the order that broke it', async () => {
    await expect(deliverInEveryOrder(lastWriterWins, history)).rejects.toThrow(/Delivered in the order \[.*\], the consumer ends in/);
  });

  it('when a consumer keeps the newest revision, then every order (with duplicates) converges', async () => {
    await expect(deliverInEveryOrder(newestRevisionWins, history, { duplicates: 2 })).resolves.toEqual({ orders: 6, state: 'three' });
  });

  it('when events of one type keep their order, then only the orders the topics allow are tried', async () => {
    const report = await deliverInEveryOrder(newestRevisionWins, history, { orderedWithin: (event) => event.type });
    expect(report.orders).toBe(3);
  });

  it('when a delivery keeps failing, then the run fails as the dead-letter queue would', async () => {
    const refusing: ConsumerUnderTest<Fact, string> = {
      start: async () => ({ deliver: () => Promise.reject(new Error('no')), state: async () => '' }),
    };
    await expect(deliverInEveryOrder(refusing, history)).rejects.toThrow(/never got handled/);
  });

  it('when a delivery fails until another event arrived, then it is retried after it, as the bus does', async () => {
    const needsFirst: ConsumerUnderTest<Fact, string[]> = {
      async start() {
        const seen: string[] = [];
        return {
          async deliver(event) {
            if (event.revision > 1 && !seen.includes('one')) throw new Error('not yet');
            if (!seen.includes(event.value)) seen.push(event.value);
          },
          state: async () => [...seen].sort(),
        };
      },
    };
    await expect(deliverInEveryOrder(needsFirst, history, { duplicates: 1, seed: 3 })).resolves.toMatchObject({
      state: ['one', 'three', 'two'],
    });
  });
});
