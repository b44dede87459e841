import { Global, Module } from '@nestjs/common';
import { KeyRing, SecretBox } from '../../libs/crypto/src';
import { AppConfig } from '../config/app-config';

/**
 * The one SecretBox of the app (envelope encryption under MM_MASTER_KEYS): channel credentials,
 * webhook signing secrets and every other sealed secret go through it.
 */
@Global()
@Module({
  providers: [{ provide: SecretBox, inject: [AppConfig], useFactory: (config: AppConfig) => new SecretBox(KeyRing.parse(config.masterKeys)) }],
  exports: [SecretBox],
})
export class CryptoModule {}
