/**
 * The static pass: files → parse → graph → (ops) → rules → findings. No Python, no database.
 */
import type { CheckResult, Finding, MigrationFile, Project, Severity } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import type { Rule, RuleContext } from '../rules/define.js';
import { ConfigError } from '../errors.js';
import { loadRevisions } from './load.js';
import { findLocalModules, readEnvPy } from './context.js';
import { rules as allRules, ruleById } from '../rules/index.js';
import { effectiveSeverity, toFindings } from './findings.js';

export interface StaticOptions {
  cache: boolean;
  /** Limit per-file rules to these revision files (paths relative to the root), e.g. from --since. */
  onlyPaths?: ReadonlySet<string>;
}

export interface StaticResult {
  files: MigrationFile[];
  /** The files per-file rules reported on (skip_revisions, baseline, --since applied). */
  lintedFiles: MigrationFile[];
  graph: RevisionGraph;
  findings: Finding[];
  /** Ids of the rules that ran. */
  ran: Set<string>;
  check: CheckResult;
}

/** Reject `[tool.alembic-guard.rules]` entries that name no rule. */
export function validateRuleSettings(project: Project): void {
  for (const id of Object.keys(project.settings.rules)) {
    if (!ruleById.has(id)) {
      const near = [...ruleById.keys()].filter((k) => k.includes(id) || id.includes(k)).slice(0, 3);
      throw new ConfigError(`unknown rule "${id}" in [tool.alembic-guard.rules]`, {
        reason: near.length > 0 ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : 'no rule has that id',
        hint: 'Run `alembic-guard rules` to list the rule ids.',
      });
    }
  }
}

/** The files per-file rules report on: skip_revisions, baseline and --since applied. */
export function selectLinted(project: Project, files: MigrationFile[], graph: RevisionGraph, onlyPaths?: ReadonlySet<string>): MigrationFile[] {
  const skip = new Set(project.settings.skipRevisions);
  let after: Set<string> | undefined;
  const baseline = project.settings.baseline;
  if (baseline !== undefined) {
    const id = graph.nodes.has(baseline) ? baseline : graph.branchLabels.get(baseline);
    if (id === undefined) {
      throw new ConfigError(`baseline "${baseline}" names no revision`, {
        reason: 'no revision file declares that id or branch label',
        hint: 'Set [tool.alembic-guard] baseline to an existing revision id (see `alembic-guard history`).',
      });
    }
    after = new Set();
    const queue = [...(graph.nodes.get(id)?.nextRevisions ?? [])];
    while (queue.length > 0) {
      const rev = queue.pop()!;
      if (after.has(rev)) continue;
      after.add(rev);
      queue.push(...(graph.nodes.get(rev)?.nextRevisions ?? []));
    }
  }
  return files.filter((f) => {
    const rev = f.revision.value;
    if (rev !== null && skip.has(rev)) return false;
    if (onlyPaths !== undefined && !onlyPaths.has(f.path)) return false;
    if (after !== undefined && rev !== null && !after.has(rev)) return false;
    return true;
  });
}

function applies(rule: Rule, project: Project): boolean {
  if (rule.check === undefined) return false;
  if (rule.dialects !== undefined && !rule.dialects.includes(project.dialect ?? 'postgresql')) return false;
  return true;
}

export async function runStatic(project: Project, options: StaticOptions): Promise<StaticResult> {
  const started = performance.now();
  validateRuleSettings(project);
  const { files, graph } = await loadRevisions(project, { cache: options.cache });
  const lintedFiles = selectLinted(project, files, graph, options.onlyPaths);
  const active = allRules.filter((r) => applies(r, project) && effectiveSeverity(r, project.settings.rules) !== 'off');
  const ctx: RuleContext = { project, files, graph, lintedFiles };
  if (active.some((r) => r.category === 'operation')) {
    // env.py and the app's own modules matter only to operation rules: read them only for those.
    const envPy = readEnvPy(project);
    if (envPy !== undefined) ctx.envPy = envPy;
    ctx.localModules = findLocalModules(project);
    // Only the linted files: operation rules report nothing else, and the ops stage is per revision.
    const { buildOperations } = await import('../ops/build.js');
    const { readEnvSettings } = await import('../ops/env-settings.js');
    const cache = options.cache ? new (await import('./derived-cache.js')).DerivedCache(project.root) : undefined;
    if (ctx.envPy !== undefined) {
      ctx.envPy.settings = cache !== undefined ? cache.envSettings(ctx.envPy.source, readEnvSettings) : readEnvSettings(ctx.envPy.source);
    }
    ctx.ops = await buildOperations({ project, files: lintedFiles, ...(cache !== undefined ? { sqlCache: cache.sql, fileCache: cache.fileOps } : {}) });
    cache?.save();
  }
  const findings: Finding[] = [];
  const ran = new Set<string>();
  for (const rule of active) {
    const severity = effectiveSeverity(rule, project.settings.rules) as Severity;
    findings.push(...toFindings(rule, severity, rule.check!(ctx)));
    ran.add(rule.id);
  }
  const durationMs = Math.round(performance.now() - started);
  const revisions = graph.nodes.size;
  return {
    files,
    lintedFiles,
    graph,
    findings,
    ran,
    check: {
      id: 'static',
      status: findings.some((f) => f.severity === 'error') ? 'failed' : 'passed',
      message: `${revisions} revision${revisions === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}, ${ran.size} rules`,
      durationMs,
    },
  };
}
