/**
 * Deploy benchmark: what `alembic-guard migrate` adds over a plain `alembic upgrade head`
 * (`python -m alembic` with the test venv), side by side on the runtime benchmark's generated
 * project, each run on a fresh database of one embedded PostgreSQL, whole processes, median.
 *
 * migrate does more than the upgrade: the static check of every revision, env.py run once to see
 * where it connects, the lock and monitor connections, one transaction per revision.
 *
 * Usage: node dist/bench/deploy.js [N ...]   (default 100). BENCH_RUNS: runs of each, interleaved (default 7).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, venvPython } from '../tests/helpers/paths.js';
import { startEmbeddedPostgres } from '../src/database/embedded.js';
import { generateRuntimeProject } from './runtime.js';
import { median, requireTestVenv } from './common.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const bin = join(repoRoot, 'dist', 'src', 'cli', 'bin.js');


function fmt(ms: number): string {
  return `${ms.toFixed(0).padStart(6)} ms`;
}

async function main(): Promise<void> {
  requireTestVenv();
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const server = await startEmbeddedPostgres();
  try {
    console.log(`PostgreSQL: ${server.description.replace(/\(.*\)$/, '')}; ${RUNS} run(s) of each, interleaved, each on a fresh database; median; whole processes (CPU: user + system of the process and its children)`);
    for (const n of sizes.length > 0 ? sizes : [100]) {
      const dir = join(repoRoot, 'bench', '.work', `deploy-${n}`);
      generateRuntimeProject(dir, n);
      // Both find the database the same way: env.py reads sqlalchemy.url from alembic.ini.
      const url = server.urlFor(0).replace(/^postgresql:/, 'postgresql+psycopg2:');
      const ini = join(dir, 'alembic.ini');
      writeFileSync(ini, readFileSync(ini, 'utf8').replace(/^sqlalchemy\.url = .*$/m, `sqlalchemy.url = ${url.replace(/%/g, '%%')}`));
      const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
      const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
      const once = async (label: string, cmd: string, args: string[], ok: (status: number | null, stdout: string) => boolean): Promise<{ wall: number; cpu: number }> => {
        await server.freshDatabase();
        const [c, a] = timeBin !== undefined ? [timeBin, ['-f', 'AGCPU %U %S', cmd, ...args]] : [cmd, args];
        const t0 = performance.now();
        const p = spawnSync(c, a, { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        const wall = performance.now() - t0;
        if (!ok(p.status, p.stdout)) throw new Error(`${label} failed (${p.status}):\n${p.stdout.slice(-2000)}\n${p.stderr.slice(-2000)}`);
        const m = /AGCPU ([\d.]+) ([\d.]+)/.exec(p.stderr);
        return { wall, cpu: m !== null ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
      };
      // Interleaved, so that a busy moment of the machine hits both alike.
      const a: { wall: number; cpu: number }[] = [];
      const m: { wall: number; cpu: number }[] = [];
      for (let r = 0; r < RUNS; r++) {
        a.push(await once('alembic upgrade head', venvPython, ['-m', 'alembic', 'upgrade', 'head'], (s) => s === 0));
        // --force: the generated revisions create plain indexes, which the static check reports as errors.
        m.push(
          await once('alembic-guard migrate', process.execPath, [bin, 'migrate', '--python', venvPython, '--no-cache', '--force', '--format', 'json'], (s, out) => s === 0 && (JSON.parse(out) as { applied: unknown[] }).applied.length === n),
        );
      }
      const alembic = median(a.map((x) => x.wall));
      const migrate = median(m.map((x) => x.wall));
      const alembicCpu = median(a.map((x) => x.cpu));
      const migrateCpu = median(m.map((x) => x.cpu));
      const added = migrate - alembic;
      console.log(`\n${n} revisions, from an empty database to head`);
      console.log(`  python -m alembic upgrade head            wall ${fmt(alembic)}   cpu ${fmt(alembicCpu)}`);
      console.log(`  alembic-guard migrate                     wall ${fmt(migrate)}   cpu ${fmt(migrateCpu)}`);
      console.log(`  added by migrate                          wall ${added >= 0 ? '+' : ''}${added.toFixed(0)} ms (${((added / alembic) * 100).toFixed(1)}%, ratio ${(migrate / alembic).toFixed(2)})   cpu ${((migrateCpu / alembicCpu - 1) * 100).toFixed(1)}%`);
    }
  } finally {
    await server.stop();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
