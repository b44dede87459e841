import { Controller, ExecutionContext, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ChannelAdapters } from '../src/channels/core/channel-adapters';
import { RegionDatabases } from '../src/database/region-databases';
import { AuditLog } from '../src/audit/audit-log.store';
import { ExportsController } from '../src/privacy/exports.controller';
import { Purpose, PurposeGuard } from '../src/privacy/purpose.guard';
import { TestApp, TestTenant } from './support/test-app';

/** Routes carry their purpose; the guard refuses what the tenant's data may never serve. */
@Controller()
class DeclaredRoutes {
  @Get() @Purpose('profiling') profiling() {}
  @Get() @Purpose('customer_export') exporting() {}
  @Get() undeclared() {}
}

describe('purpose guard', () => {
  let t: TestApp;
  let guard: PurposeGuard;
  beforeAll(async () => {
    t = await TestApp.start();
    guard = new PurposeGuard(t.app.get(Reflector), t.app.get(RegionDatabases), t.app.get(AuditLog), t.app.get(ChannelAdapters));
  });
  afterAll(() => t.close());

  /** The context Nest would hand the guard for `handler`, with the caller already authenticated. */
  const contextFor = (tenant: TestTenant, handler: keyof DeclaredRoutes) =>
    ({
      getHandler: () => DeclaredRoutes.prototype[handler],
      getClass: () => DeclaredRoutes,
      switchToHttp: () => ({ getRequest: () => ({ user: { ...tenant, role: 'owner' }, method: 'GET', url: `/x/${handler}` }) }),
    }) as unknown as ExecutionContext;

  it('refuses profiling for a tenant holding Messenger data, and audits it', async () => {
    const owner = await t.signup();
    await t.createChannel(owner, 'messenger');
    await expect(guard.canActivate(contextFor(owner, 'profiling'))).rejects.toMatchObject({ code: 'PURPOSE_NOT_PERMITTED' });
    const audit = await t.request('GET', '/api/audit-log', { token: owner.token });
    expect(audit.body.items).toEqual([expect.objectContaining({ action: 'purpose.profiling', decision: 'deny', subject: 'route:GET /x/profiling' })]);
  });

  it('lets purposes through that consent can allow, and undeclared routes', async () => {
    const owner = await t.signup();
    await t.createChannel(owner, 'whatsapp');
    await expect(guard.canActivate(contextFor(owner, 'exporting'))).resolves.toBe(true);
    await expect(guard.canActivate(contextFor(owner, 'undeclared'))).resolves.toBe(true);
  });

  it("judges by the tenant's own data: e-mail-only data may be used for profiling by its Customer", async () => {
    const owner = await t.signup();
    await t.createChannel(owner, 'email');
    await expect(guard.canActivate(contextFor(owner, 'profiling'))).resolves.toBe(true);
  });

  it('is on the export routes, which declare customer_export', async () => {
    const reflector = t.app.get(Reflector);
    expect(reflector.get('mm:purpose', ExportsController)).toBe('customer_export');
    expect(reflector.get('__guards__', ExportsController)).toContain(PurposeGuard);
    const owner = await t.signup();
    expect((await t.request('GET', '/api/exports/contacts.jsonl', { token: owner.token })).status).toBe(200);
  });
});
