import type { Redis } from 'ioredis';
import { ConnectionWatchdog } from './watchdog';

/** The two things the watchdog reads of a connection: replies owed, and the socket's bytes read. */
function fakeConnection() {
  const state = { owed: 0, bytesRead: 0, stream: {} as { bytesRead: number } };
  const client = {
    get commandQueue() {
      return { length: state.owed };
    },
    get stream() {
      state.stream.bytesRead = state.bytesRead;
      return state.stream;
    },
  } as unknown as Redis;
  return { client, state };
}

function watchdogOf(...clients: Redis[]) {
  let now = 0;
  const stalls: Array<[Redis, number]> = [];
  const watchdog = new ConnectionWatchdog(clients, {
    deadlineMs: 1000,
    now: () => now,
    onStall: (client, ms) => stalls.push([client, ms]),
  });
  return { watchdog, stalls, at: (ms: number) => (now = ms) };
}

describe('ConnectionWatchdog', () => {
  it('when a connection owes replies and reads no byte for the deadline, then it is reported stalled once; an idle one never is', () => {
    const busy = fakeConnection();
    const idle = fakeConnection();
    const { watchdog, stalls, at } = watchdogOf(busy.client, idle.client);
    try {
      watchdog.check();
      busy.state.owed = 1;
      at(200);
      watchdog.check(); // first seen owing
      at(1000);
      watchdog.check();
      expect(stalls).toEqual([]);
      at(1200);
      watchdog.check();
      expect(stalls).toEqual([[busy.client, 1000]]);
      at(1400);
      watchdog.check();
      expect(stalls).toHaveLength(1);
    } finally {
      watchdog.stop();
    }
  });

  it('when a large reply keeps arriving, or the replies owed are answered, then it is not a stall', () => {
    const receiving = fakeConnection();
    const { watchdog, stalls, at } = watchdogOf(receiving.client);
    try {
      receiving.state.owed = 1;
      for (let ms = 0; ms <= 5000; ms += 200) {
        at(ms);
        receiving.state.bytesRead += 65_536;
        watchdog.check();
      }
      receiving.state.owed = 0;
      at(7000);
      watchdog.check();
      receiving.state.owed = 2;
      at(7200);
      watchdog.check();
      at(8000);
      watchdog.check();
      expect(stalls).toEqual([]);
    } finally {
      watchdog.stop();
    }
  });
});
