/**
 * One `check` run, as a library call: the static pass, `--since` selection, the database checks
 * (unless static), ignores and `unused-ignore`, and the report. No argv, no printing: the CLI maps
 * flags to these options and the result to output and an exit code.
 */
import { relative } from 'node:path';
import type { RevisionGraph } from '../graph/types.js';
import type { CheckResult, Finding, Project } from '../model.js';
import type { GuardError } from '../errors.js';
import type { MarkdownReport } from '../report/markdown.js';
import type { RuntimeOptions, RuntimeResult } from '../checks/session.js';
import { runStatic } from './static.js';
import { reportRevisions } from './report-revisions.js';
import { applyIgnores, effectiveSeverity, sortFindings, summarize } from './findings.js';
import { ruleById } from '../rules/index.js';
import { reviewSql, sinceFindings, sinceSelection } from './since.js';
import { VERSION } from '../version.js';
import { adoptionHint } from './adoption.js';

export interface CheckOptions {
  /** Read and write the parse cache (default true). */
  cache?: boolean;
  /** Only the static checks: no Python, no database. */
  static?: boolean;
  /** A git revision: per-file rules only on migrations added or changed since it. */
  since?: string;
  /** Options of the database checks (interpreter, database URL, timeouts, progress). */
  runtime?: RuntimeOptions;
  /** Put every revision on the report (`report.revisions`): what the HTML report draws. */
  revisions?: boolean;
}

export interface CheckRun {
  report: MarkdownReport;
  /** The revision graph the static pass built (migrate reuses it instead of loading the revisions again). */
  graph: RevisionGraph;
  /**
   * Set when Python or the database stopped the database checks: the findings so far are in the
   * report; the caller reports this error too (exit code 2).
   */
  error?: GuardError;
}

export async function runCheck(project: Project, options: CheckOptions = {}): Promise<CheckRun> {
  const since = sinceSelection(project, options.since);
  // The database checks start their slow parts (Python helper, PostgreSQL) now, during the static pass.
  const runtime = options.static !== true ? await import('../checks/session.js') : undefined;
  const session = runtime?.startRuntimeChecks(project, options.runtime);
  let result: Awaited<ReturnType<typeof runStatic>>;
  try {
    result = await runStatic(project, { cache: options.cache ?? true, ...(since !== undefined ? { onlyPaths: since.onlyPaths } : {}) });
  } catch (e) {
    await session?.cancel();
    throw e;
  }
  const findings: Finding[] = [...result.findings];
  const modified = sinceFindings(since, result.files, project);
  findings.push(...modified.findings);
  const checks: CheckResult[] = [result.check];
  const ran = new Set(result.ran);
  if (modified.ran) ran.add('modified-migration');

  let error: GuardError | undefined;
  let offlineSql: MarkdownReport['offlineSql'] = [];
  let trace: MarkdownReport['trace'];
  let everyRevisionSql: RuntimeResult['offlineSql'] = [];
  if (runtime !== undefined && session !== undefined) {
    const rt = await session.run(result.graph, { staticFindings: result.findings, lintedFiles: result.lintedFiles.map((f) => f.path) });
    findings.push(...rt.findings);
    checks.push(...rt.checks);
    error = rt.error;
    offlineSql = reviewSql(since, rt.offlineSql, result.files);
    everyRevisionSql = rt.offlineSql;
    trace = rt.trace;
    const confirmed = new Set(rt.confirmed.map((c) => JSON.stringify([c.rule, c.file, c.line])));
    for (const f of findings) if (confirmed.has(JSON.stringify([f.rule, f.file, f.line]))) f.confirmed = true;
    if (rt.error === undefined) for (const r of runtime.RUNTIME_RULES) ran.add(r.id);
  }

  const { findings: kept, unused: allUnused } = applyIgnores(findings, result.files, ran, options.static !== true && error === undefined);
  // Files that skip_revisions, baseline or --since leave out were not linted: their ignores are not judged.
  const linted = new Set(result.lintedFiles.map((f) => f.path));
  const unused = allUnused.filter((u) => u.file === undefined || linted.has(u.file));
  const severityOfUnused = effectiveSeverity(ruleById.get('unused-ignore')!, project.settings.rules);
  const all = sortFindings(severityOfUnused === 'off' ? kept : [...kept, ...unused.map((u) => ({ ...u, severity: severityOfUnused }))]);
  const rel = (p: string) => relative(project.root, p).split('\\').join('/') || '.';
  const report: MarkdownReport = {
    tool: { name: 'alembic-guard', version: VERSION },
    project: {
      root: project.root,
      config: project.configFile !== undefined ? rel(project.configFile) : undefined,
      scriptLocation: project.scriptLocation !== undefined ? rel(project.scriptLocation) : undefined,
      versionLocations: project.versionLocations.map(rel),
    },
    findings: all,
    checks,
    summary: summarize(all),
    ...hintOf(adoptionHint(project, result.graph, all, since !== undefined)),
    // The Markdown report shows the offline SQL of the revisions --since selected, for reviewers.
    ...(offlineSql.length > 0 ? { offlineSql } : {}),
    ...(trace !== undefined ? { trace } : {}),
    // The HTML report draws the graph and shows every revision, with all the offline SQL.
    ...(options.revisions === true ? { revisions: reportRevisions(result.graph, since?.onlyPaths, everyRevisionSql) } : {}),
    ...(runtime !== undefined ? { checkRules: Object.fromEntries(runtime.DATABASE_CHECKS.map((c) => [c.id, c.rules.map((r) => r.id)])) } : {}),
  };
  return { report, graph: result.graph, ...(error !== undefined ? { error } : {}) };
}

function hintOf(hint: string | undefined): { hint?: string } {
  return hint === undefined ? {} : { hint };
}
