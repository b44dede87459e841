/**
 * One CSV cell (RFC 4180, always quoted) that a spreadsheet opens as text, never as a formula
 * (CSV injection, OWASP): a cell that starts with `=`, `+`, `-` or `@` — also after leading
 * whitespace or invisible characters, which spreadsheets skip before they look for a formula — or
 * with a tab or carriage return gets a leading apostrophe. Full-width `＝＋－＠` count too: some
 * spreadsheet locales read them as the ASCII signs.
 */
const FORMULA_START = /^[\s\u200b-\u200d\u2060]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/;

export function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return `"${(FORMULA_START.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
}

export const csvRow = (values: unknown[]) => values.map(csvCell).join(',') + '\r\n';
