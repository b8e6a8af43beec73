/**
 * alembic-guard as a library. The CLI is a thin layer over these calls.
 *
 *   import { loadProject, runCheck } from 'alembic-guard';
 *   const project = loadProject({ cwd: process.cwd() });
 *   const { report } = await runCheck(project, { static: true });
 */
export type * from './model.js';
export { GuardError, UsageError, ConfigError, PythonError, DatabaseError, isGuardError, redactUrl } from './errors.js';
export { VERSION } from './version.js';

// project → source → graph → rules → report
export { loadProject, type LoadProjectOptions } from './project/discover.js';
export { listRevisionFiles } from './project/collect.js';
export { parseMigration } from './source/parse.js';
export { loadMigrations } from './source/load.js';
export { buildGraph } from './graph/graph.js';
export type { RevisionGraph, RevisionNode, GraphProblem } from './graph/types.js';
export { renderGraph, renderHeads, renderHistory } from './graph/render.js';
export { loadRevisions } from './engine/load.js';
export { runStatic, type StaticOptions, type StaticResult } from './engine/static.js';
export { runCheck, type CheckOptions, type CheckRun } from './engine/check.js';
export { applyIgnores, sortFindings, summarize, type Summary } from './engine/findings.js';
export { rules, ruleById } from './rules/index.js';
export { defineRule, type Rule, type RuleContext, type RuleDocs, type RuleCategory } from './rules/define.js';
export { reporters, type Report, type ReportContext, type Reporter } from './report/index.js';

// the database checks: the Python helper, the database, and the checks that run the migrations
export {
  runRuntimeChecks,
  startRuntimeChecks,
  RUNTIME_CHECKS,
  RUNTIME_RULES,
  type RuntimeOptions,
  type RuntimeResult,
  type RuntimeSession,
  type RuntimeProgress,
  type RuntimeCheckId,
  type RuntimeInfo,
  type OfflineRevisionSql,
} from './checks/session.js';
export { offlineSql, selectRange, formatSqlText, formatSqlMarkdown } from './checks/offline-sql-command.js';
export { startEmbeddedPostgres } from './database/embedded.js';
export { connectDatabaseUrl } from './database/external.js';
export type { DatabaseServer, ScratchDatabase } from './database/server.js';
export { findPython, type PythonCommand } from './python/find.js';
