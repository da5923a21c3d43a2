import type { BusRecord } from '../records';

export interface BatchingOptions {
  /**
   * How long the first message queued while no request is in flight waits for company (default 0:
   * until the current turn of the event loop ends, so the calls of one tick share a request). Under load
   * batching does not depend on it: calls that arrive while a request is in flight join the next one.
   */
  lingerMs?: number;
  /** A request is sent at once when this many messages are queued (default 500). */
  maxBatchMessages?: number;
  /** Upper bound of one request's payload, below the broker's message.max.bytes (default 900 kB). */
  maxBatchBytes?: number;
}

export interface BatchingStats {
  /** Produce requests sent (one `sendBatch` each). */
  produceRequests: number;
  /** publish/send calls served. */
  sendCalls: number;
  messages: number;
  failedRequests: number;
}

interface PendingCall {
  records: readonly BusRecord[];
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Coalesces concurrent sends into few produce requests (kafkajs does no client-side batching): calls
 * that arrive within `lingerMs`, or while the previous request is in flight, go out together in one
 * request. Requests are sent one at a time, in call order, which with an idempotent producer keeps
 * every key's messages in order. Each call settles when the request(s) holding its records do.
 */
export class BatchingProducer {
  private queue: PendingCall[] = [];
  private queuedMessages = 0;
  /** Cancels the scheduled start of the next request, when one is scheduled. */
  private cancelScheduledPump: (() => void) | undefined;
  private pumping: Promise<void> | undefined;
  private closed = false;
  private readonly lingerMs: number;
  private readonly maxBatchMessages: number;
  private readonly maxBatchBytes: number;
  readonly stats: BatchingStats = { produceRequests: 0, sendCalls: 0, messages: 0, failedRequests: 0 };

  constructor(
    private readonly sendRequest: (records: readonly BusRecord[]) => Promise<void>,
    options: BatchingOptions = {},
  ) {
    this.lingerMs = options.lingerMs ?? 0;
    this.maxBatchMessages = options.maxBatchMessages ?? 500;
    this.maxBatchBytes = options.maxBatchBytes ?? 900_000;
  }

  send(records: readonly BusRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The producer is closed'));
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ records, bytes: records.reduce((sum, record) => sum + sizeOf(record), 0), resolve, reject });
      this.queuedMessages += records.length;
      this.stats.sendCalls += 1;
      if (this.pumping) return; // the running pump takes it with the next request
      if (this.queuedMessages >= this.maxBatchMessages) this.startPump();
      else this.cancelScheduledPump ??= this.schedulePump();
    });
  }

  /** Sends what is queued, then refuses new sends. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length > 0) this.startPump();
    await this.pumping;
  }

  private startPump(): void {
    this.cancelScheduledPump?.();
    this.cancelScheduledPump = undefined;
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
      if (this.queue.length > 0) this.startPump();
    });
  }

  private schedulePump(): () => void {
    if (this.lingerMs > 0) {
      const timer = setTimeout(() => this.startPump(), this.lingerMs);
      return () => clearTimeout(timer);
    }
    const immediate = setImmediate(() => this.startPump());
    return () => clearImmediate(immediate);
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const calls = this.takeCalls();
      await this.sendCalls(calls);
    }
  }

  /** Whole calls, in order, up to the request limits (always at least one call). */
  private takeCalls(): PendingCall[] {
    const taken: PendingCall[] = [];
    let messages = 0;
    let bytes = 0;
    for (const call of this.queue) {
      const fits = messages + call.records.length <= this.maxBatchMessages && bytes + call.bytes <= this.maxBatchBytes;
      if (taken.length > 0 && !fits) break;
      taken.push(call);
      messages += call.records.length;
      bytes += call.bytes;
    }
    this.queue = this.queue.slice(taken.length);
    this.queuedMessages -= messages;
    return taken;
  }

  /** One request for the calls, or several in a row when a single call is larger than a request. */
  private async sendCalls(calls: PendingCall[]): Promise<void> {
    const records = calls.flatMap((call) => call.records);
    try {
      for (const chunk of chunks(records, this.maxBatchMessages, this.maxBatchBytes)) {
        this.stats.produceRequests += 1;
        try {
          await this.sendRequest(chunk);
        } catch (error) {
          this.stats.failedRequests += 1;
          throw error;
        }
        this.stats.messages += chunk.length;
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      calls.forEach((call) => call.reject(failure));
      return;
    }
    calls.forEach((call) => call.resolve());
  }
}

function sizeOf(record: BusRecord): number {
  let size = (record.value?.length ?? 0) + (record.key?.length ?? 0) + 64;
  for (const [name, value] of Object.entries(record.headers)) size += name.length + value.length;
  return size;
}

function* chunks(records: readonly BusRecord[], maxMessages: number, maxBytes: number): Generator<BusRecord[]> {
  let chunk: BusRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = sizeOf(record);
    if (chunk.length > 0 && (chunk.length >= maxMessages || bytes + size > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
