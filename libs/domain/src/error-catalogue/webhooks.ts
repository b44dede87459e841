import type { ErrorEntry } from './entry';

/** Platform and CRM webhooks (called by the platforms, not by clients). */
export const WEBHOOK_ERRORS = {
  INVALID_SIGNATURE: {
    status: 403,
    meaning: "The webhook's signature does not match its body.",
    action: 'Platforms only: check the app secret configured on both sides.',
  },
  VERIFY_TOKEN_MISMATCH: {
    status: 403,
    meaning: "The webhook verification's token is not the installation's.",
    action: 'Platforms only: configure the same verify token.',
  },
  TELEGRAM_UPDATE_INVALID: { status: 400, meaning: 'The body is not a Telegram update.', action: 'Platforms only.' },
  UNSTORABLE_ITEM: { status: 400, meaning: 'The inbound item could not be stored as sent.', action: 'Platforms only: the item is refused, not retried.' },
  INBOX_BUSY: { status: 503, meaning: 'The inbound item could not be stored now.', action: 'Platforms retry by themselves.' },
  CRM_WEBHOOK_UNREADABLE: { status: 400, meaning: 'The CRM webhook body is neither JSON nor a form.', action: 'CRMs only.' },
  INVALID_SIGNED_REQUEST: { status: 400, meaning: "Meta's signed_request is missing, badly signed or names no user.", action: 'Meta only.' },
  SIGNED_REQUEST_EXPIRED: { status: 400, meaning: "Meta's signed_request is too old (or from the future).", action: 'Meta only: send a fresh one.' },
  DELETION_REQUEST_NOT_FOUND: { status: 404, meaning: 'No deletion request has this confirmation code.', action: 'Check the code from the confirmation.' },
} as const satisfies Record<string, ErrorEntry>;
