import { invalid } from './validation';

/** A position in creation order: after (or before, descending) this document. */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, t: position.createdAt.getTime(), i: position.id })).toString('base64url');
}

export function decodeCursor(cursor: string): KeysetPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('cursor', 'cursor is not a cursor this API returned');
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const { v, t, i } = parsed as Record<string, unknown>;
    if (v === 1 && Number.isSafeInteger(t) && typeof i === 'string' && i.length > 0) {
      return { createdAt: new Date(t as number), id: i };
    }
  }
  throw invalid('cursor', 'cursor is not a cursor this API returned');
}
