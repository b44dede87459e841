import type { Page, PageCursor } from '../../libs/domain/src';
import { invalid } from '../../libs/domain/src';
import { isUuid } from '../../libs/domain/src';

/** What Date#toISOString writes for years 0000-9999; other years (e.g. -010000) overflow PostgreSQL. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Opaque to clients: base64url of [iso timestamp, id]. */
export function encodeCursor(c: PageCursor): string {
  return Buffer.from(JSON.stringify([c.at.toISOString(), c.id])).toString('base64url');
}

/** Longer than any cursor encodeCursor makes (about 100 characters); bounds the decoding work. */
const MAX_CURSOR_LENGTH = 200;

export function decodeCursor(raw: string | undefined): PageCursor | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length <= MAX_CURSOR_LENGTH) {
    try {
      const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
      const date = new Date(at);
      // Only the exact form encodeCursor writes is ours; anything else could reach PostgreSQL out of range.
      if (typeof at === 'string' && ISO_INSTANT.test(at) && date.toISOString() === at && typeof id === 'string' && isUuid(id)) return { at: date, id };
    } catch {
      // fall through to the error below
    }
  }
  throw invalid('INVALID_CURSOR', 'cursor is not one this API returned');
}

export function toPageResponse<T, R>(page: Page<T>, map: (item: T) => R): { items: R[]; nextCursor: string | null } {
  return { items: page.items.map(map), nextCursor: page.next ? encodeCursor(page.next) : null };
}

/**
 * toPageResponse's JSON for items that are JSON texts already (see TriageStore.list), written by
 * one join: a template around the joined items copied the whole page once more (to flatten it
 * before it is measured and written), 17 KB a 25-row inbox page.
 */
export function toPageJson(page: Page<string>): string {
  const tail = `],"nextCursor":${page.next ? JSON.stringify(encodeCursor(page.next)) : 'null'}}`;
  if (page.items.length === 0) return `{"items":[${tail}`;
  const parts = page.items.slice();
  parts[0] = `{"items":[${parts[0]}`;
  parts[parts.length - 1] += tail;
  return parts.join(',');
}
