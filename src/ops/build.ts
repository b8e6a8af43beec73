/**
 * The ops stage: parsed migration files → one list of operations per revision and phase, each with
 * its context (transaction or autocommit block, table created earlier in the same revision).
 * Called once per run by the engine, only when some operation rule is enabled.
 */
import type { MigrationFile, OpCall, Project } from '../model.js';
import { DEFAULT_POSTGRES_VERSION, type Operation, type OpsModel, type RevisionOps } from './model.js';
import { executeSql, operationsFromCall, type OpDraft } from './from-python.js';
import { loadSqlParser, operationsFromSql } from './from-sql.js';
import { contextualize, phaseOf } from './context.js';

export { contextualize, phaseOf, tableKey, tableOf, type ContextMeta } from './context.js';

export interface BuildInput {
  project: Pick<Project, 'dialect' | 'settings'>;
  files: readonly MigrationFile[];
}

function hasSql(files: readonly MigrationFile[]): boolean {
  for (const f of files) {
    for (const c of f.opCalls) {
      if (c.name === 'execute') {
        const r = executeSql(c.args[0] ?? c.kwargs['sqltext']);
        if ('sql' in r) return true;
      }
    }
  }
  return false;
}

/** The dialect and target version the rules work with. */
export function targetOf(project: BuildInput['project']): Pick<OpsModel, 'dialect' | 'dialectAssumed' | 'postgresVersion'> {
  return {
    dialect: project.dialect ?? 'postgresql',
    dialectAssumed: project.dialect === undefined,
    postgresVersion: project.settings.postgresVersion ?? DEFAULT_POSTGRES_VERSION,
  };
}

/** Operations of one file (upgrade and downgrade), with context. The SQL parser must be loaded when the file has SQL. */
export function fileOperations(file: MigrationFile, options: { parseSql: boolean }): RevisionOps {
  const byPhase: Record<'upgrade' | 'downgrade', { main: OpDraft[]; helpers: OpDraft[] }> = {
    upgrade: { main: [], helpers: [] },
    downgrade: { main: [], helpers: [] },
  };
  const hooks = {
    sql: (sql: string, call: OpCall): OpDraft[] =>
      options.parseSql
        ? operationsFromSql(sql, { call, bindParams: true })
        : [{ loc: call.loc, source: { kind: 'python' as const, call }, kind: 'other-sql' as const, statementType: 'SQL (not analyzed for this dialect)', table: null }],
  };
  for (const call of file.opCalls) {
    const phase = phaseOf(call.function);
    const drafts = operationsFromCall(call, hooks);
    // Helpers run when upgrade()/downgrade() call them; their operations are taken after the
    // function's own (tables the function creates count as created for the helper).
    const main = call.function === 'upgrade' || call.function === 'downgrade' || call.function.startsWith('upgrade_') || call.function.startsWith('downgrade_');
    (main ? byPhase[phase].main : byPhase[phase].helpers).push(...drafts);
  }
  const revision = file.revision.value;
  const ctx = (phase: 'upgrade' | 'downgrade'): Operation[] =>
    contextualize([...byPhase[phase].main, ...byPhase[phase].helpers], { file: file.path, revision, phase });
  return { file, revision, upgrade: ctx('upgrade'), downgrade: ctx('downgrade') };
}

/**
 * Build the operation model for a run. Loads libpg-query's wasm only when some `op.execute(...)`
 * carries literal SQL and the dialect is PostgreSQL.
 */
export async function buildOperations(input: BuildInput): Promise<OpsModel> {
  const target = targetOf(input.project);
  const parseSql = target.dialect === 'postgresql' && hasSql(input.files);
  if (parseSql) await loadSqlParser();
  const revisions = input.files.map((f) => fileOperations(f, { parseSql }));
  return { ...target, revisions, byPath: new Map(revisions.map((r) => [r.file.path, r])) };
}
