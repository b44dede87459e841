import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What every log line written while serving a request says about it: ids only, never content. */
export interface RequestContext {
  readonly requestId: string;
  readonly tenantId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const currentRequestContext = (): RequestContext | undefined => storage.getStore();

export const runInRequestContext = <T>(context: RequestContext, work: () => T): T => storage.run(context, work);

/** A proxy's or client's X-Request-ID is kept when it looks like an id (so logs line up across hops), else a fresh one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The tenant a request was authenticated for (the auth guards put the principal on the request); none before sign-in. */
export const tenantOf = (req: { user?: unknown }): string | undefined => {
  const tenantId = (req.user as { tenantId?: unknown } | undefined)?.tenantId;
  return typeof tenantId === 'string' ? tenantId : undefined;
};
