import type { ErrorEntry } from './entry';

/** Sandbox (npm run sandbox: simulated platforms, never in production). */
export const SANDBOX_ERRORS = {
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
