/**
 * `--since REF`: which migration files were added or changed since a git revision, counting staged,
 * unstaged and untracked files (so that a pre-commit hook sees the commit being made), and which
 * of them already existed at REF (`modified-migration`). A rename without a content change is not
 * a change: the file is neither linted nor flagged.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { FindingDraft, MigrationFile } from '../model.js';
import { git, resolveCommit, splitZ, workTreeRoot } from './git.js';

export type ChangeKind =
  /** New since REF (committed later, staged, or untracked). */
  | 'added'
  /** Existed at REF under the same or another path, content changed. */
  | 'modified'
  /** Existed at REF under another path with the same content. */
  | 'renamed';

export interface FileChange {
  kind: ChangeKind;
  /** The path at REF (relative to the project root), for modified and renamed files. */
  oldPath?: string;
}

export interface ModifiedMigration {
  /** Relative to the project root. */
  path: string;
  oldPath: string;
  /** First changed line in the current file (1-based). */
  line: number;
  revision?: string;
}

export interface SinceSelection {
  ref: string;
  commit: string;
  /** Every changed file under the project root, by path relative to the root. */
  changes: Map<string, FileChange>;
  /** The files the per-file rules should report on: added or modified (project-relative). */
  onlyPaths: Set<string>;
  /** The work tree's top folder and the project root, real paths. */
  top: string;
  root: string;
}

interface RawEntry {
  status: string;
  score?: number;
  oldSha: string;
  /** Path at REF (top-relative). */
  src: string;
  /** Path in the work tree (top-relative); for deletions the same as src. */
  dst: string;
}

/** Parses `git diff --raw -z` output. */
export function parseRawDiff(out: string): RawEntry[] {
  const parts = splitZ(out);
  const entries: RawEntry[] = [];
  for (let i = 0; i < parts.length; ) {
    const meta = parts[i++]!;
    // ":100644 100644 <old> <new> M"
    const fields = meta.replace(/^:/, '').split(' ');
    const statusField = fields[4] ?? '';
    const status = statusField.charAt(0);
    const score = statusField.length > 1 ? Number(statusField.slice(1)) : undefined;
    const src = parts[i++]!;
    const dst = status === 'R' || status === 'C' ? parts[i++]! : src;
    entries.push({ status, score, oldSha: fields[2] ?? '', src, dst });
  }
  return entries;
}

/** The first line of the new side touched by `git diff -U0` output (1 when there is no hunk). */
export function firstChangedLine(patch: string): number {
  for (const line of patch.split('\n')) {
    const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (m) {
      const start = Number(m[1]);
      // A pure deletion at line N is reported after line N; point at the line below it.
      return m[2] === '0' ? start + 1 : Math.max(1, start);
    }
  }
  return 1;
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/**
 * Compares the work tree (staged, unstaged and untracked files) with `ref`: which files under the
 * project root were added, modified or only renamed since.
 */
export function selectSince(projectRoot: string, ref: string): SinceSelection {
  const top = real(workTreeRoot(projectRoot));
  const commit = resolveCommit(top, ref);
  const root = real(projectRoot);
  /** top-relative → project-relative (undefined outside the project). */
  const fromTop = (p: string): string | undefined => {
    const rel = relative(root, join(top, p));
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return toPosix(rel);
  };
  const toTop = (p: string): string => toPosix(relative(top, join(root, p)));

  const raw = parseRawDiff(git(top, ['diff', '--raw', '-z', '-M', '--no-color', '--no-ext-diff', commit, '--']));
  const untracked = splitZ(git(top, ['ls-files', '--others', '--exclude-standard', '-z', '--', toTop('.') === '' ? '.' : toTop('.')]));

  const changes = new Map<string, FileChange>();
  const deleted = new Map<string, string>(); // blob sha at REF → top-relative path
  for (const e of raw) {
    if (e.status === 'D') deleted.set(e.oldSha, e.src);
  }
  const addedTop: string[] = [];
  for (const e of raw) {
    const path = fromTop(e.dst);
    if (e.status === 'D') continue;
    if (e.status === 'A') {
      addedTop.push(e.dst);
      continue;
    }
    if (path === undefined) continue;
    const oldPath = fromTop(e.src) ?? e.src;
    if (e.status === 'R') changes.set(path, e.score === 100 ? { kind: 'renamed', oldPath } : { kind: 'modified', oldPath });
    else changes.set(path, { kind: 'modified', oldPath });
  }
  addedTop.push(...untracked);
  // A file moved with plain `mv` (not `git mv`) is a deletion plus an untracked file: the same
  // content at REF makes it a rename.
  const candidates = addedTop.filter((p) => fromTop(p) !== undefined);
  const hashes =
    candidates.length > 0 && deleted.size > 0
      ? git(top, ['hash-object', '--stdin-paths'], candidates.join('\n') + '\n').trim().split('\n')
      : [];
  candidates.forEach((p, i) => {
    const path = fromTop(p)!;
    const same = hashes[i] !== undefined ? deleted.get(hashes[i]!) : undefined;
    if (same !== undefined) changes.set(path, { kind: 'renamed', oldPath: fromTop(same) ?? same });
    else changes.set(path, { kind: 'added' });
  });

  const onlyPaths = new Set<string>();
  for (const [path, change] of changes) if (change.kind !== 'renamed') onlyPaths.add(path);
  return { ref, commit, top, root, changes, onlyPaths };
}

/** The migration files that existed at REF and changed since, with the first changed line. */
export function modifiedMigrations(selection: SinceSelection, files: readonly MigrationFile[]): ModifiedMigration[] {
  const toTop = (p: string): string => toPosix(relative(selection.top, join(selection.root, p)));
  const modified: ModifiedMigration[] = [];
  for (const f of files) {
    const change = selection.changes.get(f.path);
    if (change?.kind !== 'modified') continue;
    const oldPath = change.oldPath ?? f.path;
    const paths = oldPath === f.path ? [toTop(f.path)] : [toTop(oldPath), toTop(f.path)];
    const patch = git(selection.top, ['diff', '-U0', '-M', '--no-color', '--no-ext-diff', selection.commit, '--', ...paths]);
    modified.push({ path: f.path, oldPath, line: firstChangedLine(patch), revision: f.revision.value ?? undefined });
  }
  return modified;
}

/** The `modified-migration` drafts for a selection. */
export function modifiedMigrationDrafts(selection: SinceSelection, files: readonly MigrationFile[]): FindingDraft[] {
  return modifiedMigrations(selection, files).map((m) => {
    const renamed = m.oldPath !== m.path ? ` (it was ${m.oldPath} there)` : '';
    const what = m.revision !== undefined ? `revision ${m.revision}` : 'this migration';
    return {
      message: `${what} already existed at ${selection.ref}${renamed} and was changed since: a migration that may have run somewhere must not change`,
      file: m.path,
      line: m.line,
      column: 1,
      ...(m.revision !== undefined ? { revision: m.revision } : {}),
      fix: `Restore it (\`git checkout ${selection.ref} -- ${m.oldPath}\`) and make the change in a new revision; if it never ran anywhere, add \`# alembic-guard: ignore-file[modified-migration]\`.`,
    };
  });
}
