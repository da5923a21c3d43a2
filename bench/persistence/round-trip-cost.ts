/**
 * Investigation tool (not a scenario): what one database command costs on this machine, in CPU of the
 * client (this process) and of the server (FerretDB, from /proc/<pid>/stat), one command at a time —
 * the unit every per-write and per-event figure of S2/S3 and A1 is made of.
 *
 *   MONGODB_URI=… npx tsx bench/persistence/round-trip-cost.ts [--commands 1000]
 *
 * The server's pid comes from infra/local's pid file (TENANTRY_INFRA_DIR); without it only the client's
 * CPU is printed. The commands run on a throw-away collection of 20 small documents shaped like outbox
 * markers; it is dropped at the end.
 */
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { cpuSeconds, localServerPids } from '../lib/resources';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { commands: { type: 'string', default: '1000' } } });
  const commands = Number(values.commands);
  const uri = process.env['MONGODB_URI'];
  if (!uri) throw new Error('MONGODB_URI is not set (eval "$(bash infra/local/up.sh)")');
  const serverPid = (await localServerPids()).get('FerretDB');
  const client = new MongoClient(uri, { appName: 'tenantry-round-trip-cost' });
  await client.connect();
  const db = client.db();
  const collection = db.collection<{ _id: string; head: number; doc?: string }>(`round_trip_cost_${Date.now().toString(36)}`);
  try {
    await collection.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: `m${i}`, head: i, doc: `d${i}` })));
    let fresh = 0;
    const probes: Array<[string, () => Promise<unknown>]> = [
      ['ping', () => db.command({ ping: 1 })],
      ['find by _id (pushed down)', () => collection.find({ _id: 'm3' }).toArray()],
      [
        'find by another field, limit 1',
        () =>
          collection
            .find({ head: { $gte: 0 } }, { projection: { _id: 1 } })
            .limit(1)
            .toArray(),
      ],
      [
        'find sorted, 20 documents',
        () =>
          collection
            .find({ head: { $gte: 0 } })
            .sort({ head: 1, _id: 1 })
            .toArray(),
      ],
      ['insertMany of 8 documents', () => collection.insertMany(Array.from({ length: 8 }, () => ({ _id: `x${(fresh += 1)}`, head: -1 })))],
      ['deleteOne by _id', () => collection.deleteOne({ _id: `x${(fresh -= 1)}` })],
    ];
    print(`${commands} commands each, one at a time; CPU in µs per command (user + system)`);
    for (const [label, command] of probes) {
      const serverBefore = serverPid === undefined ? undefined : await cpuSeconds(serverPid);
      const clientBefore = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < commands; i += 1) await command();
      const wallUs = ((performance.now() - started) * 1000) / commands;
      const clientCpu = process.cpuUsage(clientBefore);
      const serverAfter = serverPid === undefined ? undefined : await cpuSeconds(serverPid);
      const server =
        serverBefore === undefined || serverAfter === undefined ? 'n/a' : (((serverAfter - serverBefore) * 1e6) / commands).toFixed(0);
      print(
        `${label.padEnd(34)} wall ${wallUs.toFixed(0).padStart(5)}  client ${((clientCpu.user + clientCpu.system) / commands).toFixed(0).padStart(4)}  server ${server.padStart(5)}`,
      );
    }
  } finally {
    await collection.drop().catch(() => undefined);
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
