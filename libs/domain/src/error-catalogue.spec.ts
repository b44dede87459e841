import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE, ERROR_CODES, isErrorCode, statusesOf } from './error-catalogue';
import { errorCatalogueMarkdown } from './error-catalogue-markdown';
import { conflict, DomainError, notFound, STATUS_OF_KIND } from './errors';

describe('error catalogue', () => {
  it('is what docs/errors.md holds (npm run api:generate writes it)', () => {
    expect(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8')).toBe(errorCatalogueMarkdown());
  });

  it('lists each code in one file of error-catalogue/ only (a spread would let the later one win silently)', () => {
    const dir = join(__dirname, 'error-catalogue');
    const listed = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && f !== 'entry.ts')
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/^ {2}([A-Z][A-Z0-9_]+): \{/gm)].map((m) => m[1]));
    expect(listed.length).toBe(ERROR_CODES.length);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('gives every code an error status, a meaning and an action', () => {
    for (const code of ERROR_CODES) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(statusesOf(code).every((s) => s >= 400 && s <= 599)).toBe(true);
      expect(ERROR_CATALOGUE[code].meaning.length).toBeGreaterThan(10);
      expect(ERROR_CATALOGUE[code].action.length).toBeGreaterThan(5);
    }
  });

  it('accepts at each kind only the codes answered with its status', () => {
    expect(notFound('CONTACT_NOT_FOUND', 'x').code).toBe('CONTACT_NOT_FOUND');
    // @ts-expect-error CONTACT_NOT_FOUND is a 404, not a 409
    conflict('CONTACT_NOT_FOUND', 'x');
    // @ts-expect-error an uncatalogued code does not compile
    notFound('NO_SUCH_CODE', 'x');
    expect(isErrorCode('NO_SUCH_CODE')).toBe(false);
    const e: DomainError = notFound('CHANNEL_NOT_FOUND', 'x');
    expect(statusesOf(e.code)).toContain(STATUS_OF_KIND[e.kind]);
  });

  it('lists each code once in the page', () => {
    const page = errorCatalogueMarkdown();
    for (const code of ERROR_CODES) expect(page.split(`| \`${code}\` |`).length).toBe(2);
  });
});
