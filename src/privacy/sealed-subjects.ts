import { Injectable } from '@nestjs/common';
import { SecretBox } from '../../libs/crypto/src';
import { DeletionRequestStore } from './deletion-request.store';

/**
 * The app-scoped ids of unfinished Meta deletion requests, sealed by the app's SecretBox and bound
 * to their request's code: the directory keeps them only until the request completes, and never
 * readable. Rotated with every other sealed secret (`npm run secrets:rotate`).
 */
@Injectable()
export class SealedSubjects {
  constructor(
    private readonly box: SecretBox,
    private readonly requests: DeletionRequestStore,
  ) {}

  seal(code: string, appScopedId: string): string {
    return this.box.encrypt(appScopedId, context(code));
  }

  open(code: string, sealed: string): string {
    return this.box.decryptString(sealed, context(code));
  }

  /** The master key ids the kept subjects are sealed under (the start-up check of the key ring). */
  async keyIds(): Promise<Set<string>> {
    return new Set((await this.requests.sealedSubjects()).map((s) => s.sealed.split('.')[1] ?? ''));
  }

  /** Re-encrypts every kept subject under `box`'s newest master key; safe to rerun. */
  async rotate(box: SecretBox = this.box): Promise<{ total: number; rewrapped: number }> {
    const result = { total: 0, rewrapped: 0 };
    for (const s of await this.requests.sealedSubjects()) {
      result.total++;
      if (!box.needsRewrap(s.sealed)) continue;
      await this.requests.resealSubject(s.code, s.sealed, box.rewrap(s.sealed, context(s.code)));
      result.rewrapped++;
    }
    return result;
  }
}

const context = (code: string) => ({ deletionRequest: code });
