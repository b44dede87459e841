/**
 * Every error `code` the API answers with: its HTTP status, what it means and what a client
 * should do. The throwing helpers (errors.ts) accept only codes listed here with a status that
 * matches their kind, so a new code cannot ship without its entry; docs/errors.md and
 * /docs/errors are generated from this list, and the OpenAPI document's error enums draw on it.
 */
export interface ErrorEntry {
  /** The status this code is answered with (a few codes answer with more than one, per route). */
  readonly status: number | readonly number[];
  readonly meaning: string;
  readonly action: string;
}

const FIX = 'Fix the request as the message says; retrying it unchanged fails again.';
const RETRY = 'Retry later with backoff; nothing was changed.';
const CHECK_ID = 'Check the id; ids of another organization answer this too. Refresh your copy of the list.';

export const ERROR_CATALOGUE = {
  // --- Request shape (any route) ---
  BAD_REQUEST: {
    status: 400,
    meaning: 'The request could not be understood (a malformed header or length, say); the rare other 4xx without a code of its own answers with it too.',
    action: FIX,
  },
  VALIDATION_FAILED: { status: 400, meaning: 'The body, query or path failed validation; the message lists every problem.', action: FIX },
  MALFORMED_JSON: { status: 400, meaning: 'The body is not valid JSON (or is empty where JSON is expected).', action: 'Send a well-formed JSON body.' },
  JSON_TOO_DEEP: {
    status: 400,
    meaning: 'The JSON body nests objects and arrays deeper than the API accepts.',
    action: 'Flatten the body; no API body needs deep nesting.',
  },
  INVALID_ID: {
    status: 400,
    meaning: 'A path parameter is not a well-formed id (a UUID, or a number where one is expected).',
    action: 'Use the ids the API returned.',
  },
  INVALID_CURSOR: {
    status: 400,
    meaning: 'The cursor was not issued by this API for this list.',
    action: 'Pass back nextCursor exactly as received, or start from the first page.',
  },
  NOT_FOUND: {
    status: 404,
    meaning: 'No such route (or export), or nothing there for this caller.',
    action: 'Check the method and path against the API document.',
  },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'The route exists but not with this method.', action: 'Use a method the API document lists for this path.' },
  NOT_ACCEPTABLE: { status: 406, meaning: 'The API cannot answer in a format the Accept header allows.', action: 'Accept application/json.' },
  LENGTH_REQUIRED: {
    status: 411,
    meaning: 'A chunked body was sent where a Content-Length is required.',
    action: 'Send the body with a Content-Length header.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The body is larger than this route accepts.', action: 'Send a smaller body.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: 'The body has a content type this route does not accept.',
    action: 'Send application/json (platform webhooks: the type the platform uses).',
  },
  RATE_LIMITED: { status: 429, meaning: 'Too many requests from this address or client.', action: 'Wait for the time in Retry-After, then retry.' },
  INTERNAL_ERROR: {
    status: 500,
    meaning: 'An unexpected failure; it is logged on the server. Nothing half-written remains.',
    action: 'Retry later; report it if it persists.',
  },
  DATABASE_UNAVAILABLE: { status: 503, meaning: 'The database cannot be reached right now.', action: RETRY },

  // --- Authentication and roles ---
  UNAUTHENTICATED: {
    status: 401,
    meaning: 'No valid bearer token (user token or API key) came with the request.',
    action: 'Sign in (or refresh the token) and send Authorization: Bearer <token>.',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    meaning: 'The e-mail and password (or the current password) do not match.',
    action: 'Ask the user to type them again; repeated failures are throttled.',
  },
  INVALID_REFRESH_TOKEN: { status: 401, meaning: 'The refresh token is expired, revoked or unknown.', action: 'Sign in again.' },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    meaning: 'A refresh token was used twice; the whole session was ended as a precaution.',
    action: 'Sign in again; use each refresh token only once.',
  },
  FORBIDDEN: { status: 403, meaning: 'The caller may not do this.', action: 'Do not retry; the caller needs other rights.' },
  ROLE_REQUIRED: {
    status: 403,
    meaning: "The caller's role does not allow this action.",
    action: 'Ask an owner or admin, or use a user with the needed role.',
  },
  ROLE_NOT_ALLOWED: {
    status: 403,
    meaning: 'The caller cannot give the requested role (to a user, invitation or key).',
    action: 'Choose a role at or below your own.',
  },
  NOT_A_PERSON: {
    status: [400, 403],
    meaning: 'An API key tried something only a person can do (manage keys, change a password).',
    action: 'Do it signed in as a user.',
  },
  USER_DEACTIVATED: {
    status: [403, 409],
    meaning: 'The user is deactivated: they cannot sign in, or cannot receive what was asked (ownership).',
    action: 'Ask an owner or admin to reactivate the user, or choose an active one.',
  },
  OPERATOR_READ_ONLY: { status: 403, meaning: 'Operator access to an organization is read-only.', action: 'Use only GET requests under an access grant.' },
  PURPOSE_NOT_PERMITTED: {
    status: [403, 422],
    meaning: 'The data may not be used for this purpose (its origin forbids it, or no data is ever passed on for it).',
    action: 'Do not retry; choose another purpose or leave that data out.',
  },
  TOO_MANY_ATTEMPTS: {
    status: 429,
    meaning: 'Too many sign-in, sign-up or reset attempts from this address or for this account.',
    action: 'Wait for the time in Retry-After.',
  },
  TOO_MANY_STREAMS: {
    status: 429,
    meaning: 'Too many live event streams are open for this user or organization.',
    action: 'Close another stream (tab), then reconnect after Retry-After.',
  },

  // --- Accounts, organizations, users ---
  EMAIL_TAKEN: { status: 409, meaning: 'An account with this e-mail address already exists.', action: 'Sign in instead, or use another address.' },
  PASSWORD_TOO_WEAK: {
    status: 400,
    meaning: 'The password is too easy to guess; the message gives advice.',
    action: 'Choose a longer password of uncommon words.',
  },
  UNKNOWN_REGION: {
    status: [400, 404],
    meaning: 'The data region is not offered by this installation.',
    action: 'Choose one of the regions the message lists (or omit it for the default).',
  },
  INVALID_TOKEN: {
    status: 400,
    meaning: 'The link (password reset, e-mail verification, invitation) was used, has expired or was replaced.',
    action: 'Ask for a new link.',
  },
  TENANT_NOT_FOUND: { status: 404, meaning: 'The organization does not exist (or is being terminated).', action: CHECK_ID },
  USER_NOT_FOUND: { status: 404, meaning: 'No such user in this organization.', action: CHECK_ID },
  TEAM_NOT_FOUND: { status: 404, meaning: 'No such team in this organization.', action: CHECK_ID },
  BUSINESS_HOURS_NOT_FOUND: { status: 404, meaning: 'No such business hours in this organization.', action: CHECK_ID },
  BUSINESS_HOURS_EXIST: {
    status: 409,
    meaning: 'The channel or team has business hours already (one schedule each).',
    action: 'Change that schedule (PATCH), or delete it first.',
  },
  CSAT_SURVEY_NOT_FOUND: {
    status: 404,
    meaning: 'No such satisfaction survey: a rating link that is not ours or belongs to another organization, or no rating is being asked in this chat.',
    action: 'Rate from the link or chat that asked; nothing else can be rated.',
  },
  CSAT_ALREADY_ANSWERED: {
    status: 409,
    meaning: 'This satisfaction survey has its rating already; a resolution is rated once.',
    action: 'Nothing to do: the first rating stands.',
  },
  CSAT_NOT_SUPPORTED: {
    status: 400,
    meaning: 'Satisfaction surveys are asked only on web chat, e-mail and WhatsApp channels.',
    action: 'Turn them on for a channel of one of those kinds.',
  },
  TEAM_NAME_TAKEN: {
    status: 409,
    meaning: 'The organization already has a team with this name (whatever its case).',
    action: 'Use that team, or another name.',
  },
  TOO_MANY_TEAMS: { status: 409, meaning: 'The organization has as many teams as it may have.', action: 'Delete a team you no longer use.' },
  TEAM_MEMBER_INVALID: {
    status: 400,
    meaning: 'A team member named in the body is not a user of this organization.',
    action: 'Choose users from GET /api/users.',
  },
  INVITATION_NOT_FOUND: { status: 404, meaning: 'No such pending invitation.', action: CHECK_ID },
  INVITATION_PENDING: {
    status: 409,
    meaning: 'This address already has a pending invitation.',
    action: 'Revoke that invitation first, or let the person accept it.',
  },
  HANDOVER_USER_INVALID: {
    status: 400,
    meaning: 'handOverTo is not another active user of this organization.',
    action: 'Choose an active colleague (or none: the queue).',
  },
  LAST_OWNER: { status: 409, meaning: 'The change would leave the organization without an active owner.', action: 'Transfer the ownership first.' },
  ALREADY_OWNER: { status: 400, meaning: 'The ownership transfer names someone who already owns the organization.', action: 'Choose another user.' },
  CONFIRMATION_MISMATCH: { status: 400, meaning: "The confirmation does not match the organization's name (or id).", action: 'Type the name exactly.' },
  SESSION_NOT_FOUND: { status: 404, meaning: 'No such chat session (web chat).', action: 'Start a new session.' },
  API_KEY_NOT_FOUND: { status: 404, meaning: 'No such API key.', action: CHECK_ID },
  EXPIRES_IN_PAST: { status: 400, meaning: 'expiresAt is not in the future.', action: 'Give a future time, or none for a key that does not expire.' },
  ACCESS_GRANT_NOT_FOUND: { status: 404, meaning: 'No such operator access grant.', action: CHECK_ID },
  OPERATOR_EXISTS: { status: 409, meaning: 'An operator with this e-mail address exists.', action: 'Use the existing operator.' },

  // --- Conversations, messages, contacts ---
  CONVERSATION_NOT_FOUND: { status: 404, meaning: 'No such conversation in this organization.', action: CHECK_ID },
  MESSAGE_NOT_FOUND: { status: 404, meaning: 'No such message in this conversation.', action: CHECK_ID },
  ATTACHMENT_NOT_FOUND: { status: 404, meaning: 'No such attachment, or it has no content to fetch.', action: CHECK_ID },
  CONTACT_NOT_FOUND: { status: 404, meaning: 'No such contact in this organization.', action: CHECK_ID },
  CONTACT_MERGED: {
    status: 404,
    meaning: 'The contact was merged into another one; the message names it.',
    action: 'Use the id of the contact it was merged into.',
  },
  SAME_CONTACT: { status: 400, meaning: 'A contact cannot be merged into itself.', action: 'Choose two different contacts.' },
  INVALID_PHONE: { status: 400, meaning: 'The phone number is not valid.', action: 'Write it in international format (+country code).' },
  LABEL_NOT_FOUND: { status: 404, meaning: 'No such label.', action: CHECK_ID },
  ATTRIBUTE_NOT_FOUND: { status: 404, meaning: 'No such custom attribute definition.', action: CHECK_ID },
  ATTRIBUTE_KEY_TAKEN: {
    status: 409,
    meaning: 'The organization already defines an attribute with this key for this entity.',
    action: 'Use that definition, or another key.',
  },
  TOO_MANY_ATTRIBUTES: {
    status: 409,
    meaning: 'The organization defines as many custom attributes for this entity as it may.',
    action: 'Delete definitions it no longer needs.',
  },
  UNKNOWN_ATTRIBUTE: {
    status: 400,
    meaning: 'A custom attribute key that the organization has not defined for this entity.',
    action: 'Define it first (POST /api/attribute-definitions), or fix the key.',
  },
  INVALID_ATTRIBUTE_VALUE: {
    status: 400,
    meaning: "A custom attribute value that does not fit its definition's type (text, number, date YYYY-MM-DD, or one of a list's options).",
    action: FIX,
  },
  LABEL_NAME_TAKEN: { status: 409, meaning: 'The organization already has a label with this name.', action: 'Use that label, or another name.' },
  TOO_MANY_LABELS: { status: 409, meaning: 'The organization has as many labels as it may.', action: 'Delete labels it no longer needs.' },
  CANNED_RESPONSE_NOT_FOUND: { status: 404, meaning: 'No such canned response.', action: CHECK_ID },
  SHORT_CODE_TAKEN: { status: 409, meaning: 'The organization already has a canned response with this short code.', action: 'Choose another short code.' },
  TOO_MANY_CANNED_RESPONSES: {
    status: 409,
    meaning: 'The organization has as many canned responses as it may.',
    action: 'Delete canned responses it no longer needs.',
  },
  NOTIFICATION_NOT_FOUND: { status: 404, meaning: 'No such notification for this user.', action: CHECK_ID },
  ASSIGNEE_NOT_FOUND: { status: 400, meaning: 'assigneeId is not a user of this organization.', action: 'Choose a user from GET /api/users.' },
  EMPTY_PATCH: { status: 400, meaning: 'The update changes nothing: none of its fields were sent.', action: 'Send at least one field to change.' },
  EMPTY_MESSAGE: { status: 400, meaning: 'The message is empty (once its variables are filled in).', action: 'Send text or attachments.' },
  MESSAGE_TOO_LONG: { status: 400, meaning: 'The reply is longer than the limit once its variables are filled in.', action: 'Shorten it or split it.' },
  SNOOZE_IN_PAST: { status: 400, meaning: 'snoozedUntil is not in the future.', action: 'Give a future time.' },
  SNOOZE_TOO_FAR: { status: 400, meaning: 'snoozedUntil is more than a year ahead.', action: 'Give a time within a year.' },
  SNOOZE_NEEDS_STATUS: { status: 400, meaning: 'snoozedUntil was sent without status snoozed.', action: 'Send status: snoozed with it.' },
  ADDRESS_REQUIRED: { status: 400, meaning: 'The contact has no address on this channel.', action: 'Send the address as `to`.' },
  INVALID_ADDRESS: { status: 400, meaning: "`to` is not an address of the channel's kind (an e-mail address, a phone number).", action: 'Fix the address.' },
  ADDRESS_OF_ANOTHER_CONTACT: { status: 409, meaning: 'Another contact has this address on this channel.', action: 'Write to that contact, or merge the two.' },
  TEMPLATE_NOT_SUPPORTED: { status: 400, meaning: 'Templates exist only on WhatsApp.', action: 'Send text instead.' },
  TEXT_TOO_LONG: {
    status: 400,
    meaning: "The text is longer than the channel's platform takes in one message (the message says the limit).",
    action: 'Shorten the text, or send it as several messages.',
  },
  ATTACHMENTS_NOT_SUPPORTED: {
    status: 400,
    meaning: 'Attachments of this form (by URL, or uploaded files) cannot be sent on this channel yet.',
    action: 'Send text, or a link in the text.',
  },
  CHANNEL_DISCONNECTED: { status: 409, meaning: 'The channel is disconnected.', action: 'Reconnect the channel, then send.' },
  CHANNEL_REVOKED: { status: 409, meaning: "The platform revoked the channel's access.", action: 'Reconnect the channel with new credentials.' },
  MESSAGING_WINDOW_CLOSED: {
    status: 422,
    meaning: "The platform's window for messages to this contact has closed.",
    action: 'Wait for the contact to write again.',
  },
  WHATSAPP_WINDOW_CLOSED: {
    status: 422,
    meaning: 'Outside the 24-hour customer service window WhatsApp accepts only an approved template.',
    action: 'Send a template.',
  },
  WHATSAPP_TEMPLATE_REQUIRED: { status: 422, meaning: 'A WhatsApp conversation can only be started with an approved template.', action: 'Send a template.' },
  WHATSAPP_OPT_IN_REQUIRED: {
    status: 422,
    meaning: 'The contact has not opted in to WhatsApp messages.',
    action: "Record the contact's opt-in (PUT /api/contacts/{id}/consents) first.",
  },
  SMS_OPTED_OUT: {
    status: 422,
    meaning: 'The contact replied STOP; nothing may be sent until they reply START.',
    action: 'Do not retry; reach the contact another way.',
  },
  CONTACT_NOT_ON_CHANNEL: {
    status: 422,
    meaning: 'On this channel only a contact who has written to it can be written to.',
    action: 'Choose a channel the contact has used.',
  },
  CONTACT_BLOCKED: { status: 422, meaning: 'The contact has blocked the bot or account.', action: 'Do not retry; reach the contact another way.' },
  CARD_NUMBER_NOT_ALLOWED: { status: 422, meaning: 'WhatsApp messages must not contain a full payment card number.', action: 'Send the last 4 digits only.' },
  MEDIA_UNAVAILABLE: { status: 422, meaning: 'The media can no longer be fetched from the platform.', action: 'Ask the contact to send it again.' },

  // --- Uploads (media) ---
  REPLY_TO_NOT_FOUND: {
    status: 400,
    meaning: "replyToMessageId names no message of this conversation (another conversation's, another organization's, or none).",
    action: 'Quote a message of the conversation you are replying in, by the id the messages list gives it.',
  },
  UPLOAD_NOT_FOUND: { status: [400, 404], meaning: 'No such upload in this organization (400 when named inside a body).', action: CHECK_ID },
  UPLOAD_FILE_REQUIRED: { status: 400, meaning: 'The multipart body has no part named `file`.', action: 'Send the file as the multipart part `file`.' },
  UPLOAD_EMPTY: { status: 400, meaning: 'The file is empty.', action: 'Send a file with content.' },
  UPLOAD_TOO_LARGE: {
    status: 413,
    meaning: 'The file is larger than uploads accept (or than the platform of the channel named takes); the message says the limit.',
    action: 'Send a smaller file, or share a link to it in the text.',
  },
  UPLOAD_TYPE_NOT_ALLOWED: {
    status: 422,
    meaning: "The file's type (sniffed from its bytes) is not one the chat accepts from visitors; the message lists the allowed types.",
    action: "Send a picture or a PDF (or what the message lists); the business sets the types in the channel's allowedUploadTypes.",
  },
  UPLOADS_OFF: {
    status: 403,
    meaning: 'This chat does not take files from visitors (its allowedUploadTypes is empty).',
    action: 'Describe it in text, or ask the business for another way to send it.',
  },
  MEDIA_QUOTA_EXCEEDED: {
    status: 413,
    meaning: "The organization's storage for files is full.",
    action: 'Delete conversations or files it no longer needs, or ask for a larger quota.',
  },
  ATTACHMENT_TOO_LARGE_FOR_CHANNEL: {
    status: 413,
    meaning: "An uploaded file is larger than the channel's platform takes for its type; the message says the limit.",
    action: 'Send a smaller file, or as a document where the platform takes larger documents.',
  },
  UPLOAD_ALREADY_SENT: {
    status: 409,
    meaning: 'The upload was sent with another message already.',
    action: 'Upload the file again for another message (the bytes are stored once either way).',
  },

  // --- Channels ---
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

  // --- Platform and CRM webhooks (called by the platforms, not by clients) ---
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

  // --- Integrations ---
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

  // --- Sandbox (npm run sandbox: simulated platforms, never in production) ---
  SANDBOX_OFF: {
    status: 404,
    meaning: 'This installation does not run the sandbox.',
    action: 'Start a local instance with npm run sandbox (or SANDBOX=on) to simulate customers.',
  },
  SANDBOX_CHANNEL_NOT_SIMULATED: {
    status: 409,
    meaning: "The sandbox does not simulate this channel's platform now (the channel is not active, or its account is not one the simulation knows).",
    action: 'Use one of the channels the sandbox connected at start (GET /api/channels), or restart the sandbox to connect them again.',
  },
  SANDBOX_DELIVERY_REFUSED: {
    status: 422,
    meaning: "The app's own webhook (or SMTP listener) refused the simulated platform's delivery; the message says with what.",
    action: "Read the app's answer in the message: it is what the real platform would have been told.",
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

type StatusesOf<C extends ErrorCode> = (typeof ERROR_CATALOGUE)[C]['status'] extends infer S ? (S extends readonly number[] ? S[number] : S) : never;

/** The codes answered with HTTP status `S`. */
export type ErrorCodeWithStatus<S extends number> = { [C in ErrorCode]: S extends StatusesOf<C> ? C : never }[ErrorCode];

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CATALOGUE, code);

/** The statuses a code is answered with. */
export const statusesOf = (code: ErrorCode): readonly number[] => {
  const s: number | readonly number[] = ERROR_CATALOGUE[code].status;
  return typeof s === 'number' ? [s] : s;
};
