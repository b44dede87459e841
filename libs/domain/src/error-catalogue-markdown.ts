import { ERROR_CATALOGUE, ERROR_CODES, statusesOf } from './error-catalogue';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The catalogue as a markdown page: docs/errors.md, served at /docs/errors. */
export function errorCatalogueMarkdown(): string {
  const rows = ERROR_CODES.map((code) => ({ code, statuses: statusesOf(code), ...ERROR_CATALOGUE[code] })).sort(
    (a, b) => a.statuses[0] - b.statuses[0] || a.code.localeCompare(b.code),
  );
  return [
    '# Error codes',
    '',
    'Every error the API answers with has the body `{statusCode, code, message}`. `code` is stable and one of the codes below;',
    '`message` is for people and may change. The OpenAPI document lists, per operation, the codes it can answer with.',
    '',
    'Generated from `libs/domain/src/error-catalogue/` (one file per area of the API) by `npm run api:generate`; do not edit.',
    '',
    '| Code | HTTP status | Meaning | What a client should do |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| \`${r.code}\` | ${r.statuses.join(', ')} | ${cell(r.meaning)} | ${cell(r.action)} |`),
    '',
  ].join('\n');
}
