import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { answerOf } from './api-contract';
import { runInRequestContext, tenantOf } from './request-context';

/**
 * The one interceptor of every route: the handler runs in its request's context (after the
 * guards, so the tenant is known), so whatever it logs carries the request id and the tenant id;
 * and its answer goes out through its documented response model (see whitelist).
 *
 * One interceptor, not one per concern: Nest wraps each interceptor of a request in deferred
 * Observables and an async resource of their own. Nor an Observable of its own around the
 * handler: Nest binds the handler to the async context `handle()` is called in.
 */
@Injectable()
export class RouteInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<{ id?: string; user?: unknown }>();
    const handled = req?.id ? runInRequestContext({ requestId: req.id, tenantId: tenantOf(req) }, () => next.handle()) : next.handle();
    const answer = answerOf(ctx.getHandler(), ctx.getClass());
    return answer ? handled.pipe(map(answer)) : handled;
  }
}
