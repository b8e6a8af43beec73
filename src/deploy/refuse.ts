/**
 * What `migrate` refuses before it changes anything. Pure: the graph, the database's version rows
 * and tables, the static findings and the flags in; a refusal with its exit code out.
 */
import type { Finding } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import { deployStatus, STATUS_EXIT } from '../workflow/status.js';

export type RefusalReason = 'static-errors' | 'multiple-heads' | 'unknown-revision' | 'tables-without-version-table';

export interface Refusal {
  reason: RefusalReason;
  exitCode: number;
  message: string;
  hint: string;
  /** For static-errors: the error findings that stop the deploy. */
  findings?: Finding[];
  /** For unknown-revision: the rows no script declares. */
  unknown?: string[];
}

export interface DatabaseView {
  /** The version table's rows; null when there is no version table. */
  rows: string[] | null;
  /** Tables in the database besides the version table (extension tables left out); a few are enough. */
  userTables: string[];
}

export interface RefuseOptions {
  /** --heads: several heads may be upgraded together. */
  heads?: boolean;
  /** --force: static error findings do not stop the deploy. */
  force?: boolean;
}

/**
 * In this order: the static check's errors in the revisions to apply (or about the whole project),
 * several heads without --heads, a revision no script declares, tables without a version table.
 */
export function refuseToMigrate(graph: RevisionGraph, db: DatabaseView, findings: readonly Finding[], options: RefuseOptions = {}): Refusal | undefined {
  const status = deployStatus(graph, db.rows);
  if (options.force !== true) {
    // A database without a version table gets every revision.
    const pending = new Set(deployStatus(graph, db.rows ?? []).pending);
    const stopping = findings.filter(
      (f) => f.severity === 'error' && (f.revision === undefined || f.revision === null || pending.has(f.revision)) && !(options.heads === true && f.rule === 'multiple-heads'),
    );
    if (stopping.length > 0) {
      return {
        reason: 'static-errors',
        exitCode: 1,
        message: `the static check found ${stopping.length} error${stopping.length === 1 ? '' : 's'} in the revisions to apply`,
        hint: 'Fix them (alembic-guard check --static shows each with its fix), or pass --force to migrate anyway.',
        findings: stopping,
      };
    }
  }
  if (graph.heads.length > 1 && options.heads !== true) {
    return {
      reason: 'multiple-heads',
      exitCode: 2,
      message: `the scripts have ${graph.heads.length} heads (${[...graph.heads].join(', ')}): \`alembic upgrade head\` would refuse too`,
      hint: 'Merge them (alembic-guard fix-heads --merge), or pass --heads to upgrade every head (alembic upgrade heads).',
    };
  }
  if (status.state === 'unknown-revision') {
    return {
      reason: 'unknown-revision',
      exitCode: STATUS_EXIT['unknown-revision'],
      message: `the database is at ${status.unknown.map((r) => `'${r}'`).join(', ')}, which no script declares (Alembic: "Can't locate revision")`,
      hint: 'Run `alembic-guard doctor` to find the branch that has it; deploy that code, or undo that revision first.',
      unknown: status.unknown,
    };
  }
  if (db.rows === null && db.userTables.length > 0) {
    const shown = db.userTables.slice(0, 5).join(', ');
    return {
      reason: 'tables-without-version-table',
      exitCode: STATUS_EXIT['no-version-table'],
      message: `the database has tables (${shown}${db.userTables.length > 5 ? ', …' : ''}) but no version table: the first revision would fail with "relation already exists"`,
      hint: 'Run `alembic-guard doctor` to find the revision the schema matches, then `alembic stamp <revision>`.',
    };
  }
  return undefined;
}
