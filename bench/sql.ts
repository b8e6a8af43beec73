/**
 * SQL front end benchmark, and the cost of the ops stage in the static path.
 *
 * 1. The offline SQL (`alembic upgrade head --sql`, real Alembic from the test venv) of a generated
 *    N-migration project is the corpus. On it:
 *      - libpg-query's wasm load time (fresh process);
 *      - our SQL front end: split per revision, parse, build operations with context, run every
 *        operation rule (in process, median of runs; and as a whole process);
 *      - squawk (`npm i --no-save squawk-cli` into bench/.work/squawk) on the same file, whole
 *        process.
 * 2. `runStatic` on the same project (in process, median of runs) with the operation rules off
 *    (before) and on (after): what the ops stage adds to `check --static`.
 *
 * Usage: node dist/bench/sql.js [N]   (default 3000). BENCH_RUNS sets the number of runs (default 5).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateProject } from './generate.js';
import { repoRoot, venvPython } from '../tests/helpers/paths.js';
import { loadSqlParser, splitOfflineSql, sqlParserLoadMs } from '../src/ops/from-sql.js';
import { operationsFromOfflineSql } from '../src/ops/offline.js';
import { DEFAULT_POSTGRES_VERSION, type OpsModel, type RevisionOps } from '../src/ops/model.js';
import type { MigrationFile, Project } from '../src/model.js';
import type { RuleContext } from '../src/rules/define.js';
import { rules } from '../src/rules/index.js';
import { loadProject } from '../src/project/discover.js';
import { runStatic } from '../src/engine/static.js';
import { emptyFile } from '../src/source/parse.js';
import { median } from './common.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const n = Number(process.argv[2] ?? 3000);


/** Wall and CPU (user + system, from /usr/bin/time) of a whole process, medians. */
function timeProcess(cmd: string, args: string[], cwd: string): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  const out = join(work, 'time.txt');
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const p = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', out, cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
    wall.push(performance.now() - t0);
    if (p.status !== 0 && p.status !== 1) throw new Error(`${cmd} ${args.join(' ')} failed (${p.status}): ${p.stderr}`);
    const [u, s] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    cpu.push(((u ?? 0) + (s ?? 0)) * 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

interface Timing {
  wall: number;
  cpu: number;
}

/** Wall and CPU time of an in-process function, medians of RUNS. */
async function timeInProcess(fn: () => unknown): Promise<Timing> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const fmt = (ms: number): string => `${ms.toFixed(1).padStart(8)} ms`;
const fmtT = (t: Timing): string => `${fmt(t.wall)} wall ${fmt(t.cpu)} CPU`;

if (!existsSync(venvPython)) {
  console.error('bench: the test venv is missing; run `node dist/tests/setup/venv.js` first.');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The corpus.
const work = join(repoRoot, 'bench', '.work');
const dir = join(work, `sql-${n}`);
generateProject(dir, n, { withEnv: true });
const sqlFile = join(dir, 'upgrade.sql');
const sql = execFileSync(venvPython, ['-m', 'alembic', 'upgrade', 'head', '--sql'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
writeFileSync(sqlFile, sql);
const { sections } = splitOfflineSql(sql);

// ---------------------------------------------------------------------------------------------
// Our front end, in process.
await loadSqlParser();
const loadInProcess = sqlParserLoadMs;
const loadFresh = median(
  Array.from({ length: RUNS }, () => {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(repoRoot, 'dist', 'src', 'ops', 'from-sql.js'))}); await m.loadSqlParser(); console.log(m.sqlParserLoadMs);`],
      { encoding: 'utf8' },
    );
    return Number(out.trim());
  }),
);

const opRules = rules.filter((r) => r.category === 'operation' && r.check !== undefined && r.severity !== 'off');

function fakeFile(path: string, rev: string): MigrationFile {
  return { ...emptyFile({ path, absPath: path }, '', 0, []), revision: { value: rev } };
}

let statements = 0;
let findings = 0;
function frontEnd(): RevisionOps[] {
  return sections.map((s, i) => {
    const rev = s.to.join('_') || `s${i}`;
    const path = `upgrade.sql#${rev}`;
    const upgrade = operationsFromOfflineSql(s.sql, { file: path, revision: rev, phase: 'upgrade', firstLine: s.firstLine });
    return { file: fakeFile(path, rev), revision: rev, upgrade, downgrade: [] };
  });
}
function lint(revisions: RevisionOps[]): number {
  const ops: OpsModel = { dialect: 'postgresql', dialectAssumed: false, postgresVersion: DEFAULT_POSTGRES_VERSION, revisions, byPath: new Map(revisions.map((x) => [x.file.path, x])) };
  const files = revisions.map((x) => x.file);
  const ctx = { project: { settings: { rules: {} } } as unknown as Project, files, graph: undefined as never, lintedFiles: files, ops } as RuleContext;
  let found = 0;
  for (const rule of opRules) found += rule.check!(ctx).length;
  return found;
}
const parsed = frontEnd();
statements = parsed.reduce((a, x) => a + x.upgrade.length, 0);
findings = lint(parsed);
const parseT = await timeInProcess(frontEnd);
const lintT = await timeInProcess(() => lint(parsed));

// Whole process: node loading our front end, parsing the file and running the rules.
const script = join(work, 'sql-front-end.mjs');
writeFileSync(
  script,
  `import { readFileSync } from 'node:fs';
const m = await import(${JSON.stringify(join(repoRoot, 'dist', 'src', 'ops', 'from-sql.js'))});
const o = await import(${JSON.stringify(join(repoRoot, 'dist', 'src', 'ops', 'offline.js'))});
await m.loadSqlParser();
const { sections } = m.splitOfflineSql(readFileSync(process.argv[2], 'utf8'));
let k = 0;
for (const s of sections) k += o.operationsFromOfflineSql(s.sql, { file: 'x', revision: null, phase: 'upgrade' }).length;
console.log(k);
`,
);
const ourProcess = timeProcess(process.execPath, [script, sqlFile], dir);

// ---------------------------------------------------------------------------------------------
// squawk on the same SQL.
const squawkDir = join(work, 'squawk');
const squawkBin = join(squawkDir, 'node_modules', '.bin', 'squawk');
if (!existsSync(squawkBin)) {
  mkdirSync(squawkDir, { recursive: true });
  if (!existsSync(join(squawkDir, 'package.json'))) writeFileSync(join(squawkDir, 'package.json'), '{"private":true}\n');
  execFileSync('npm', ['i', '--no-save', '--no-audit', '--no-fund', 'squawk-cli'], { cwd: squawkDir, stdio: 'ignore' });
}
const squawkVersion = execFileSync(squawkBin, ['--version'], { encoding: 'utf8' }).trim();
const squawkMs = timeProcess(squawkBin, [sqlFile], dir);

// ---------------------------------------------------------------------------------------------
// The ops stage in the static path: runStatic with the operation rules off and on.
const project = loadProject({ cwd: dir });
const off: Record<string, 'off'> = {};
for (const r of rules) if (r.category === 'operation') off[r.id] = 'off';
const withRules = (settings: Record<string, 'off'>): Project => ({ ...project, settings: { ...project.settings, rules: { ...project.settings.rules, ...settings } } });
await runStatic(withRules({}), { cache: false }); // warm up (JIT, tree-sitter, wasm)
const before: number[] = [];
const after: number[] = [];
const beforeCpu: number[] = [];
const afterCpu: number[] = [];
for (let r = 0; r < RUNS; r++) {
  let c = process.cpuUsage();
  let t = performance.now();
  await runStatic(withRules(off), { cache: false });
  before.push(performance.now() - t);
  c = process.cpuUsage(c);
  beforeCpu.push((c.user + c.system) / 1000);
  c = process.cpuUsage();
  t = performance.now();
  await runStatic(withRules({}), { cache: false });
  after.push(performance.now() - t);
  c = process.cpuUsage(c);
  afterCpu.push((c.user + c.system) / 1000);
}

const beforeT: Timing = { wall: median(before), cpu: median(beforeCpu) };
const afterT: Timing = { wall: median(after), cpu: median(afterCpu) };
const mb = statSync(sqlFile).size / 1e6;
console.log(`\nSQL front end: offline SQL of ${n} generated migrations (${sections.length} revisions, ${statements} operations, ${mb.toFixed(2)} MB); medians of ${RUNS} runs`);
console.log(`  libpg-query wasm load, fresh process            ${fmt(loadFresh)}   (in this process: ${loadInProcess.toFixed(1)} ms)`);
console.log(`  split + parse + operations with context          ${fmtT(parseT)}   ${((parseT.cpu * 1000) / statements).toFixed(1)} µs CPU/statement`);
console.log(`  ${String(opRules.length).padStart(2)} operation rules on those operations            ${fmtT(lintT)}   (${findings} findings)`);
console.log(`  alembic-guard SQL front end, whole process       ${fmtT(ourProcess)}`);
console.log(`  ${squawkVersion.padEnd(14)} same file, whole process        ${fmtT(squawkMs)}`);
console.log(`  throughput: ours ${Math.round(statements / (ourProcess.cpu / 1000))} statements per CPU second, squawk ${Math.round(statements / (squawkMs.cpu / 1000))} (whole processes)`);
console.log(`\nStatic path on the same ${n} migrations (runStatic in process, no cache, medians of ${RUNS} runs)`);
console.log(`  operation rules off (before)                     ${fmtT(beforeT)}`);
console.log(`  every rule (after)                               ${fmtT(afterT)}   (+${(afterT.cpu - beforeT.cpu).toFixed(1)} ms CPU for the ops stage and ${Object.keys(off).length} operation rules)`);
