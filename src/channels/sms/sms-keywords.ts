// Twilio's standard opt-out and opt-in keywords (it stops delivering after them itself), and their Russian forms.
const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'СТОП', 'ОТПИСАТЬСЯ']);
const START = new Set(['START', 'UNSTOP', 'СТАРТ']);

/** What an inbound SMS says about consent: a message of just a keyword (any case, a trailing ! or .). */
export function smsKeyword(text: string | null | undefined): 'stop' | 'start' | null {
  if (!text) return null;
  const word = text
    .trim()
    .replace(/[.!]+$/, '')
    .toLocaleUpperCase('ru-RU');
  return STOP.has(word) ? 'stop' : START.has(word) ? 'start' : null;
}
