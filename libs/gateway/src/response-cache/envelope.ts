import type { HeaderMap } from './types';

/** A stored response. Times are epoch milliseconds. */
export interface StoredEntry {
  statusCode: number;
  /** Already filtered by `storableHeaders`; `content-length` matches `body`. */
  headers: HeaderMap;
  body: Buffer;
  storedAt: number;
  /** The tenant's purge generation when the fetch began: the entry is only valid while it is current. */
  generation: string;
  /** Served as HIT before this. */
  freshUntil: number;
  /** Served as STALE (with a background revalidation) before this; never after. */
  staleUntil: number;
}

/** What the primary key holds when the response had Vary: the header names, sorted and lower-case. */
export interface VariantsRecord {
  vary: string[];
}

export type Stored = { kind: 'entry'; entry: StoredEntry } | { kind: 'variants'; record: VariantsRecord };

/*
 * Binary layout, big-endian; the body is appended raw (no base64, no JSON escaping):
 *
 *   entry:    u8 0x01 | u16 status | f64 storedAt | f64 freshUntil | f64 staleUntil | u8 g | u32 n
 *             | g bytes generation | n bytes headers JSON | body
 *   variants: u8 0x02 | JSON array of the Vary names
 *
 * Anything else (another format version, a truncated value) decodes to null and counts as a miss,
 * so a format change needs no migration: old values are overwritten or expire.
 */
const ENTRY = 0x01;
const VARIANTS = 0x02;
const ENTRY_HEADER_BYTES = 1 + 2 + 8 * 3 + 1 + 4;

export function encodeEntry(entry: StoredEntry): Buffer {
  const headers = Buffer.from(JSON.stringify(entry.headers), 'utf8');
  const generation = Buffer.from(entry.generation, 'utf8');
  if (generation.length > 255) throw new RangeError('a generation is at most 255 bytes');
  const out = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + generation.length + headers.length + entry.body.length);
  let offset = out.writeUInt8(ENTRY, 0);
  offset = out.writeUInt16BE(entry.statusCode, offset);
  offset = out.writeDoubleBE(entry.storedAt, offset);
  offset = out.writeDoubleBE(entry.freshUntil, offset);
  offset = out.writeDoubleBE(entry.staleUntil, offset);
  offset = out.writeUInt8(generation.length, offset);
  offset = out.writeUInt32BE(headers.length, offset);
  offset += generation.copy(out, offset);
  offset += headers.copy(out, offset);
  entry.body.copy(out, offset);
  return out;
}

export function encodeVariants(record: VariantsRecord): Buffer {
  const names = Buffer.from(JSON.stringify(record.vary), 'utf8');
  const out = Buffer.allocUnsafe(1 + names.length);
  out.writeUInt8(VARIANTS, 0);
  names.copy(out, 1);
  return out;
}

/**
 * The stored headers already decoded, by the entry's `storedAt` (checked byte for byte): the same entry
 * is hit over and over, and parsing its headers JSON on every hit was most of a decode. The objects are
 * frozen (shared by every hit of the entry); bounded, oldest first.
 */
export class DecodedHeaders {
  private readonly memo = new Map<number, { bytes: Buffer; headers: Readonly<HeaderMap> }>();

  constructor(private readonly maxEntries = 5_000) {}

  of(value: Buffer, storedAt: number, start: number, end: number): Readonly<HeaderMap> | null {
    const known = this.memo.get(storedAt);
    if (known && known.bytes.length === end - start && value.compare(known.bytes, 0, known.bytes.length, start, end) === 0)
      return known.headers;
    const parsed: unknown = JSON.parse(value.toString('utf8', start, end));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    const headers = Object.freeze(parsed as HeaderMap);
    if (!known && this.memo.size >= this.maxEntries) this.memo.delete(this.memo.keys().next().value as number);
    this.memo.set(storedAt, { bytes: Buffer.from(value.subarray(start, end)), headers });
    return headers;
  }
}

/**
 * Decodes what `encodeEntry` / `encodeVariants` wrote; null for anything else. The body is a view, not a
 * copy; the headers come from `decoded` when given (then frozen: copy before changing them).
 */
export function decodeStored(value: Buffer, decoded?: DecodedHeaders): Stored | null {
  try {
    if (value.length === 0) return null;
    const kind = value[0];
    if (kind === ENTRY) return decodeEntry(value, decoded);
    if (kind === VARIANTS) {
      const vary: unknown = JSON.parse(value.toString('utf8', 1));
      if (!Array.isArray(vary) || vary.length === 0 || !vary.every((name) => typeof name === 'string')) return null;
      return { kind: 'variants', record: { vary: vary as string[] } };
    }
    return null;
  } catch {
    return null; // malformed bytes are a miss, never an error: the entry is simply refetched
  }
}

function decodeEntry(value: Buffer, decoded: DecodedHeaders | undefined): Stored | null {
  if (value.length < ENTRY_HEADER_BYTES) return null;
  const generationEnd = ENTRY_HEADER_BYTES + value.readUInt8(27);
  const bodyStart = generationEnd + value.readUInt32BE(28);
  if (bodyStart > value.length) return null;
  const storedAt = value.readDoubleBE(3);
  const headers: unknown = decoded
    ? decoded.of(value, storedAt, generationEnd, bodyStart)
    : JSON.parse(value.toString('utf8', generationEnd, bodyStart));
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return null;
  return {
    kind: 'entry',
    entry: {
      statusCode: value.readUInt16BE(1),
      storedAt,
      freshUntil: value.readDoubleBE(11),
      staleUntil: value.readDoubleBE(19),
      generation: value.toString('utf8', ENTRY_HEADER_BYTES, generationEnd),
      headers: headers as HeaderMap,
      body: value.subarray(bodyStart),
    },
  };
}
