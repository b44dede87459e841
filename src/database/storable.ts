// PostgreSQL refuses two things a JavaScript string can hold: U+0000 (in text and jsonb) and, in
// jsonb, an unpaired UTF-16 surrogate (JSON.stringify writes it as the escape \ud800, which jsonb
// rejects; JSON allows it, so any webhook or API body can carry one). Text that arrives from
// outside (webhooks, mail) must never fail its write for either, or the platform retries the
// delivery forever and, worse, a shared statement fails for everyone in it: it is stored with
// U+FFFD instead. API input is refused up front instead (see the validation pipe), so a client
// learns that its text was not what it meant.

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE = new RegExp(`\u0000|${LONE_SURROGATE.source}`, 'g');

/** What in `text` PostgreSQL cannot store, named for an error message; undefined when nothing. */
export function unstorableCharacter(text: string): string | undefined {
  if (text.includes('\u0000')) return 'the character U+0000';
  if (LONE_SURROGATE.test(text)) return 'an unpaired UTF-16 surrogate';
  return undefined;
}

/** `text` as PostgreSQL can store it. */
export function storableText(text: string): string;
export function storableText(text: string | null): string | null;
export function storableText(text: string | null): string | null {
  return text === null ? null : text.replace(UNSTORABLE, '\uFFFD');
}

/**
 * In JSON.stringify's output, the escapes jsonb refuses: U+0000 and unpaired surrogates (a paired
 * one is written as the character itself, so every surrogate escape there is unpaired). An
 * escaped backslash is matched too, so that `\\ud800` (a backslash, then the letters) is skipped.
 */
const UNSTORABLE_ESCAPE = /\\(?:\\|u0000|ud[89a-f][0-9a-f]{2})/g;
const MAYBE_UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/;

/**
 * `payload` as JSON that PostgreSQL can store: U+0000 and unpaired surrogates, in values and in
 * keys alike, become U+FFFD. The payload's depth must be bounded (the JSON body parser does it).
 */
export function storableJson(payload: unknown): string {
  const json = JSON.stringify(payload);
  // Only when an escape jsonb refuses may be there does the slower pass run.
  if (!MAYBE_UNSTORABLE_ESCAPE.test(json)) return json;
  return json.replace(UNSTORABLE_ESCAPE, (escape) => (escape === '\\\\' ? escape : '\\ufffd'));
}
