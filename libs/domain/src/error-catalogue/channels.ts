import { RETRY, CHECK_ID, type ErrorEntry } from './entry';

/** Channels. */
export const CHANNEL_ERRORS = {
  CHANNEL_NOT_FOUND: { status: [400, 404], meaning: 'No such channel in this organization (400 when named inside a body).', action: CHECK_ID },
  CHANNEL_KIND_NOT_AVAILABLE: { status: 400, meaning: 'This channel kind cannot be connected (yet, or in this installation).', action: 'Choose another kind.' },
  CHANNEL_ALREADY_CONNECTED: {
    status: 409,
    meaning: 'This account is already connected (here or in another organization).',
    action: 'Use the existing channel, or disconnect it first.',
  },
  WEBCHAT_CHANNEL_NOT_FOUND: {
    status: 404,
    meaning: 'No such web chat (the key in the embed code is wrong or the chat was removed).',
    action: 'Check the embed code.',
  },
  ORIGIN_NOT_ALLOWED: {
    status: 403,
    meaning: "The web page's origin is not among the chat's allowed origins.",
    action: "Add the site's origin to the channel's allowedOrigins.",
  },
  PREFLIGHT_REFUSED: {
    status: 403,
    meaning: 'The cross-origin request asks for a method or header the chat does not allow.',
    action: 'Use only GET/POST with content-type, authorization and last-event-id.',
  },
  IDENTITY_VERIFICATION_FAILED: {
    status: 403,
    meaning: 'userHash is not HMAC-SHA256(identity secret, userId).',
    action: "Compute userHash on your server with the channel's identity secret.",
  },
  META_TOKEN_INVALID: { status: 400, meaning: 'Meta does not accept the access token.', action: 'Generate a new token and connect again.' },
  META_PERMISSION_MISSING: {
    status: 400,
    meaning: "The token may not subscribe the app to the account's webhooks.",
    action: 'Grant the permissions the message names, then connect again.',
  },
  META_ACCOUNT_MISMATCH: { status: 400, meaning: 'The token does not control the account given.', action: 'Use a token of that account.' },
  META_SUBSCRIPTION_REFUSED: { status: 503, meaning: "Meta refused to subscribe the app to the account's webhooks; nothing was connected.", action: RETRY },
  META_UNAVAILABLE: { status: 503, meaning: 'Meta could not be reached to check the credentials; nothing was connected.', action: RETRY },
  TELEGRAM_TOKEN_INVALID: { status: 400, meaning: 'Telegram does not accept the bot token.', action: 'Copy the token again from @BotFather.' },
  TELEGRAM_WEBHOOK_REJECTED: {
    status: 400,
    meaning: "Telegram refused the webhook URL (the installation's PUBLIC_BASE_URL).",
    action: 'The installation needs a public https address; contact its administrator.',
  },
  TELEGRAM_UNAVAILABLE: { status: 503, meaning: 'Telegram could not be reached to check the token; nothing was connected.', action: RETRY },
  TWILIO_CREDENTIALS_INVALID: { status: 400, meaning: 'Twilio refused the Account SID and Auth Token.', action: 'Copy them again from the Twilio console.' },
  TWILIO_ACCOUNT_INACTIVE: { status: 400, meaning: 'The Twilio account is suspended or closed.', action: 'Reactivate it at Twilio.' },
  TWILIO_NUMBER_NOT_IN_ACCOUNT: {
    status: 400,
    meaning: 'The phone number is not a number of this Twilio account.',
    action: "Use the account's (or subaccount's) own SID and number.",
  },
  TWILIO_UNAVAILABLE: { status: 503, meaning: 'Twilio could not be reached to check the credentials; nothing was connected.', action: RETRY },
  EMAIL_SMTP_HOST_NOT_ALLOWED: { status: 400, meaning: 'The SMTP host is not a public address.', action: 'Use the public host name of the mail server.' },
  EMAIL_SMTP_REFUSED: { status: 400, meaning: 'The SMTP server refused the settings.', action: 'Check the host, port, user and password.' },
  EMAIL_SMTP_UNREACHABLE: { status: 503, meaning: 'The SMTP server could not be reached to check the settings.', action: RETRY },
} as const satisfies Record<string, ErrorEntry>;
