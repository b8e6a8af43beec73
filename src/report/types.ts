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
