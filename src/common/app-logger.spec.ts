import { AppLogger } from './app-logger';
import { runInRequestContext } from './request-context';

describe('AppLogger', () => {
  const printed = (logger: AppLogger) => {
    const lines: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    logger.log('Mapped {/api/channels, POST} route', 'RouterExplorer');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('region eu: schema up to date', 'RegionDatabases');
    logger.debug('details', 'Anything');
    logger.error('boom', 'stack', 'ExceptionHandler');
    jest.restoreAllMocks();
    return lines.join('');
  };

  it("leaves out route mapping and module loading by default, and Nest's copy of start errors", () => {
    const out = printed(new AppLogger('log'));
    expect(out).toContain('region eu: schema up to date');
    expect(out).not.toMatch(/Mapped|dependencies initialized|details|boom/);
  });

  it('shows them from LOG_LEVEL=debug', () => {
    const out = printed(new AppLogger('debug'));
    expect(out).toMatch(/Mapped[\s\S]*dependencies initialized[\s\S]*details/);
  });

  it('shows only errors and warnings at LOG_LEVEL=warn', () => {
    expect(printed(new AppLogger('warn'))).toBe('');
  });

  it('writes one JSON object per line with LOG_FORMAT=json, carrying the request and tenant ids of the request it serves', () => {
    const lines: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    const logger = new AppLogger('log', 'json');
    logger.log('outside any request', 'Main');
    runInRequestContext({ requestId: 'req-1', tenantId: '00000000-0000-4000-8000-00000000000a' }, () => logger.warn('inside one', 'Channels'));
    jest.restoreAllMocks();
    const [outside, inside] = lines.map((l) => JSON.parse(l));
    expect(outside).toMatchObject({ level: 'log', context: 'Main', message: 'outside any request' });
    expect(outside).not.toHaveProperty('requestId');
    expect(inside).toMatchObject({
      level: 'warn',
      context: 'Channels',
      message: 'inside one',
      requestId: 'req-1',
      tenantId: '00000000-0000-4000-8000-00000000000a',
    });
  });
});
