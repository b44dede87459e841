// PostgreSQL refuses U+0000 in text and jsonb. Text that arrives from outside (webhooks, mail)
// must never fail its write for it, or the platform retries the delivery forever: it is stored
// with U+FFFD instead. (API input is refused up front instead, see the validation pipe.)

/** `text` as PostgreSQL can store it. */
export function storableText(text: string): string;
export function storableText(text: string | null): string | null;
export function storableText(text: string | null): string | null {
  return text === null ? null : text.replaceAll('\u0000', '\uFFFD');
}

/** `payload` as JSON that PostgreSQL can store. */
export function storableJson(payload: unknown): string {
  const json = JSON.stringify(payload);
  // JSON.stringify writes U+0000 as the escape \u0000: only then does the slower pass run.
  if (!json.includes('\\u0000')) return json;
  return JSON.stringify(payload, (_key, value: unknown) => (typeof value === 'string' ? storableText(value) : value));
}
