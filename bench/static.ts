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

function time(label: string, cmd: string, args: string[], cwd: string, before?: () => void, env: Record<string, string> = {}): number {
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    before?.();
    const t0 = performance.now();
    const p = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (p.status !== 0 && p.status !== 1) throw new Error(`${label} failed (${p.status}): ${p.stderr}`);
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

function fmt(ms: number): string {
  return `${ms.toFixed(0).padStart(6)} ms`;
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

  console.log(`\n${n} migrations (median of ${RUNS} runs, whole processes)`);
  console.log(`  python -m alembic heads (no bytecode cache)   ${fmt(alembic)}`);
  console.log(`  alembic-guard check --static, cold (no cache) ${fmt(cold)}   ${(alembic / cold).toFixed(2)}x faster than alembic heads`);
  console.log(`  alembic-guard check --static, warm (cache)    ${fmt(warm)}   ${(alembic / warm).toFixed(2)}x faster than alembic heads`);
  console.log(`  alembic-guard heads, warm                     ${fmt(heads)}   ${(alembic / heads).toFixed(2)}x faster than alembic heads`);
}
