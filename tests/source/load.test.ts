/**
 * loadMigrations, the I/O shell: real files in a temp dir, the on-disk parse cache (cold, warm,
 * corrupt, stale version, changed and renamed files), unreadable files, the worker pool giving the
 * same results as the main thread, and a warm run that never loads tree-sitter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RevisionFileRef } from '../../src/model.js';
import { loadMigrations, type LoadStats } from '../../src/source/load.js';
import { CACHE_DIR } from '../../src/source/cache.js';
import { parseMany } from '../../src/source/pool.js';
import { repoRoot } from '../helpers/paths.js';

function project(n: number): { root: string; refs: RevisionFileRef[] } {
  const root = mkdtempSync(join(tmpdir(), 'ag-load-'));
  const versions = join(root, 'migrations', 'versions');
  mkdirSync(versions, { recursive: true });
  const refs: RevisionFileRef[] = [];
  for (let i = 0; i < n; i++) {
    const rev = `r${String(i).padStart(4, '0')}`;
    const down = i === 0 ? 'None' : `"r${String(i - 1).padStart(4, '0')}"`;
    const name = `${rev}_step_${i}.py`;
    writeFileSync(
      join(versions, name),
      `"""step ${i}"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = "${rev}"\ndown_revision = ${down}\n\n\ndef upgrade():\n    op.add_column("t${i % 7}", sa.Column("c${i}", sa.Integer(), nullable=True))  # alembic-guard: ignore[x]\n\n\ndef downgrade():\n    op.drop_column("t${i % 7}", "c${i}")\n`,
    );
    refs.push({ absPath: join(versions, name), path: `migrations/versions/${name}`, versionLocation: versions });
  }
  return { root, refs };
}

const stats = (): LoadStats => ({ cacheHits: 0, parsed: 0, workers: 0, filesInWorkers: 0, filesOnMainThread: 0 });

test('cold then warm: same MigrationFiles, served from the cache the second time', async () => {
  const { root, refs } = project(12);
  try {
    const s1 = stats();
    const cold = await loadMigrations(refs, { root, cache: true, stats: s1 });
    assert.equal(s1.parsed, 12);
    assert.equal(s1.cacheHits, 0);
    assert.equal(readFileSync(join(root, CACHE_DIR, '.gitignore'), 'utf8'), '*\n');
    const s2 = stats();
    const warm = await loadMigrations(refs, { root, cache: true, stats: s2 });
    assert.equal(s2.cacheHits, 12);
    assert.equal(s2.parsed, 0);
    assert.deepEqual(warm, cold);
    assert.equal(cold[3]!.revision.value, 'r0003');
    assert.equal(cold[3]!.path, refs[3]!.path);
    assert.equal(cold[3]!.hash.length, 40);
    assert.equal(cold[3]!.opCalls[0]!.name, 'add_column');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('cache: off means no directory; changed, renamed and corrupt entries are re-parsed; unchanged runs do not write', async () => {
  const { root, refs } = project(3);
  try {
    await loadMigrations(refs, { root, cache: false });
    assert.equal(existsSync(join(root, CACHE_DIR)), false);

    await loadMigrations(refs, { root, cache: true });
    const packDir = join(root, CACHE_DIR, readdirSync(join(root, CACHE_DIR)).find((d) => d !== '.gitignore')!);
    const packFile = join(packDir, readdirSync(packDir)[0]!);
    const before = statSync(packFile).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await loadMigrations(refs, { root, cache: true });
    assert.equal(statSync(packFile).mtimeMs, before, 'a warm run with nothing new does not rewrite the pack');
    // A changed file: new hash, parsed again.
    writeFileSync(refs[1]!.absPath, readFileSync(refs[1]!.absPath, 'utf8').replace('step 1', 'step one'));
    let s = stats();
    let files = await loadMigrations(refs, { root, cache: true, stats: s });
    assert.deepEqual([s.cacheHits, s.parsed], [2, 1]);
    assert.equal(files[1]!.docstring?.text, 'step one');

    // Corrupt entries (bad JSON, wrong hash, wrong shape) and a truncated line: silently rebuilt.
    const [versionDir] = readdirSync(join(root, CACHE_DIR)).filter((d) => d !== '.gitignore');
    const dir = join(root, CACHE_DIR, versionDir!);
    const [pack] = readdirSync(dir);
    const lines = readFileSync(join(dir, pack!), 'utf8').split('\n');
    assert.equal(lines.length, 4, 'three entries and the final newline');
    const bad = [
      `${lines[0]!.slice(0, 40)} {not json`,
      `${lines[1]!.slice(0, 40)} {"hash": "x", "problems": [], "opCalls": [], "imports": [], "revision": {}}`,
      lines[2]!.slice(0, 100),
    ];
    writeFileSync(join(dir, pack!), bad.join('\n'));
    s = stats();
    files = await loadMigrations(refs, { root, cache: true, stats: s });
    assert.deepEqual([s.cacheHits, s.parsed], [0, 3]);
    assert.equal(files[2]!.revision.value, 'r0002');
    s = stats();
    await loadMigrations(refs, { root, cache: true, stats: s });
    assert.equal(s.cacheHits, 3, 'rewritten after the rebuild');

    // A renamed copy with the same bytes: the legacy file-name rule makes the name part of the key.
    const legacy = join(root, 'migrations', 'versions', 'abc123.py');
    writeFileSync(legacy, '"""legacy"""\ndown_revision = None\n');
    const other = join(root, 'migrations', 'versions', 'def456.py');
    writeFileSync(other, '"""legacy"""\ndown_revision = None\n');
    const lrefs = [legacy, other].map((absPath) => ({ absPath, path: `migrations/versions/${absPath.split('/').pop()}`, versionLocation: '' }));
    const [a, b] = await loadMigrations(lrefs, { root, cache: true });
    assert.equal(a!.revision.value, 'abc123');
    assert.equal(b!.revision.value, 'def456');
    assert.equal(a!.hash, b!.hash);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('cache: entries of another version are removed, an unwritable cache is ignored', async () => {
  const { root, refs } = project(2);
  try {
    const stale = join(root, CACHE_DIR, 'v1-0.0.1-000000000000');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'x.ndjson'), '');
    await loadMigrations(refs, { root, cache: true });
    assert.equal(existsSync(stale), false);

    // The cache path is a file: nothing can be written, results are still right.
    rmSync(join(root, CACHE_DIR), { recursive: true });
    writeFileSync(join(root, CACHE_DIR), 'not a directory');
    const files = await loadMigrations(refs, { root, cache: true });
    assert.deepEqual(
      files.map((f) => f.revision.value),
      ['r0000', 'r0001'],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a file that cannot be read becomes a problem, the others load', async () => {
  const { root, refs } = project(2);
  try {
    const missing = { ...refs[0]!, absPath: join(root, 'gone.py'), path: 'gone.py' };
    const files = await loadMigrations([missing, refs[1]!], { root, cache: true });
    assert.equal(files[0]!.path, 'gone.py');
    assert.equal(files[0]!.problems[0]!.kind, 'read');
    assert.match(files[0]!.problems[0]!.message, /could not be read \(ENOENT\)/);
    assert.equal(files[1]!.revision.value, 'r0001');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('worker threads give the same results as the main thread, in order', async () => {
  const { root, refs } = project(150);
  try {
    const single = await loadMigrations(refs, { root, cache: false, threads: 1 });
    const s = stats();
    const pooled = await loadMigrations(refs, { root, cache: false, threads: 2, stats: s });
    assert.equal(s.workers, 1);
    assert.equal(s.filesInWorkers + s.filesOnMainThread, 150);
    assert.deepEqual(pooled, single);
    // Workers only (deterministic): every file crosses the thread boundary as JSON.
    const items = refs.map((r, index) => ({ index, bytes: readFileSync(r.absPath), path: r.path, absPath: r.absPath, hash: single[index]!.hash }));
    const ps = { workers: 0, filesInWorkers: 0, filesOnMainThread: 0 };
    const direct = await parseMany(items, { threads: 2, minFilesForThreads: 1, useMainThread: false, stats: ps });
    assert.deepEqual([ps.workers, ps.filesInWorkers, ps.filesOnMainThread], [2, 150, 0]);
    assert.deepEqual(
      direct.map((p) => p.file),
      single,
    );
    assert.ok(direct.every((p) => typeof p.json === 'string'), 'worker results carry their JSON for the cache');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a small run does not wait for a worker that is still starting', async () => {
  const { root, refs } = project(40);
  try {
    const items = refs.map((r, index) => ({ index, bytes: readFileSync(r.absPath), path: r.path, absPath: r.absPath, hash: 'h' }));
    const ps = { workers: 0, filesInWorkers: 0, filesOnMainThread: 0 };
    const got = await parseMany(items, { threads: 2, minFilesForThreads: 1, stats: ps });
    assert.equal(ps.workers, 1);
    assert.deepEqual(
      got.map((p) => p.file.revision.value),
      refs.map((_, i) => `r${String(i).padStart(4, '0')}`),
    );
    assert.equal(ps.filesOnMainThread + ps.filesInWorkers, 40);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a warm run never loads tree-sitter', async () => {
  const { root, refs } = project(5);
  try {
    await loadMigrations(refs, { root, cache: true });
    const load = pathToFileURL(join(repoRoot, 'dist', 'src', 'source', 'load.js')).href;
    const script = `
      import { createRequire } from 'node:module';
      const { loadMigrations } = await import(${JSON.stringify(load)});
      const refs = JSON.parse(process.argv[1]);
      const files = await loadMigrations(refs, { root: ${JSON.stringify(root)}, cache: true });
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('tree-sitter'));
      console.log(JSON.stringify({ revisions: files.map((f) => f.revision.value), loaded }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(refs)], { encoding: 'utf8' })) as {
      revisions: string[];
      loaded: string[];
    };
    assert.deepEqual(out.revisions, ['r0000', 'r0001', 'r0002', 'r0003', 'r0004']);
    assert.deepEqual(out.loaded, []);
    // Sanity: a cold run in the same way does load it (the check can fail).
    rmSync(join(root, CACHE_DIR), { recursive: true });
    const cold = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(refs)], { encoding: 'utf8' })) as { loaded: string[] };
    assert.ok(cold.loaded.length > 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('renaming a file keeps its cache entry only when the name does not matter', async () => {
  const { root, refs } = project(1);
  try {
    await loadMigrations(refs, { root, cache: true });
    const moved = refs[0]!.absPath.replace('r0000_step_0', 'r0000_first_step');
    renameSync(refs[0]!.absPath, moved);
    const s = stats();
    const [f] = await loadMigrations([{ ...refs[0]!, absPath: moved, path: refs[0]!.path.replace('r0000_step_0', 'r0000_first_step') }], { root, cache: true, stats: s });
    assert.equal(s.parsed, 1, 'the file name is part of the key (the legacy hex-name rule reads it)');
    assert.equal(f!.path, 'migrations/versions/r0000_first_step.py');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the stat index: unchanged files are not read again; a changed one is, even with its size and mtime restored; recent ones are re-checked', async () => {
  const { root, refs } = project(4);
  try {
    // Written an hour ago; their ctime (now) must also be older than the index's racy window.
    const past = new Date(Date.now() - 3_600_000);
    for (const r of refs) utimesSync(r.absPath, past, past);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    let s = stats();
    const cold = await loadMigrations(refs, { root, cache: true, stats: s });
    assert.deepEqual([s.hashed, s.parsed], [4, 4]);
    s = stats();
    const warm = await loadMigrations(refs, { root, cache: true, stats: s });
    assert.deepEqual([s.hashed, s.cacheHits], [0, 4], 'nothing read: every stat matched');
    assert.deepEqual(warm, cold);

    // Same size, mtime put back: the ctime still changes, so the file is read and parsed again.
    const text = readFileSync(refs[2]!.absPath, 'utf8');
    writeFileSync(refs[2]!.absPath, text.replace('step 2', 'step X'));
    utimesSync(refs[2]!.absPath, past, past);
    assert.equal(statSync(refs[2]!.absPath).size, Buffer.byteLength(text));
    s = stats();
    const edited = await loadMigrations(refs, { root, cache: true, stats: s });
    assert.deepEqual([s.hashed, s.parsed], [1, 1]);
    assert.equal(edited[2]!.docstring?.text, 'step X');

    // A file modified just now may still change within the same timestamp: read again next time.
    writeFileSync(refs[0]!.absPath, readFileSync(refs[0]!.absPath, 'utf8'));
    await loadMigrations(refs, { root, cache: true });
    s = stats();
    await loadMigrations(refs, { root, cache: true, stats: s });
    assert.ok(s.hashed! >= 1, 'the recent file is hashed again');
    assert.equal(s.parsed, 0, 'same bytes: its parse is still cached');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
