import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

const E164 = /^\+[1-9]\d{6,14}$/;

/** The country whose national formats (8 912 …) a tenant's agents type, by the tenant's region. */
export function regionCountry(region: string): CountryCode | undefined {
  return region === 'ru' ? 'RU' : undefined;
}

/**
 * A phone number in any usual format as E.164 (`+79123456789`), or null when it is not a valid
 * number: international (`+7 (912) 345-67-89`, `0044 20 …`), a national format of
 * `defaultCountry` (`8 912 345 67 89` for RU), or bare international digits (`79123456789`).
 */
export function normalizePhone(input: string, defaultCountry?: CountryCode): string | null {
  const trimmed = input.trim();
  if (trimmed.length === 0 || trimmed.length > 40 || /[^\d\s()+\-./]/.test(trimmed)) return null;
  const international = trimmed.replace(/^00/, '+');
  const attempts: Array<[string, CountryCode | undefined]> = [[international, international.startsWith('+') ? undefined : defaultCountry]];
  const digits = trimmed.replace(/\D/g, '');
  if (!international.startsWith('+') && digits.length >= 8) attempts.push([`+${digits}`, undefined]);
  for (const [text, country] of attempts) {
    if (!text.startsWith('+') && !country) continue;
    const parsed = parsePhoneNumberFromString(text, country);
    if (parsed?.isValid() && E164.test(parsed.number)) return parsed.number;
  }
  return null;
}
