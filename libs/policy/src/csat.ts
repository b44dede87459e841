/**
 * Customer satisfaction surveys: which channels may ask, in which words, and what counts as a
 * contact's rating when they answer in the conversation itself.
 */

/** Kinds that ask: web chat and e-mail freely, WhatsApp only within its customer-service window (the outbound rules see to that). */
export const CSAT_CHANNEL_KINDS = ['webchat', 'email', 'whatsapp'] as const;
export const CSAT_LANGUAGES = ['en', 'ru'] as const;
export type CsatLanguage = (typeof CSAT_LANGUAGES)[number];

const WORDS: Record<CsatLanguage, { question: string; howToAnswer: string; orChoose: string; choose: string; scale: string[] }> = {
  en: {
    question: 'How would you rate the help you received?',
    howToAnswer: 'Reply with a number from 1 (poor) to 5 (excellent).',
    orChoose: 'Or choose your rating:',
    choose: 'Rate',
    scale: ['poor', 'fair', 'good', 'very good', 'excellent'],
  },
  ru: {
    question: 'Как вы оцените помощь, которую получили?',
    howToAnswer: 'Ответьте цифрой от 1 (плохо) до 5 (отлично).',
    orChoose: 'Или выберите оценку:',
    choose: 'Оценить',
    scale: ['плохо', 'удовлетворительно', 'хорошо', 'очень хорошо', 'отлично'],
  },
};

export const defaultCsatQuestion = (language: CsatLanguage): string => WORDS[language].question;

/**
 * The survey's text: the question, how to answer by reply, and (e-mail) one link per rating, since
 * a mail client offers no buttons. `linkFor` makes the link of a rating.
 */
export function csatAskText(language: CsatLanguage, question: string | null, linkFor?: (rating: number) => string): string {
  const w = WORDS[language];
  const lines = [question?.trim() || w.question, w.howToAnswer];
  if (linkFor) lines.push('', w.orChoose, ...w.scale.map((label, i) => `${i + 1} (${label}): ${linkFor(i + 1)}`));
  return lines.join('\n');
}

const KEYCAPS = ['1\uFE0F\u20E3', '2\uFE0F\u20E3', '3\uFE0F\u20E3', '4\uFE0F\u20E3', '5\uFE0F\u20E3'];

/**
 * The rating a message gives, when it is nothing but one: "4", "4/5", "4 из 5", "4!", a keycap
 * emoji, or one to five stars. Anything more (a sentence with a number in it) is a message, not a
 * rating, and null.
 */
export function ratingOf(text: string | null | undefined): number | null {
  if (!text || text.length > 20) return null;
  const t = text
    .trim()
    .replace(/[.!]+$/, '')
    .trim();
  const plain = /^([1-5])(\s*(\/|из|of|out of)\s*5)?$/i.exec(t);
  if (plain) return Number(plain[1]);
  const keycap = KEYCAPS.findIndex((k) => t === k || t === k.replace('\uFE0F', ''));
  if (keycap >= 0) return keycap + 1;
  const stars = /^(?:[⭐★]\uFE0F?){1,5}$/u.exec(t);
  if (stars) return [...t.replace(/\uFE0F/g, '')].length;
  return null;
}

/** The id of rating n among a survey's choices; what the platform sends back when it is picked. */
const CHOICE_ID = /^csat:([1-5])$/;

/**
 * The survey as a pick list (WhatsApp's list message: reply buttons stop at three), one row per
 * rating from 1 to 5, as the text's scale reads.
 */
export function csatChoices(language: CsatLanguage): { button: string; rows: Array<{ id: string; title: string }> } {
  const w = WORDS[language];
  return { button: w.choose, rows: w.scale.map((label, i) => ({ id: `csat:${i + 1}`, title: `${i + 1} – ${label}` })) };
}

/**
 * The rating an inbound message gives: a survey's choice picked from the list (its id), else the
 * text when it is nothing but a rating (ratingOf). An automatic reply or a file gives none.
 */
export function surveyRatingOf(m: {
  text?: string | null;
  autoReply?: boolean;
  attachments?: unknown[];
  context?: { choice?: { id?: string } } | null;
}): number | null {
  if (m.autoReply || m.attachments?.length) return null;
  const picked = CHOICE_ID.exec(m.context?.choice?.id ?? '');
  return picked ? Number(picked[1]) : ratingOf(m.text);
}
