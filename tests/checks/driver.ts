/**
 * Runs the database checks on one project directory and prints the result as JSON on stdout:
 * `node dist/tests/checks/driver.js DIR [--python P] [--database-url URL] [--only a,b]`.
 * Used by the tests that need a separate process (Ctrl-C) and handy by hand.
 */
import { loadProject } from '../../src/project/discover.js';
import { loadRevisions } from '../../src/engine/load.js';
import { runRuntimeChecks, type RuntimeCheckId } from '../../src/checks/session.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const dir = argv[0] ?? process.cwd();
const project = loadProject({ cwd: dir, env: process.env });
const { graph } = await loadRevisions(project, { cache: false });
const only = flag('--only')?.split(',') as RuntimeCheckId[] | undefined;
const result = await runRuntimeChecks(project, graph, {
  python: flag('--python'),
  databaseUrl: flag('--database-url'),
  allowDestructive: argv.includes('--allow-destructive'),
  ...(only !== undefined ? { only } : {}),
  ...(argv.includes('--parallel') ? { parallel: true } : argv.includes('--no-parallel') ? { parallel: false } : {}),
  onProgress: (e) => process.stderr.write(`progress ${JSON.stringify(e)}\n`),
  onLog: argv.includes('--verbose') ? (l) => process.stderr.write(`log ${l}\n`) : undefined,
});
process.stdout.write(
  JSON.stringify({ ...result, error: result.error ? { kind: result.error.kind, message: result.error.message, reason: result.error.reason, hint: result.error.hint } : undefined }, null, 2) + '\n',
);
