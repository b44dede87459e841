import { FIX, CHECK_ID, type ErrorEntry } from './entry';

/** Integrations. */
export const INTEGRATION_ERRORS = {
  CRM_KIND_UNKNOWN: { status: 400, meaning: 'The CRM kind is not one this installation connects to.', action: 'Choose a kind the message lists.' },
  CRM_INTEGRATION_NOT_FOUND: { status: 404, meaning: 'No such CRM integration.', action: CHECK_ID },
  CRM_INTEGRATION_NOT_ACTIVE: {
    status: 409,
    meaning: 'The integration is not active (waiting for authorization, or disconnected).',
    action: 'Complete its authorization or connect it again.',
  },
  CRM_INTEGRATION_LIMIT: { status: 409, meaning: 'The organization has as many connected CRMs as it may.', action: 'Disconnect one first.' },
  INVALID_CRM_CONFIG: { status: 400, meaning: 'The CRM configuration is not valid for this kind.', action: FIX },
  INVALID_CRM_CREDENTIALS: { status: 400, meaning: 'The CRM credentials are not of the form this kind takes.', action: FIX },
  INVALID_CRM_BASE_URL: { status: 400, meaning: "The CRM account's address is missing or not a public https URL.", action: FIX },
  OAUTH_CALLBACK_INVALID: { status: 400, meaning: 'The OAuth callback is missing a parameter or has a malformed one.', action: 'Connect the CRM again.' },
  OAUTH_STATE_INVALID: { status: 400, meaning: 'The authorization is unknown, was already used, or has expired.', action: 'Connect the CRM again.' },
  OAUTH_REFERER_MISMATCH: {
    status: 400,
    meaning: "The authorization came back from another account than the integration's.",
    action: 'Connect the CRM again from the right account.',
  },
  OAUTH_EXCHANGE_FAILED: { status: 400, meaning: 'The CRM did not accept the authorization code.', action: 'Connect the CRM again.' },
  WEBHOOK_SUBSCRIPTION_NOT_FOUND: { status: 404, meaning: 'No such webhook subscription.', action: CHECK_ID },
  WEBHOOK_SUBSCRIPTION_LIMIT: { status: 409, meaning: 'The organization has as many webhook subscriptions as it may.', action: 'Remove one first.' },
  INVALID_WEBHOOK_URL: { status: 400, meaning: 'The webhook URL is not a public https URL.', action: FIX },
  INVALID_WEBHOOK_EVENTS: { status: 400, meaning: 'events names unknown event types (or none).', action: 'Choose from the event types the message lists.' },
  INBOUND_EVENT_NOT_FOUND: { status: 404, meaning: 'No such inbound event.', action: CHECK_ID },
} as const satisfies Record<string, ErrorEntry>;
