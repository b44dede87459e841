/**
 * The platform's reason for a failed message in plain words: our own codes and the platforms'
 * well-known ones (Meta Graph and WhatsApp Cloud API error codes, Twilio error codes, Telegram's
 * refusals). Unknown codes show the platform's own text.
 */
const KNOWN: Record<string, string> = {
  WHATSAPP_WINDOW_CLOSED: 'WHATSAPP_WINDOW_CLOSED',
  MESSAGING_WINDOW_CLOSED: 'MESSAGING_WINDOW_CLOSED',
  CARD_NUMBER_NOT_ALLOWED: 'CARD_NUMBER_NOT_ALLOWED',
  CHANNEL_REVOKED: 'CHANNEL_REVOKED',
  CHANNEL_DISCONNECTED: 'CHANNEL_DISCONNECTED',
  WHATSAPP_OPT_IN_REQUIRED: 'OPT_IN_REQUIRED',
  // Meta Graph: the token is no longer valid, or lacks a permission.
  '190': 'TOKEN_REVOKED',
  '102': 'TOKEN_REVOKED',
  '10': 'TOKEN_REVOKED',
  '200': 'TOKEN_REVOKED',
  // Meta: this person is not reachable (blocked the Page, deleted their account).
  '551': 'RECIPIENT_UNREACHABLE',
  '2018108': 'RECIPIENT_UNREACHABLE',
  '1545041': 'RECIPIENT_UNREACHABLE',
  // WhatsApp Cloud API.
  '131047': 'WHATSAPP_WINDOW_CLOSED',
  '131026': 'RECIPIENT_UNREACHABLE',
  '131056': 'RATE_LIMITED',
  '130429': 'RATE_LIMITED',
  '4': 'RATE_LIMITED',
  '80007': 'RATE_LIMITED',
  // Twilio.
  '21610': 'RECIPIENT_UNREACHABLE',
  '21211': 'RECIPIENT_UNREACHABLE',
  '30003': 'RECIPIENT_UNREACHABLE',
  '30005': 'RECIPIENT_UNREACHABLE',
  '30006': 'RECIPIENT_UNREACHABLE',
  '20003': 'TOKEN_REVOKED',
  // Telegram.
  '401': 'TOKEN_REVOKED',
  '403': 'RECIPIENT_UNREACHABLE',
};

/** The i18n key under `reasons.` that explains this failure. */
export function failureReasonKey(code: string | null | undefined): string {
  return (code && KNOWN[code]) || 'unknown';
}
