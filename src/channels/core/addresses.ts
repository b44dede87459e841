import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** An e-mail address an agent typed, lower-cased as inbound mail spells it; null when it is not one. */
export function emailAddress(to: string): string | null {
  const address = to.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address) && address.length <= 254 ? address : null;
}

/**
 * A phone number an agent typed, in E.164 (`+14155550100`); null unless it is a valid number with
 * its country code (a leading `00` counts as `+`).
 */
export function phoneAddress(to: string): string | null {
  const trimmed = to.trim().replace(/^00(?=[1-9])/, '+');
  if (!trimmed.startsWith('+') || /[a-z]/i.test(trimmed)) return null;
  const parsed = parsePhoneNumberFromString(trimmed);
  if (!parsed || !parsed.isValid() || !/^\+[1-9]\d{6,14}$/.test(parsed.number)) return null;
  return parsed.number;
}

export const PHONE_ADDRESS_HINT = 'to must be a phone number with its country code, such as +14155550100';
