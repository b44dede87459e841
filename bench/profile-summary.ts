/**
 * Where a CPU profile's time goes, as text: `node -r ./scripts/swc-register.js bench/profile-summary.ts <file.cpuprofile> [top]`.
 * Prints the functions with the most self time, then inclusive time by package or source folder
 * (a sample counts once per folder on its stack), so "how much is TypeORM, Nest, class-validator,
 * pg" reads off directly. A script for a person profiling, not part of any bench's figures.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package> (scoped too), src/<folder>, libs/<folder>, node:internal, or the url. */
function areaOf(url: string): string {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const own = /\/((?:src|libs)\/[^/]+)/.exec(url);
  if (own) return own[1];
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url || '(native)';
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    total += dt;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)') {
      if (fn === '(idle)') idle += dt;
      self.set(fn, (self.get(fn) ?? 0) + dt);
      return;
    }
    const key = `${fn || '(anonymous)'} ${areaOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!f.url) continue;
      const area = areaOf(f.url);
      if (!seen.has(area)) {
        seen.add(area);
        inclusive.set(area, (inclusive.get(area) ?? 0) + dt);
      }
    }
  });
  const busy = total - idle;
  const pct = (v: number) => `${((100 * v) / busy).toFixed(1).padStart(5)} %`;
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .filter(([k]) => k !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${pct(v)}  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`)
      .join('\n');
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy)\n\n`);
  process.stdout.write(`Self time, top ${top}\n${list(self)}\n\nInclusive time by package or folder\n${list(inclusive)}\n`);
}

main();
