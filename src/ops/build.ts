/**
 * The ops stage: parsed migration files → one list of operations per revision and phase, each with
 * its context (transaction or autocommit block, table created earlier in the same revision).
 * Called once per run by the engine, only when some operation rule is enabled.
 */
import type { MigrationFile, OpCall, Project } from '../model.js';
import { DEFAULT_POSTGRES_VERSION, type Operation, type OpsModel, type QualifiedName, type RevisionOps } from './model.js';
import { executeSql, operationsFromCall, type OpDraft } from './from-python.js';
import { loadSqlParser, operationsFromSql } from './from-sql.js';

export interface BuildInput {
  project: Pick<Project, 'dialect' | 'settings'>;
  files: readonly MigrationFile[];
}

/** Which phase an `op.*` call belongs to, from the top-level function it is in. */
export function phaseOf(fn: string): 'upgrade' | 'downgrade' {
  // Alembic's multidb template names them upgrade_<engine>() / downgrade_<engine>(); helpers are
  // usually named after the phase that calls them (`_downgrade_data`, `downgrade_enum`).
  return fn.toLowerCase().includes('downgrade') ? 'downgrade' : 'upgrade';
}

/**
 * Comparison key of a table name: PostgreSQL folds unquoted names to lower case, and `public` is
 * the default schema.
 */
export function tableKey(t: QualifiedName): string {
  const schema = t.schema?.toLowerCase();
  const name = t.name.toLowerCase();
  return schema === undefined || schema === 'public' ? name : `${schema}.${name}`;
}

/** The table an operation acts on, if any. */
export function tableOf(op: OpDraft | Operation): QualifiedName | undefined {
  switch (op.kind) {
    case 'create-table':
    case 'drop-table':
    case 'rename-table':
    case 'add-column':
    case 'drop-column':
    case 'rename-column':
    case 'alter-column-type':
    case 'set-not-null':
    case 'drop-not-null':
    case 'set-default':
    case 'create-index':
    case 'add-constraint':
    case 'validate-constraint':
    case 'drop-constraint':
      return op.table;
    case 'drop-index':
      return op.table;
    case 'data-change':
    case 'other-sql':
      return op.table ?? undefined;
    case 'reindex':
      return op.target === 'table' && op.name !== null ? op.name : undefined;
    case 'truncate':
      return op.tables[0];
    default:
      return undefined;
  }
}

export interface ContextMeta {
  file: string;
  revision: string | null;
  phase: 'upgrade' | 'downgrade';
  /** Whether the phase starts inside a transaction (true for PostgreSQL's transactional DDL). */
  initialInTransaction?: boolean;
}

/**
 * Add context to drafts, in execution order: transaction state (autocommit blocks; COMMIT and
 * BEGIN issued through SQL), tables created earlier in the same phase, position.
 */
export function contextualize(drafts: readonly OpDraft[], meta: ContextMeta): Operation[] {
  const created = new Set<string>();
  let txn = meta.initialInTransaction ?? true;
  const out: Operation[] = [];
  for (const d of drafts) {
    const call: OpCall | undefined = d.source.kind === 'python' ? d.source.call : d.source.call;
    const autocommit = call?.autocommit === true;
    const table = tableOf(d);
    let tableCreatedInRevision = false;
    if (table !== undefined && d.kind !== 'create-table') tableCreatedInRevision = created.has(tableKey(table));
    if (d.kind === 'truncate') tableCreatedInRevision = d.tables.every((t) => created.has(tableKey(t)));
    const op = {
      ...d,
      file: meta.file,
      revision: meta.revision,
      phase: meta.phase,
      function: call?.function ?? meta.phase,
      inTransaction: autocommit ? false : txn,
      batch: call?.batch !== undefined,
      tableCreatedInRevision,
      index: out.length,
    } as Operation;
    out.push(op);
    // Effects on what follows.
    switch (d.kind) {
      case 'create-table':
        created.add(tableKey(d.table));
        break;
      case 'rename-table':
        if (created.delete(tableKey(d.table))) created.add(tableKey({ ...(d.table.schema !== undefined ? { schema: d.table.schema } : {}), name: d.newName }));
        break;
      case 'drop-table':
        created.delete(tableKey(d.table));
        break;
      case 'transaction-control':
        if (!autocommit) {
          if (d.statement === 'commit' || d.statement === 'rollback') txn = false;
          else if (d.statement === 'begin') txn = true;
        }
        break;
    }
  }
  return out;
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
