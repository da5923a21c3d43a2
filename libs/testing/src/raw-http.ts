import { connect, type Socket } from 'node:net';

/** One HTTP/1.1 response as it came off the wire. Header names are lower-case; repeated ones keep every value. */
export interface RawResponse {
  status: number;
  headers: Record<string, string[]>;
  body: string;
}

/**
 * A raw keep-alive connection to a server: what is written goes out byte for byte (no client library
 * fixes framing for us), and responses are parsed one after the other, as a pipelining client sees them.
 * For smuggling and framing tests, where a library would refuse to send what an attacker sends.
 */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private closed = false;
  private readonly waiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Whether the server closed the connection. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes received and not yet parsed as a response. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  /** The next response on the connection; `head` when it answers a HEAD (no body whatever its Content-Length says). */
  async read(options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const parsed = parseResponse(this.buffer, options.head ?? false);
      if (parsed) {
        this.buffer = this.buffer.subarray(parsed.consumed);
        return parsed.response;
      }
      if (this.closed)
        throw new Error(
          `connection closed before a whole response arrived (got ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))})`,
        );
      if (Date.now() > deadline)
        throw new Error(`no whole response within the time allowed (got ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server has closed the connection. */
  async untilClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the server kept the connection open');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/** One request, on a fresh connection, closed afterwards. */
export async function rawExchange(url: string, bytes: string | Buffer, options: { head?: boolean } = {}): Promise<RawResponse> {
  const connection = await RawConnection.open(url);
  try {
    connection.write(bytes);
    return await connection.read(options);
  } finally {
    connection.close();
  }
}

function parseResponse(buffer: Buffer, head: boolean): { response: RawResponse; consumed: number } | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
  if (!Number.isInteger(status)) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
  const headers: Record<string, string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const start = end + 4;
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200))
    return { response: { status, headers, body: '' }, consumed: start };
  if (headers['transfer-encoding']?.some((value) => /chunked/i.test(value))) {
    let offset = start;
    const chunks: Buffer[] = [];
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', offset);
      if (lineEnd === -1) return undefined;
      const size = parseInt(buffer.subarray(offset, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        const trailerEnd = buffer.indexOf('\r\n', lineEnd + 2);
        if (trailerEnd === -1) return undefined;
        return { response: { status, headers, body: Buffer.concat(chunks).toString('utf8') }, consumed: trailerEnd + 2 };
      }
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
  }
  const length = Number(headers['content-length']?.[0] ?? 0);
  if (buffer.length < start + length) return undefined;
  return { response: { status, headers, body: buffer.subarray(start, start + length).toString('utf8') }, consumed: start + length };
}
