/**
 * One file's operations for a target dialect: calls in branches for other dialects are left out,
 * and a helper's calls go to the phases whose functions call it (phases.ts). The SQL of
 * `op.execute(...)` goes through `sql` when given (the SQL front end, wired in by build.ts);
 * without it, each statement is an `other-sql` operation the rules treat as unread. Kept apart from
 * build.ts so that rules can replay earlier revisions without loading the SQL front end.
 */
import type { MigrationFile, OpCall } from '../model.js';
import type { Operation, RevisionOps } from './model.js';
import { draftBase, operationsFromCall, type OpDraft } from './from-python.js';
import { contextualize } from './context.js';
import { callPhases, functionPhases, isEntryPoint, type Phase } from './phases.js';

export interface FileOpsOptions {
  dialect: string;
  /** The SQL front end for `op.execute(...)` strings. */
  sql?: (sql: string, call: OpCall) => OpDraft[];
}

export function fileOperations(file: MigrationFile, options: FileOpsOptions): RevisionOps {
  const byPhase: Record<Phase, { main: OpDraft[]; helpers: OpDraft[] }> = {
    upgrade: { main: [], helpers: [] },
    downgrade: { main: [], helpers: [] },
  };
  const hooks = {
    sql:
      options.sql ??
      ((_sql: string, call: OpCall): OpDraft[] => [
        { ...draftBase(call.loc, { kind: 'python', call }), kind: 'other-sql' as const, statementType: `SQL (not analyzed${options.dialect === 'postgresql' ? '' : ' for this dialect'})`, table: null },
      ]),
  };
  const phases = functionPhases(file);
  for (const call of file.opCalls) {
    // Helpers run when upgrade()/downgrade() call them; their operations are taken after the
    // function's own (tables the function creates count as created for the helper). A helper
    // both phases call gives its operations to both (fresh drafts each: contextualize owns them).
    const main = isEntryPoint(call.function);
    for (const phase of callPhases(call, phases, options.dialect)) {
      (main ? byPhase[phase].main : byPhase[phase].helpers).push(...operationsFromCall(call, hooks));
    }
  }
  const revision = file.revision.value;
  const ctx = (phase: Phase): Operation[] => contextualize([...byPhase[phase].main, ...byPhase[phase].helpers], { file: file.path, revision, phase });
  return { file, revision, upgrade: ctx('upgrade'), downgrade: ctx('downgrade') };
}
