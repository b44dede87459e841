import { DomainError } from '../../libs/domain/src';
import { decodeCursor, encodeCursor, toPageJson } from './cursor';

describe('page cursors', () => {
  const at = new Date('2026-11-29T10:11:12.345Z');
  const id = '6b1f9d7e-1111-4111-8111-111111111111';

  it('round-trips position to the millisecond', () => {
    expect(decodeCursor(encodeCursor({ at, id }))).toEqual({ at, id });
  });

  it('treats a missing cursor as the first page', () => {
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor('')).toBeUndefined();
  });

  it.each([
    ['garbage', '!!!'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['wrong shape', Buffer.from(JSON.stringify({ at: 1 })).toString('base64url')],
    ['bad date', Buffer.from(JSON.stringify(['yesterday', id])).toString('base64url')],
    ['bad id', Buffer.from(JSON.stringify([at.toISOString(), "1' or 1=1"])).toString('base64url')],
  ])('rejects %s with INVALID_CURSOR', (_, raw) => {
    expect(() => decodeCursor(raw)).toThrow(DomainError);
    expect(() => decodeCursor(raw)).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR', kind: 'invalid' }));
  });

  it('writes a page of JSON texts as the JSON of the page', () => {
    const items = ['{"id":"a"}', '{"id":"b","n":[1,2]}', '{"id":"c"}'];
    for (const n of [0, 1, 2, 3]) {
      for (const next of [undefined, { at, id }]) {
        const page = { items: items.slice(0, n), next };
        expect(JSON.parse(toPageJson(page))).toEqual({ items: page.items.map((t) => JSON.parse(t)), nextCursor: next ? encodeCursor(next) : null });
      }
    }
    expect(toPageJson({ items: [] })).toBe('{"items":[],"nextCursor":null}');
  });
});
