import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Phone numbers and e-mail addresses as CRMs write them, in the one form links match on: E.164
 * (`+79161234567`) and lower case. CRMs store numbers however they were typed (`79161234567`,
 * `8 (916) 123-45-67`, `+7 916 …`); without a country code, a number is read as `defaultCountry`'s.
 */
export function toE164(raw: string | null | undefined, defaultCountry: 'RU' | 'KZ' | 'BY' | 'UA' | 'DE' | 'GB' | 'US' = 'RU'): string | null {
  if (typeof raw !== 'string') return null;
  const trimmed = raw.trim();
  if (!trimmed || trimmed.length > 40) return null;
  const digits = trimmed.replace(/[^\d+]/g, '');
  // Bare international digits (YCLIENTS stores 79161234567): try them as +digits first.
  const candidates = digits.startsWith('+') ? [digits] : [`+${digits}`, trimmed];
  for (const c of candidates) {
    const parsed = c.startsWith('+') ? parsePhoneNumberFromString(c) : parsePhoneNumberFromString(c, defaultCountry);
    if (parsed?.isValid()) return parsed.number;
  }
  return null;
}

/** The digits of an E.164 number, as YCLIENTS takes them. */
export const phoneDigits = (e164: string) => e164.replace(/\D/g, '');

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export function emailOrNull(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const e = raw.trim().toLowerCase();
  return EMAIL.test(e) ? e : null;
}
