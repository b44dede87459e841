import { randomBytes } from 'node:crypto';
import { InvalidConfigError, sandboxRefusal, sandboxRequested } from '../config/app-config';
import { SimulatedGraph } from './platforms/simulated-graph';
import { SimulatedSmtp } from './platforms/simulated-smtp';
import { SimulatedTelegram } from './platforms/simulated-telegram';
import { SimulatedTwilio } from './platforms/simulated-twilio';

/**
 * The platforms the sandbox simulates, each on its own loopback port in this process: the Graph
 * API (Messenger, Instagram, WhatsApp), the Telegram Bot API, Twilio's REST API, and the
 * Customer's outgoing mail server. They check every call as the tests' fakes do (they are the same
 * code) and record what they received, which is what the sandbox's outbox shows.
 */
export class SandboxPlatforms {
  private constructor(
    readonly graph: SimulatedGraph,
    readonly telegram: SimulatedTelegram,
    readonly twilio: SimulatedTwilio,
    readonly smtp: SimulatedSmtp,
  ) {}

  static async start(): Promise<SandboxPlatforms> {
    // The mail server starts with an account nobody knows; each sandbox e-mail channel adds its own.
    const smtp = new SimulatedSmtp(`nobody-${randomBytes(8).toString('hex')}`, randomBytes(24).toString('hex'));
    return new SandboxPlatforms(
      await new SimulatedGraph().start(),
      await new SimulatedTelegram({ httpWebhooks: true }).start(),
      await new SimulatedTwilio().start(),
      await smtp.start(),
    );
  }

  /** What the app's environment must say for its platform clients to call the simulations. */
  environment(): Record<string, string> {
    return { META_GRAPH_URL: this.graph.url, TELEGRAM_API_URL: this.telegram.url, TWILIO_API_URL: this.twilio.url };
  }

  async stop(): Promise<void> {
    await Promise.all([this.graph.stop(), this.telegram.stop(), this.twilio.stop(), this.smtp.stop()]);
  }
}

/**
 * Starts the simulated platforms when the sandbox was asked for and points `env` at them (any
 * platform URL already set is replaced: the sandbox never reaches a real platform). Meta's app
 * secret and verify token get throwaway values unless set; local targets are allowed (the
 * simulated mail server is on loopback). Refused with NODE_ENV=production, before anything starts.
 */
export async function prepareSandbox(env: NodeJS.ProcessEnv, argv: readonly string[] = process.argv): Promise<SandboxPlatforms | undefined> {
  if (!sandboxRequested(env, argv)) return undefined;
  const refusal = sandboxRefusal(env, argv);
  env.SANDBOX = 'on';
  if (refusal) throw new InvalidConfigError(refusal);
  const platforms = await SandboxPlatforms.start();
  Object.assign(env, platforms.environment());
  env.META_APP_SECRET ||= randomBytes(24).toString('hex');
  env.META_VERIFY_TOKEN ||= randomBytes(16).toString('hex');
  env.WEBHOOKS_ALLOW_LOCAL_TARGETS ||= 'on';
  return platforms;
}
