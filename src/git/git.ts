/**
 * The git CLI, called with argument arrays (no shell). Every failure becomes a UsageError or
 * ConfigError that says what to do; git's own stderr is kept as the reason.
 */
import { execFileSync } from 'node:child_process';
import { UsageError } from '../errors.js';

export interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Runs git in `cwd`; never throws for a non-zero exit (see `ok`). */
export function gitRaw(cwd: string, args: string[], input?: string): GitResult {
  try {
    const stdout = execFileSync('git', args, {
      cwd,
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
      // Plain output whatever the user's configuration says.
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C', GIT_PAGER: 'cat' },
    });
    return { ok: true, stdout, stderr: '' };
  } catch (e) {
    const err = e as { code?: string; stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') {
      throw new UsageError('git is not installed or not on PATH', { hint: 'Install git, or run without --since.' });
    }
    return { ok: false, stdout: err.stdout ?? '', stderr: (err.stderr ?? '').trim() };
  }
}

export function git(cwd: string, args: string[], input?: string): string {
  const r = gitRaw(cwd, args, input);
  if (!r.ok) {
    throw new UsageError(`git ${args[0]} failed in ${cwd}`, { reason: r.stderr || 'git exited non-zero' });
  }
  return r.stdout;
}

/** The top folder of the work tree holding `dir`. */
export function workTreeRoot(dir: string): string {
  const r = gitRaw(dir, ['rev-parse', '--show-toplevel']);
  if (!r.ok) {
    throw new UsageError(`${dir} is not inside a git work tree`, {
      reason: r.stderr,
      hint: '--since compares with a git revision; without git, set [tool.alembic-guard] baseline = "<revision>" instead.',
    });
  }
  return r.stdout.trim();
}

/** The commit a ref names (`origin/main`, a tag, HEAD~3 …). */
export function resolveCommit(top: string, ref: string): string {
  const r = gitRaw(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (!r.ok || r.stdout.trim() === '') {
    throw new UsageError(`unknown git revision "${ref}"`, {
      reason: 'git rev-parse cannot resolve it to a commit',
      hint: ref.includes('/') ? `Fetch it first (\`git fetch ${ref.split('/')[0]}\`) or name a local branch, tag or commit.` : 'Name a branch, tag or commit that exists here.',
    });
  }
  return r.stdout.trim();
}

/** Splits NUL-separated git output. */
export function splitZ(out: string): string[] {
  const parts = out.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
