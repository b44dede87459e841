import { notFound } from '../../libs/domain/src';
import type { SandboxPlatforms } from './sandbox-platforms';

/** Whether this process runs the sandbox: its simulated platforms, or nothing (the routes then answer 404 SANDBOX_OFF). */
export class SandboxRuntime {
  constructor(readonly platforms: SandboxPlatforms | undefined) {}

  require(): SandboxPlatforms {
    if (!this.platforms) throw notFound('SANDBOX_OFF', 'The sandbox is not running in this installation (it starts with npm run sandbox, or SANDBOX=on)');
    return this.platforms;
  }
}
