/**
 * The ops stage: parsed migration files → one list of operations per revision and phase, each with
 * its context (transaction or autocommit block, table created earlier in the same revision).
 * Called once per run by the engine, only when some operation rule is enabled.
 */
import type { MigrationFile, OpCall, Project } from '../model.js';
import { DEFAULT_POSTGRES_VERSION, type OpsModel, type RevisionOps } from './model.js';
import { executeSql, type OpDraft } from './from-python.js';
import { loadSqlParser, operationsFromSql } from './from-sql.js';
import { fileOperations as fileOps } from './file-ops.js';

export { contextualize, phaseOf, tableKey, tableOf, type ContextMeta } from './context.js';

export interface BuildInput {
  project: Pick<Project, 'dialect' | 'settings'>;
  files: readonly MigrationFile[];
  /**
   * Optional store for the SQL front end's results, keyed by the SQL text of an `op.execute(...)`.
   * Values are plain JSON (no reference to the call). When every SQL string of the run is found
   * here, libpg-query's wasm is not loaded at all. The engine may persist it next to the parse
   * cache; key it by SQL_FRONT_END_MODULES' code as well, so a change to the front end misses.
   */
  sqlCache?: SqlCache;
  /** Optional store of whole files' operations; a file found here is not read again. */
  fileCache?: FileOpsCache;
}

/** A store of whole files' operations, by content and target dialect (the engine persists it beside the parse cache). */
export interface FileOpsCache {
  get(file: MigrationFile, dialect: string): RevisionOps | undefined;
  set(file: MigrationFile, dialect: string, ops: RevisionOps): void;
}

export interface SqlCache {
  get(sql: string): OpDraft[] | undefined;
  set(sql: string, drafts: OpDraft[]): void;
}

/** The compiled modules (next to this one in dist/) whose code decides what the SQL front end returns. */
export const SQL_FRONT_END_MODULES: readonly string[] = ['from-sql.js', 'types.js', 'model.js'];

/** SQL drafts (cached or fresh, without a call) pointed at the `op.execute` call they came from. */
function attach(drafts: readonly OpDraft[], call: OpCall): OpDraft[] {
  return drafts.map((d) => ({ ...d, loc: call.loc, source: d.source.kind === 'sql' ? { ...d.source, call } : d.source }) as OpDraft);
}

/** Is there literal SQL in some `op.execute(...)` that the cache does not already answer? */
function needsSqlParser(files: readonly MigrationFile[], cache: SqlCache | undefined): boolean {
  for (const f of files) {
    for (const c of f.opCalls) {
      if (c.name === 'execute') {
        const r = executeSql(c.args[0] ?? c.kwargs['sqltext']);
        if ('sql' in r && cache?.get(r.sql) === undefined) return true;
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

/**
 * Operations of one file for the target dialect (see file-ops.ts), with the SQL of `op.execute`
 * parsed on PostgreSQL. The SQL parser must be loaded when the file has SQL.
 */
export function fileOperations(file: MigrationFile, options: { dialect: string; sqlCache?: SqlCache }): RevisionOps {
  const cache = options.sqlCache;
  const sql =
    options.dialect === 'postgresql'
      ? (text: string, call: OpCall): OpDraft[] => {
          let drafts = cache?.get(text);
          if (drafts === undefined) {
            drafts = operationsFromSql(text, { bindParams: true });
            cache?.set(text, drafts);
          }
          return attach(drafts, call);
        }
      : undefined;
  return fileOps(file, { dialect: options.dialect, ...(sql !== undefined ? { sql } : {}) });
}

/**
 * Build the operation model for a run. Loads libpg-query's wasm only when some `op.execute(...)`
 * carries literal SQL and the dialect is PostgreSQL.
 */
export async function buildOperations(input: BuildInput): Promise<OpsModel> {
  const target = targetOf(input.project);
  const parseSql = target.dialect === 'postgresql';
  const cached = input.files.map((f) => input.fileCache?.get(f, target.dialect));
  const missing = input.files.filter((_, i) => cached[i] === undefined);
  if (parseSql && needsSqlParser(missing, input.sqlCache)) await loadSqlParser();
  const revisions = input.files.map((f, i) => {
    const hit = cached[i];
    if (hit !== undefined) return hit;
    const ops = fileOperations(f, { dialect: target.dialect, ...(input.sqlCache !== undefined ? { sqlCache: input.sqlCache } : {}) });
    input.fileCache?.set(f, target.dialect, ops);
    return ops;
  });
  return { ...target, revisions, byPath: new Map(revisions.map((r) => [r.file.path, r])) };
}
