import type { BusRecord } from '../records';

export interface StoredRecord {
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** One partition of an in-memory topic: an append-only log whose consumed head can be trimmed. */
export class MemoryPartition {
  private records: StoredRecord[] = [];
  private base = 0;

  get startOffset(): number {
    return this.base;
  }

  get endOffset(): number {
    return this.base + this.records.length;
  }

  append(record: Omit<BusRecord, 'topic'>): number {
    const offset = this.endOffset;
    this.records.push({ offset, key: record.key, value: record.value, headers: record.headers });
    return offset;
  }

  at(offset: number): StoredRecord | undefined {
    return this.records[offset - this.base];
  }

  all(): readonly StoredRecord[] {
    return this.records;
  }

  /** Drops every record below `offset`. */
  trimBelow(offset: number): number {
    const count = Math.min(offset - this.base, this.records.length);
    if (count <= 0) return 0;
    this.records = this.records.slice(count);
    this.base += count;
    return count;
  }
}

export class MemoryTopic {
  readonly partitions: MemoryPartition[];
  private roundRobin = 0;

  constructor(
    readonly name: string,
    partitionCount: number,
  ) {
    this.partitions = Array.from({ length: partitionCount }, () => new MemoryPartition());
  }

  /** Same key, same partition (like Kafka's key partitioner), so one tenant's events stay in order. */
  partitionOf(key: string | null): number {
    if (key === null) {
      this.roundRobin = (this.roundRobin + 1) % this.partitions.length;
      return this.roundRobin;
    }
    return fnv1a(key) % this.partitions.length;
  }
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
