/**
 * Where a revision no script declares came from: `git log --all` for the commits whose diffs add a
 * line `revision = "<id>"`, the file that declares it there, the branches that contain the commit,
 * and what that file revises.
 */
import { gitRaw } from '../git/git.js';

export interface RevisionOrigin {
  revision: string;
  commit: string;
  /** `2024-05-01`. */
  date: string;
  subject: string;
  /** Path relative to the repository root. */
  file: string;
  /** Local and remote branches that contain the commit (`feature/x`, `origin/feature/x`). */
  branches: string[];
  /** The file's down_revision there, when it can be read. */
  downRevisions: string[];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Undefined when `dir` is not in a git work tree, git is missing, or no commit declares the revision. */
export function findRevisionInGit(dir: string, revision: string): RevisionOrigin | undefined {
  let top: string;
  try {
    const r = gitRaw(dir, ['rev-parse', '--show-toplevel']);
    if (!r.ok) return undefined;
    top = r.stdout.trim();
  } catch {
    return undefined;
  }
  const declares = `^\\s*revision\\s*(:[^=]*)?=\\s*["']${escape(revision)}["']`;
  // The oldest commit that added the declaration.
  const log = gitRaw(top, ['log', '--all', '--reverse', '-E', `-G${declares}`, '--format=%H%x09%ad%x09%s', '--date=short', '--', '*.py']);
  const first = log.ok ? log.stdout.split('\n').find((l) => l.trim() !== '') : undefined;
  if (first === undefined) return undefined;
  const [commit = '', date = '', subject = ''] = first.split('\t');
  const files = gitRaw(top, ['show', '--name-only', '--diff-filter=AMR', '--format=', commit]);
  const re = new RegExp(declares, 'm');
  let file: string | undefined;
  let text = '';
  for (const f of files.ok ? files.stdout.split('\n').filter((l) => l.endsWith('.py')) : []) {
    const blob = gitRaw(top, ['show', `${commit}:${f}`]);
    if (blob.ok && re.test(blob.stdout)) {
      file = f;
      text = blob.stdout;
      break;
    }
  }
  if (file === undefined) return undefined;
  const branches = gitRaw(top, ['branch', '--all', '--contains', commit, '--format=%(refname:short)']);
  const down = /^\s*down_revision\s*(?::[^=]*)?=\s*(.+)$/m.exec(text)?.[1] ?? '';
  const downRevisions = [...down.matchAll(/["']([^"']+)["']/g)].map((m) => m[1]!);
  return {
    revision,
    commit,
    date,
    subject,
    file,
    branches: branches.ok ? branches.stdout.split('\n').map((b) => b.trim()).filter((b) => b !== '' && !b.endsWith('/HEAD') && b !== '(HEAD detached)') : [],
    downRevisions,
  };
}
