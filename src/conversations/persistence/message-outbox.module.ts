import { Global, Module } from '@nestjs/common';
import { MessageOutbox } from '../../../libs/domain/src';
import { TypeOrmMessageOutbox } from './message-outbox.store';

/**
 * The outbox port on its own and global: the channel kit, which conversations build on and so
 * cannot import, fails a disconnected channel's queued messages through it (the messages table
 * keeps one owner).
 */
@Global()
@Module({
  providers: [{ provide: MessageOutbox, useClass: TypeOrmMessageOutbox }],
  exports: [MessageOutbox],
})
export class MessageOutboxModule {}
