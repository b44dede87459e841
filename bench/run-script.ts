/**
 * How every bench script ends: the process exits with what `main` answers (0 when nothing), or
 * prints the failure and exits 1. A bench leaves pools, servers and children behind it only in
 * a failure, and then exiting is what ends them.
 */
export function runScript(main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
