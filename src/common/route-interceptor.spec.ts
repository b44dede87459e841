import { CanActivate, Controller, Get, Injectable, Module, UseGuards } from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiOkResponse, ApiProperty } from '@nestjs/swagger';
import { currentRequestContext } from './request-context';
import { RouteInterceptor } from './route-interceptor';

class Seen {
  @ApiProperty() requestId: string;
  @ApiProperty() tenantId: string;
}

@Injectable()
class SignedIn implements CanActivate {
  canActivate(ctx: Parameters<CanActivate['canActivate']>[0]): boolean {
    ctx.switchToHttp().getRequest().user = { tenantId: 'tenant-a' };
    return true;
  }
}

@Controller('probe')
class ProbeController {
  @Get('context')
  @UseGuards(SignedIn)
  @ApiOkResponse({ type: Seen })
  async context() {
    // Read after an await: the context must hold across the handler's own async steps.
    await new Promise((resolve) => setImmediate(resolve));
    return { ...currentRequestContext(), secret: 'not documented' };
  }

  @Get('undocumented')
  undocumented() {
    return { anything: currentRequestContext()?.tenantId ?? null };
  }
}

@Module({ controllers: [ProbeController], providers: [{ provide: APP_INTERCEPTOR, useClass: RouteInterceptor }] })
class ProbeModule {}

describe('RouteInterceptor', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter({ genReqId: () => 'req-42' }), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app.close());

  it('runs the handler in the request context, tenant included, and whitelists the answer', async () => {
    const res = await app.inject({ method: 'GET', url: '/probe/context' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ requestId: 'req-42', tenantId: 'tenant-a' });
  });

  it('passes the answer of a handler without a documented model as it is', async () => {
    const res = await app.inject({ method: 'GET', url: '/probe/undocumented' });
    expect(res.json()).toEqual({ anything: null });
    expect(currentRequestContext()).toBeUndefined();
  });
});
