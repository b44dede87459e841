/**
 * The Node.js lines this service supports, and when each stops getting security fixes
 * (https://github.com/nodejs/release#release-schedule). The image runs the first LTS line listed;
 * a start on a line past its end of life is warned about, not refused: it still works, unpatched.
 */
export const SUPPORTED_NODE_LINES = [22, 24] as const;
export const IMAGE_NODE_LINE = 22;
/**
 * What the image starts node with besides the app, by line. AsyncLocalStorage (the unit of work,
 * the request context) otherwise makes V8 call promise hooks on every promise of the process
 * (about 110 ns each, 4x the cost of a bare promise); the async context frame keeps it without
 * them. From 24 on that is the default, and node refuses the flag.
 */
export const imageNodeFlags = (line: number): string[] => (line === 22 ? ['--experimental-async-context-frame'] : []);
/**
 * The oldest Node.js the code runs on (require() of ES modules unflagged). CI machines that still
 * have Node 20 run the tests on it, so package.json `engines` accepts it; past its end of life,
 * it gets the warning at every start.
 */
export const OLDEST_RUNNING_NODE = '20.19.0';
/** package.json `engines.node`: the oldest running line, and every supported one. */
export const ENGINES_NODE = `^${OLDEST_RUNNING_NODE} || >=${SUPPORTED_NODE_LINES[0]}`;

const END_OF_LIFE: Record<number, string> = {
  16: '2023-09-11',
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
  26: '2029-04-30',
};

/** A warning to print at start when `version` (e.g. `v20.19.0`) is past its end of life or not a supported line; else null. */
export function nodeSupportWarning(version: string, now: Date = new Date()): string | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  const supported = `supported: Node.js ${SUPPORTED_NODE_LINES.join(' or ')} (the image runs ${IMAGE_NODE_LINE} LTS)`;
  const eol = END_OF_LIFE[major];
  if (eol && now.getTime() >= Date.parse(`${eol}T00:00:00Z`)) {
    return `Node.js ${version} reached its end of life on ${eol} and gets no security fixes: upgrade (${supported})`;
  }
  if (!SUPPORTED_NODE_LINES.includes(major as (typeof SUPPORTED_NODE_LINES)[number])) {
    return `Node.js ${version} is not a line this service is tested on (${supported})`;
  }
  return null;
}
