import { Module } from '@nestjs/common';
import { TelegramAdapter } from './telegram.adapter';

/** Telegram bots: one bot per channel, each calling its own webhook URL. */
@Module({ providers: [TelegramAdapter] })
export class TelegramModule {}
