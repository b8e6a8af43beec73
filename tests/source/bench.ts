/**
 * Benchmark of the source stage (not a test): N generated migrations (bench/generate.ts) in a temp
 * dir, loaded with loadMigrations. Prints per-file parse cost on one thread, cold runs (no cache /
 * filling the cache) with the worker pool, and warm runs, each in a fresh process so module loading
 * counts. Usage: node dist/tests/source/bench.js [N=3000] [runs=5]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateProject } from '../../bench/generate.js';
import { repoRoot } from '../helpers/paths.js';

const n = Number(process.argv[2] ?? 3000);
const runs = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'ag-bench-source-'));
generateProject(dir, n);
const versions = join(dir, 'migrations', 'versions');
const files = readdirSync(versions).filter((f) => f.endsWith('.py')).length;
const load = pathToFileURL(join(repoRoot, 'dist', 'src', 'source', 'load.js')).href;

/** One fresh process: import, load, report wall and CPU ms of the whole process. */
function run(options: string): { wall: number; cpu: number; inLoad: number; stats: Record<string, number> } {
  const script = `
    const t0 = performance.now();
    const { loadMigrations } = await import(${JSON.stringify(load)});
    const { readdirSync } = await import('node:fs');
    const v = ${JSON.stringify(versions)};
    const refs = readdirSync(v).filter((f) => f.endsWith('.py')).map((f) => ({ absPath: v + '/' + f, path: 'migrations/versions/' + f, versionLocation: v }));
    const stats = {};
    const t1 = performance.now();
    await loadMigrations(refs, { root: ${JSON.stringify(dir)}, ${options}, stats });
    const t2 = performance.now();
    const cpu = process.cpuUsage();
    console.log(JSON.stringify({ wall: t2 - t0, inLoad: t2 - t1, cpu: (cpu.user + cpu.system) / 1000, stats }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(label: string, options: string, before?: () => void): void {
  const samples = Array.from({ length: runs }, () => {
    before?.();
    return run(options);
  });
  const wall = median(samples.map((s) => s.wall));
  const best = Math.min(...samples.map((s) => s.wall));
  const cpu = median(samples.map((s) => s.cpu));
  const stats = samples[0]!.stats;
  console.log(
    `  ${label.padEnd(40)} wall ${wall.toFixed(0).padStart(5)} ms (best ${best.toFixed(0).padStart(5)})  cpu ${cpu.toFixed(0).padStart(5)} ms  ${((best / files) * 1000).toFixed(0).padStart(4)} µs/file (best)  ${JSON.stringify(stats)}`,
  );
}

const clear = () => rmSync(join(dir, '.alembic-guard-cache'), { recursive: true, force: true });
console.log(`${files} generated migrations, ${availableParallelism()} cores, ${runs} fresh processes each (import + load), load average ${loadavg()[0]!.toFixed(1)}`);
measure('no cache, main thread only', 'cache: false, threads: 1');
measure(`no cache, ${availableParallelism()} threads`, `cache: false, threads: ${availableParallelism()}`);
measure('no cache, default threads (free cores)', 'cache: false');
measure('cold: filling the cache', 'cache: true', clear);
run('cache: true');
measure('warm: everything cached', 'cache: true');
rmSync(dir, { recursive: true, force: true });
