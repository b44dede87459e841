import type { Page, PageCursor } from '../../libs/domain/src';
import { invalid } from '../../libs/domain/src';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque to clients: base64url of [iso timestamp, id]. */
export function encodeCursor(c: PageCursor): string {
  return Buffer.from(JSON.stringify([c.at.toISOString(), c.id])).toString('base64url');
}

export function decodeCursor(raw: string | undefined): PageCursor | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    const date = new Date(at);
    if (typeof at === 'string' && !Number.isNaN(date.getTime()) && typeof id === 'string' && UUID.test(id)) return { at: date, id };
  } catch {
    // fall through to the error below
  }
  throw invalid('INVALID_CURSOR', 'cursor is not one this API returned');
}

export function toPageResponse<T, R>(page: Page<T>, map: (item: T) => R): { items: R[]; nextCursor: string | null } {
  return { items: page.items.map(map), nextCursor: page.next ? encodeCursor(page.next) : null };
}
