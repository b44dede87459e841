/**
 * Quoted history in a reply: what the End User's mail client appended below (or above) their new
 * text. The inbox shows the new text only; the full text is kept beside it (see email.mapper).
 *
 * What counts as the start of quoted history, from the top:
 * - an attribution line: "On <date>, <name> wrote:" and its translations, which clients may wrap
 *   over up to three lines;
 * - a separator: "-----Original Message-----" (Outlook, Android and others);
 * - an Outlook header block: a "From:" line followed within a few lines by "Sent:"/"Date:" and
 *   "To:"/"Subject:" (with a "____" rule above it, that goes too).
 * Then a block of ">"-quoted lines at the very start or end is removed; ">" lines between new
 * paragraphs (an inline, interleaved reply) are kept, since the new text answers them.
 * Forwarded messages are content, not history: "---------- Forwarded message ---------" is kept.
 */

const ATTRIBUTION_START = /^\s*(on|am|le|el|il|op|em|w dniu|den|på|dne|el día|в|у)\s/i;
const ATTRIBUTION_END =
  /(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|pisze|skrev|napsal|написал\(а\)|написал|написала|писал|escribi[oó])[^\n]{0,200}:\s*$/i;
const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(original message|original-nachricht|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|исходное сообщение)\s*-{2,}\s*$/i;
const HEADER_FROM = /^\s*\*?(from|von|de|da|van|от)\s*:\*?\s*\S/i;
const HEADER_DATE = /^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|fecha|inviato|data|verzonden|отправлено|дата)\s*:/i;
const HEADER_TO = /^\s*\*?(to|subject|an|betreff|à|objet|para|asunto|a|oggetto|aan|onderwerp|кому|тема)\s*:/i;
const RULE = /^\s*_{10,}\s*$/;
const FORWARDED =
  /^\s*(-{3,}\s*(forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|пересылаемое сообщение)\s*-{3,}|begin forwarded message:)\s*$/i;
const QUOTED = /^\s*>/;

export interface StrippedText {
  /** The new text of the message. */
  text: string;
  /** True when quoted history was removed (so the full text differs from `text`). */
  stripped: boolean;
}

function historyStart(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    // Below a forward marker is the forwarded mail: content, however it is laid out.
    if (FORWARDED.test(line)) return lines.length;
    if (ORIGINAL_MESSAGE.test(line)) return i;
    if (ATTRIBUTION_START.test(line)) {
      let joined = '';
      for (let j = i; j < Math.min(lines.length, i + 3); j++) {
        joined += (j > i ? ' ' : '') + lines[j].trim();
        if (joined.length > 400) break;
        if (ATTRIBUTION_END.test(joined)) return i;
      }
    }
    if (HEADER_FROM.test(line)) {
      const next = lines.slice(i + 1, i + 6);
      if (next.some((l) => HEADER_DATE.test(l)) && next.some((l) => HEADER_TO.test(l))) {
        return i > 0 && RULE.test(lines[i - 1]) ? i - 1 : i;
      }
    }
  }
  return lines.length;
}

const blank = (l: string) => l.trim() === '';

/** The new text of an e-mail body (plain text, any line endings). */
export function stripQuotedHistory(body: string): StrippedText {
  const full = body.replace(/\r\n?/g, '\n');
  let lines = full.split('\n');
  lines = lines.slice(0, historyStart(lines));

  // Trailing quote block (top-posting without an attribution line), then a leading one
  // (bottom-posting): blank lines around them go too.
  let end = lines.length;
  while (end > 0 && (blank(lines[end - 1]) || QUOTED.test(lines[end - 1]))) end--;
  let start = 0;
  while (start < end && (blank(lines[start]) || QUOTED.test(lines[start]))) start++;
  const text = lines
    .slice(start, end)
    .join('\n')
    .replace(/[ \t]+$/gm, '');

  const whole = full.replace(/[ \t]+$/gm, '').trim();
  // A message that is all quote (a bare forward of a quote, say) keeps its text.
  if (!text.trim()) return { text: whole, stripped: false };
  return { text, stripped: text !== whole };
}
