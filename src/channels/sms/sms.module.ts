import { Module } from '@nestjs/common';
import { SmsAdapter } from './sms.adapter';

/** SMS and MMS through Twilio: one number per channel, each calling its own webhook URLs. */
@Module({ providers: [SmsAdapter] })
export class SmsModule {}
