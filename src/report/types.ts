import type { CheckResult, Finding } from '../model.js';
import type { Summary } from '../engine/findings.js';
import type { TraceReport } from '../checks/trace.js';

/** Everything a reporter formats: the versioned JSON contract's content. */
export interface Report {
  tool: { name: string; version: string };
  project: { root: string; config?: string; scriptLocation?: string; versionLocations: string[] };
  findings: Finding[];
  checks: CheckResult[];
  summary: Summary;
  /** What each revision's upgrade did on the database (`check` without --static or --no-trace). */
  trace?: TraceReport;
  /** Advice shown after the summary (`alembic-guard init` for a long history without a baseline). */
  hint?: string;
  /**
   * Every revision of the graph, newest first (`alembic history` order), with what the HTML report
   * draws and shows; not part of the JSON contract. Set by `runCheck` when asked (`revisions: true`).
   */
  revisions?: ReportRevision[];
  /** The rules each database check reports, by check id, when they ran (what ties a check to a revision). */
  checkRules?: Record<string, string[]>;
}

/** One revision as the HTML report shows it. */
export interface ReportRevision {
  revision: string;
  /** Relative to the project root. */
  file: string;
  /** The docstring, trimmed ('' when there is none). */
  message: string;
  /** down_revision as declared (ids that may be missing from the graph). */
  downRevisions: string[];
  /** depends_on resolved to revision ids. */
  dependsOn: string[];
  /** The labels declared in this file's branch_labels. */
  branchLabels: string[];
  head: boolean;
  base: boolean;
  /** Selected by --since (added or changed on the branch). */
  selected: boolean;
  /** Its offline SQL (`alembic upgrade --sql`), when the database checks rendered it. */
  offlineSql?: { sql?: string; error?: string };
}

export interface ReportContext {
  /** ANSI colour (a TTY without NO_COLOR). */
  color: boolean;
  /** The text of a line of a reported file (1-based), for the source excerpt; undefined when unknown. */
  sourceLine?: (file: string, line: number) => string | undefined;
  /** Prefix for file paths where a consumer wants them relative to somewhere else (GitHub workspace). */
  pathPrefix?: string;
}

export type Reporter = (report: Report, context: ReportContext) => string;
