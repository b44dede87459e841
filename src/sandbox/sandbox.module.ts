import { DynamicModule, Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/core/channels.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { SandboxPlatforms } from './sandbox-platforms';
import { SandboxRuntime } from './sandbox-runtime';
import { SandboxSeed } from './sandbox-seed.service';
import { SandboxController } from './sandbox.controller';
import { SandboxService } from './sandbox.service';

/** Always registered, so its routes are documented; active only with the simulated platforms main.ts started (SANDBOX=on). */
@Module({})
export class SandboxModule {
  static register(platforms?: SandboxPlatforms): DynamicModule {
    return {
      module: SandboxModule,
      imports: [ChannelsModule, TenancyModule],
      controllers: [SandboxController],
      providers: [{ provide: SandboxRuntime, useValue: new SandboxRuntime(platforms) }, SandboxService, SandboxSeed],
      exports: [SandboxSeed],
    };
  }
}
