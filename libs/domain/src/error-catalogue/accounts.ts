import { CHECK_ID, type ErrorEntry } from './entry';

/** Accounts, organizations, users. */
export const ACCOUNT_ERRORS = {
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
} as const satisfies Record<string, ErrorEntry>;
