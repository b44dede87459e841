import { InvalidConfigError } from '../config/app-config';
import { SendLimiter } from './send-limiter';

describe('SendLimiter', () => {
  it('refuses at start a SEND_LIMITS name no platform declares', () => {
    expect(() => new SendLimiter({} as never, { sendLimits: { whatsap: 1000 } } as never, {} as never)).toThrow(InvalidConfigError);
    expect(() => new SendLimiter({} as never, { sendLimits: { whatsapp: 1000, telegram_chat: 2 } } as never, {} as never)).not.toThrow();
  });
});
