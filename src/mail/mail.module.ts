import { Global, Module } from '@nestjs/common';
import { Mailer } from './mailer.service';

/** System mail: one Mailer for the whole app (see Mailer). */
@Global()
@Module({ providers: [Mailer], exports: [Mailer] })
export class MailModule {}
