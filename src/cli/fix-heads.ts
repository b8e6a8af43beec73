/**
 * `alembic-guard fix-heads`: when `multiple-heads` fires, either write a merge revision through
 * Alembic (`--merge`), or move this branch's revisions on top of the other head (`--rebase --onto
 * REF`), then re-check. `--dry-run` prints the plan as a diff and changes nothing.
 */
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { allowOnly, helpFor, parse, type FlagName, type ParsedArgs } from './args.js';
import { projectFromArgs, write, type CommandContext } from './shared.js';
import { PythonError, UsageError } from '../errors.js';
import { loadRevisions } from '../engine/load.js';
import { buildGraph } from '../graph/graph.js';
import type { MigrationFile, Project } from '../model.js';
import { selectSince } from '../git/since.js';
import { planRebase, PlanError, type RebasePlan } from '../fixheads/plan.js';
import { rewriteMigration } from '../fixheads/edit.js';
import { fileDiff } from '../fixheads/diff.js';
import { appliedClosure } from '../workflow/status.js';
import { readVersionTable } from '../database/version-table.js';

const flags: FlagName[] = ['config', 'name', 'versions', 'recursive', 'merge', 'rebase', 'onto', 'dry-run', 'message', 'python', 'database-url', 'version-table'];

export const help = helpFor(
  'alembic-guard fix-heads (--merge [-m TEXT] | --rebase --onto REF) [--dry-run] [options]',
  'Fix diverged heads (the multiple-heads finding), then re-check.\n\n' +
    '  --merge               write a merge revision with Alembic itself (`alembic merge heads`: your script.py.mako,\n' +
    '                        file_template and post-write hooks); needs the project\'s Python.\n' +
    '  --rebase --onto REF   for a linear history: move the revisions that exist only on this branch (files added\n' +
    '                        since the git revision REF, e.g. origin/main) on top of the other head. Rewrites their\n' +
    '                        down_revision and `Revises:` line; with numbered ids (037_add_widgets.py) renames files\n' +
    '                        and ids to the next free numbers and updates every down_revision/depends_on naming them.\n' +
    '                        With --database-url it changes nothing when a moved revision is already applied there.\n\n' +
    'Exit 0 fixed (or nothing to fix), 1 not fixed (the reason is printed) or the re-check found errors, 2 usage error.',
  flags,
);

async function recheck(args: ParsedArgs, ctx: CommandContext, since: string | undefined): Promise<number> {
  ctx.stderr.write(`alembic-guard: re-checking (check --static${since !== undefined ? ` --since ${since}` : ''})\n`);
  const check = await import('./check.js');
  const f = args.flags;
  const argv = ['check', '--static', '--no-cache'];
  for (const c of f.config ?? []) argv.push('--config', c);
  if (f.name !== undefined) argv.push('--name', f.name);
  for (const v of f.versions ?? []) argv.push('--versions', v);
  if (f.recursive === true) argv.push('--recursive');
  if (since !== undefined) argv.push('--since', since);
  return check.run(parse(argv), ctx);
}

// ---------------------------------------------------------------------------------------------
// --rebase

interface FileChange {
  oldPath: string;
  newPath: string;
  before: string;
  after: string;
}

function rebaseChanges(project: Project, files: MigrationFile[], plan: RebasePlan): FileChange[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const changes: FileChange[] = [];
  for (const move of plan.moves) {
    const file = byPath.get(move.path)!;
    const before = readFileSync(file.absPath, 'utf8');
    const after = rewriteMigration(before, {
      renames: plan.renames,
      ...(move.newDownRevisions !== undefined ? { downRevision: move.newDownRevisions } : {}),
    });
    changes.push({ oldPath: move.path, newPath: move.newPath, before, after });
  }
  for (const path of plan.referencing) {
    const file = byPath.get(path)!;
    const before = readFileSync(file.absPath, 'utf8');
    changes.push({ oldPath: path, newPath: path, before, after: rewriteMigration(before, { renames: plan.referenceRenames }) });
  }
  void project;
  return changes;
}

function applyChanges(root: string, changes: FileChange[]): void {
  // Write every new file under a temporary name first, then move them into place, then remove the
  // old names that are not reused: a rename chain (037 → 038, 038 → 039) never clobbers a file.
  const staged = changes.map((c) => {
    const tmp = join(root, `${c.newPath}.alembic-guard-tmp`);
    writeFileSync(tmp, c.after);
    return { ...c, tmp };
  });
  const newPaths = new Set(changes.map((c) => c.newPath));
  for (const c of staged) if (c.oldPath !== c.newPath && !newPaths.has(c.oldPath) && existsSync(join(root, c.oldPath))) unlinkSync(join(root, c.oldPath));
  for (const c of staged) renameSync(c.tmp, join(root, c.newPath));
}

async function rebase(args: ParsedArgs, ctx: CommandContext, project: Project, files: MigrationFile[]): Promise<number> {
  const onto = args.flags.onto;
  if (onto === undefined || onto === '') {
    throw new UsageError('--rebase needs --onto REF', { hint: 'Name the git revision your branch diverged from, e.g. --rebase --onto origin/main.' });
  }
  const selection = selectSince(project.root, onto);
  const isOurs = (f: MigrationFile) => selection.changes.get(f.path)?.kind === 'added';
  const ours = buildGraph(files.filter(isOurs));
  const theirs = buildGraph(files.filter((f) => !isOurs(f)));
  let plan: RebasePlan;
  try {
    plan = planRebase(ours, theirs, new Set(files.map((f) => f.path)));
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    ctx.stderr.write(`alembic-guard: fix-heads: changed nothing: ${e.message}.\n`);
    return 1;
  }
  const url = args.flags['database-url'];
  if (url !== undefined) {
    const rows = await readVersionTable(url, args.flags['version-table'] ?? 'alembic_version');
    // Rows that only this branch declares: the branch was deployed (a shared id means theirs).
    const mineRows = (rows ?? []).filter((r) => ours.nodes.has(r) && !theirs.nodes.has(r));
    const applied = [...appliedClosure(ours, mineRows)];
    if (applied.length > 0) {
      ctx.stderr.write(
        `alembic-guard: fix-heads: changed nothing: ${applied.join(', ')} ${applied.length === 1 ? 'is' : 'are'} already applied in the database (alembic_version: ${(rows ?? []).join(', ')}).\n` +
          '  Moving an applied revision would make that database disagree with the scripts. Use --merge instead.\n',
      );
      return 1;
    }
  }
  const changes = rebaseChanges(project, files, plan);
  const lines = plan.moves.map((m) => {
    const id = m.newRevision !== m.revision ? `${m.revision} → ${m.newRevision}` : m.revision;
    const path = m.newPath !== m.path ? `${m.path} → ${m.newPath}` : m.path;
    const down = m.newDownRevisions !== undefined ? `, down_revision ${m.downRevisions.join(', ') || 'None'} → ${m.newDownRevisions.join(', ')}` : '';
    return `  ${id}  (${path}${down})`;
  });
  const summary = `Move ${plan.moves.length} revision${plan.moves.length === 1 ? '' : 's'} on top of ${plan.onto}:\n${lines.join('\n')}\n`;
  if (args.flags['dry-run']) {
    await write(ctx.stdout, changes.map((c) => fileDiff(c.oldPath, c.newPath, c.before, c.after)).join(''));
    ctx.stderr.write(`${summary}alembic-guard: --dry-run: nothing was changed.\n`);
    return 0;
  }
  applyChanges(project.root, changes);
  await write(ctx.stdout, summary);
  return recheck(args, ctx, onto);
}

// ---------------------------------------------------------------------------------------------
// --merge

function configFiles(project: Project): { config_file?: string; toml_file?: string } {
  const toml = project.configFiles.find((f) => f.endsWith('pyproject.toml'));
  const ini = project.configFiles.find((f) => f !== toml);
  return { ...(ini !== undefined ? { config_file: ini } : {}), ...(toml !== undefined ? { toml_file: toml } : {}) };
}

async function merge(args: ParsedArgs, ctx: CommandContext, project: Project, heads: string[]): Promise<number> {
  const message = args.flags.message ?? 'merge heads';
  if (args.flags['dry-run']) {
    await write(ctx.stdout, `Would write a merge revision of ${heads.join(', ')} with Alembic (\`alembic merge -m "${message}" heads\`), using the project's script.py.mako and file_template.\n`);
    ctx.stderr.write('alembic-guard: --dry-run: nothing was changed.\n');
    return 0;
  }
  if (project.configFiles.length === 0) {
    throw new UsageError('--merge needs an Alembic configuration (alembic.ini or [tool.alembic])', {
      hint: 'Alembic writes the merge revision from its script directory; pass -c alembic.ini.',
    });
  }
  const runtime = { ...(await import('../python/find.js')), ...(await import('../python/bridge.js')) };
  const python = runtime.findPython(project, { ...(args.flags.python !== undefined ? { python: args.flags.python } : {}), cwd: ctx.cwd, env: ctx.env as NodeJS.ProcessEnv });
  const bridge = runtime.PythonBridge.start(python, { cwd: project.root, env: ctx.env as NodeJS.ProcessEnv });
  let created: { revision: string; path: string };
  try {
    const hello = await bridge.request({ op: 'hello', section: project.section, ...configFiles(project) });
    if (!hello.ok) {
      throw new PythonError(`Alembic could not load the project with ${runtime.describePython(python)}`, {
        reason: hello.error?.message ?? 'the helper failed',
        hint: 'Pass --python with the interpreter that has your project\'s Alembic.',
      });
    }
    const resp = await bridge.request({ op: 'merge', revisions: 'heads', message });
    if (!resp.ok) {
      throw new PythonError('alembic merge failed', { reason: resp.error?.message ?? 'the helper failed', hint: resp.error?.traceback?.split('\n').slice(-3).join(' ') });
    }
    created = { revision: String(resp.revision), path: String(resp.path) };
  } finally {
    await bridge.close();
  }
  await write(ctx.stdout, `Wrote merge revision ${created.revision} of ${heads.join(', ')}: ${relative(project.root, created.path).split('\\').join('/')}\n`);
  return recheck(args, ctx, undefined);
}

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  allowOnly(args, flags);
  const f = args.flags;
  if (f.merge === true && f.rebase === true) throw new UsageError('choose one of --merge and --rebase');
  if (f.merge !== true && f.rebase !== true) {
    throw new UsageError('fix-heads needs --merge or --rebase --onto REF', { hint: 'Run `alembic-guard fix-heads --help`.' });
  }
  if (f.merge === true && f.onto !== undefined) throw new UsageError('--onto goes with --rebase, not --merge');
  if (f.rebase === true && f.message !== undefined) throw new UsageError('--message goes with --merge, not --rebase');
  const project = projectFromArgs(args, ctx);
  const { files, graph } = await loadRevisions(project, { cache: false });
  const duplicated = graph.problems.some((p) => p.kind === 'duplicate-revision');
  if (graph.heads.length <= 1 && !duplicated) {
    await write(ctx.stdout, `One head (${graph.heads.join(', ') || 'no revisions'}): nothing to fix.\n`);
    return 0;
  }
  if (f.merge === true) {
    if (duplicated) {
      ctx.stderr.write('alembic-guard: fix-heads: changed nothing: two files declare the same revision id, which a merge cannot fix; use --rebase --onto REF.\n');
      return 1;
    }
    return merge(args, ctx, project, graph.heads);
  }
  return rebase(args, ctx, project, files);
}
