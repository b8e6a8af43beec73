/**
 * Static-path benchmark, side by side in one run on the same generated project:
 *   alembic-guard check --static (cold: no cache; warm: cache filled)  vs  python -m alembic heads
 * (no bytecode cache: PYTHONDONTWRITEBYTECODE=1 and __pycache__ removed before each run).
 * Usage: node dist/bench/static.js [N ...]   (default 3000)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateProject } from './generate.js';
import { cliPath, repoRoot, venvPython } from '../tests/helpers/paths.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
/** CPU next to wall (the machine is shared and noisy): user + system through /usr/bin/time when present. */
const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Timing {
  /** Median wall time, ms. */
  wall: number;
  /** Median user + system CPU, ms (NaN without /usr/bin/time). */
  cpu: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function time(label: string, cmd: string, args: string[], cwd: string, before?: () => void, env: Record<string, string> = {}): Timing {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    before?.();
    const [c, a] = TIME_BIN !== undefined ? [TIME_BIN, ['-f', 'AGCPU %U %S', cmd, ...args]] : [cmd, args];
    const t0 = performance.now();
    const p = spawnSync(c, a, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    walls.push(performance.now() - t0);
    if (p.status !== 0 && p.status !== 1) throw new Error(`${label} failed (${p.status}): ${p.stderr}`);
    const m = /AGCPU ([\d.]+) ([\d.]+)/.exec(p.stderr);
    if (m !== null) cpus.push((Number(m[1]) + Number(m[2])) * 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

function fmt(t: Timing): string {
  return `${t.wall.toFixed(0).padStart(6)} ms  cpu ${Number.isNaN(t.cpu) ? '   n/a' : t.cpu.toFixed(0).padStart(6)} ms`;
}

function ratio(base: Timing, t: Timing): string {
  return `${(base.wall / t.wall).toFixed(2)}x faster (wall), ${Number.isNaN(t.cpu) ? 'n/a' : `${(base.cpu / t.cpu).toFixed(2)}x less CPU`}`;
}

if (!existsSync(venvPython)) {
  console.error('bench: the test venv is missing; run `npm test` once (or `node dist/tests/setup/venv.js`).');
  process.exit(2);
}
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const n of sizes.length > 0 ? sizes : [3000]) {
  const dir = join(repoRoot, 'bench', '.work', `static-${n}`);
  generateProject(dir, n);
  const versions = join(dir, 'migrations', 'versions');
  const cache = join(dir, '.alembic-guard-cache');
  const noPycache = () => rmSync(join(versions, '__pycache__'), { recursive: true, force: true });

  const alembic = time('alembic heads', venvPython, ['-m', 'alembic', 'heads'], dir, noPycache, { PYTHONDONTWRITEBYTECODE: '1' });
  const cold = time('check --static (cold)', process.execPath, [cliPath, 'check', '--static', '--format', 'json'], dir, () => rmSync(cache, { recursive: true, force: true }));
  spawnSync(process.execPath, [cliPath, 'check', '--static'], { cwd: dir });
  const warm = time('check --static (warm)', process.execPath, [cliPath, 'check', '--static', '--format', 'json'], dir);
  const heads = time('heads (warm)', process.execPath, [cliPath, 'heads'], dir);

  console.log(`\n${n} migrations (median of ${RUNS} runs, whole processes; CPU = user + system)`);
  console.log(`  python -m alembic heads (no bytecode cache)   ${fmt(alembic)}`);
  console.log(`  alembic-guard check --static, cold (no cache) ${fmt(cold)}   ${ratio(alembic, cold)} than alembic heads`);
  console.log(`  alembic-guard check --static, warm (cache)    ${fmt(warm)}   ${ratio(alembic, warm)} than alembic heads`);
  console.log(`  alembic-guard heads, warm                     ${fmt(heads)}   ${ratio(alembic, heads)} than alembic heads`);
}
