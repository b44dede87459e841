import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';

/**
 * The compose files, parsed as YAML (merge keys resolved, as compose does). `docker compose
 * config` is the real check where Docker's compose plugin exists; this machine's CI has none, so
 * this keeps the files well-formed and the scaled deployment's promises true.
 */
const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, 'docker', file), 'utf8');

interface Service {
  image?: string;
  ports?: string[];
  environment?: Record<string, string>;
  stop_grace_period?: string;
  depends_on?: Record<string, unknown>;
}
const servicesOf = (file: string) => (load(read(file), { schema: CORE_SCHEMA.withTags(mergeTag) }) as { services: Record<string, Service> }).services;

describe('docker compose files', () => {
  it('parse', () => {
    for (const file of ['compose.yaml', 'compose.regions.yaml', 'compose.scaled.yaml']) expect(servicesOf(file)).toEqual(expect.any(Object));
  });

  it('run two instances of one image behind the proxy, which alone is published and alone is trusted', () => {
    const s = servicesOf('compose.scaled.yaml');
    expect(Object.keys(s).sort()).toEqual(['app1', 'app2', 'postgres', 'proxy']);
    for (const app of [s.app1, s.app2]) {
      expect(app.image).toBe('monkeymachine:local');
      expect(app.ports).toBeUndefined();
      expect(app.environment).toMatchObject({ TRUST_PROXY: '1', LOG_FORMAT: 'json', DATABASE_URL: expect.stringContaining('@postgres:5432/') });
      // Shared secrets are required, never defaulted: instances that disagree could not read each other's tokens and credentials.
      expect(app.environment!.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
      expect(app.environment!.MM_MASTER_KEYS).toMatch(/^\$\{MM_MASTER_KEYS:\?/);
      // Docker waits longer than the app's own grace period before it kills.
      expect(parseInt(app.stop_grace_period!, 10) * 1000).toBeGreaterThan(Number(app.environment!.SHUTDOWN_GRACE_MS));
    }
    expect(s.app2.depends_on).toHaveProperty('app1');
    expect(s.proxy.ports).toContain('3000:80');

    const nginx = read('nginx.conf');
    expect(nginx).toMatch(/server app1:3000[^;]*;\s*server app2:3000/);
    // One trusted hop: the proxy overwrites X-Forwarded-For with the client it saw.
    expect(nginx).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(nginx).toContain('proxy_buffering off;');
  });

  it('builds the image on Node.js 22 LTS', () => {
    expect(read('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:22-/m);
  });
});
