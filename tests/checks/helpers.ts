/** Shared by the runtime tests: scratch copies of fixture projects, loading them, comparing findings. */
import { cpSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fixturesDir } from '../helpers/paths.js';
import { loadProject } from '../../src/project/discover.js';
import { loadRevisions } from '../../src/engine/load.js';
import type { Finding, Project } from '../../src/model.js';
import type { RevisionGraph } from '../../src/graph/types.js';

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = 'ag-rt-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copy a fixture into a fresh temporary directory and apply edits (path → content, null deletes). */
export function scratchProject(fixture: string, edits: Record<string, string | null> = {}): { dir: string; cleanup: () => void } {
  const t = tempDir(`ag-${fixture}-`);
  cpSync(join(fixturesDir, fixture), t.dir, { recursive: true });
  rmSync(join(t.dir, 'expected.json'), { force: true });
  for (const [path, content] of Object.entries(edits)) {
    const abs = join(t.dir, path);
    if (content === null) rmSync(abs, { force: true });
    else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
  }
  return t;
}

export async function load(dir: string, name?: string): Promise<{ project: Project; graph: RevisionGraph }> {
  const project = loadProject({ cwd: dir, env: process.env, ...(name !== undefined ? { name } : {}) });
  const { graph } = await loadRevisions(project, { cache: false });
  return { project, graph };
}

export interface Expected {
  description?: string;
  args?: string[];
  findings: { rule: string; severity: string; file?: string | null; line?: number | null; revision?: string | null }[];
}

export const findingKey = (f: Pick<Finding, 'rule' | 'severity' | 'file' | 'line' | 'revision'> | Expected['findings'][number]): string =>
  JSON.stringify([f.rule, f.severity, f.file ?? null, f.line ?? null, f.revision ?? null]);

/** The runtime fixtures (tests/fixtures/runtime-*) with their expected findings. */
export function runtimeFixtures(): { name: string; dir: string; expected: Expected }[] {
  return readdirSync(fixturesDir)
    .filter((n) => n.startsWith('runtime-') && existsSync(join(fixturesDir, n, 'expected.json')))
    .sort()
    .map((name) => ({ name, dir: join(fixturesDir, name), expected: JSON.parse(readFileSync(join(fixturesDir, name, 'expected.json'), 'utf8')) as Expected }));
}

/** Processes whose command line mentions `needle` (Linux /proc), other than this one. */
export function processesMentioning(needle: string): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  if (!existsSync('/proc')) return out;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(needle)) out.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Processes whose working directory is inside `dir` (Linux /proc). */
export function processesIn(dir: string): { pid: number; cwd: string }[] {
  const out: { pid: number; cwd: string }[] = [];
  if (!existsSync('/proc')) return out;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + '/')) out.push({ pid: Number(entry), cwd });
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Revision 0004 on top of the runtime-clean fixture: an upgrade that sleeps for `seconds` in the database. */
export function slowRevision(seconds: number): string {
  return `"""a slow statement

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("SELECT pg_sleep(${seconds})")


def downgrade() -> None:
    op.execute("SELECT 1")
`;
}
