/**
 * A rule is one file: its id, default severity, what it needs, its docs under fixed headings, and
 * a check function that reads the run's context and returns findings. Rules never print and never
 * know about each other.
 */
import type { ConfiguredSeverity, FindingDraft, MigrationFile, Project } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import type { OpsModel } from '../ops/model.js';
import type { EnvSettings } from '../ops/env-settings.js';

export type RuleCategory =
  /** The revision graph: heads, bases, chains, cycles. */
  | 'graph'
  /** The shape of one migration file: docstring, upgrade/downgrade present, names. */
  | 'shape'
  /** Dangerous schema operations (the ops model). */
  | 'operation'
  /** Produced by the runtime checks that run migrations on a database. */
  | 'runtime'
  /** About the tool's own input: unparseable files, unused ignores. */
  | 'meta';

export interface RuleDocs {
  /** One paragraph: what the rule flags. */
  whatItDoes: string;
  /** Why it is dangerous: the lock taken and what it blocks, the data lost, the failure. */
  whyIsThisBad: string;
  /**
   * Alembic Python that triggers the rule. Either a whole migration module (it contains
   * `revision =`), or only the body of `upgrade()` (4-space indented or not), which the docs test
   * wraps into a one-revision migration on PostgreSQL whose tables already exist. The docs test
   * fails when the example does not trigger the rule. Graph rules need several files: then the
   * example is several whole modules, each introduced by a line `# file: versions/<name>.py`
   * (paths relative to the script location), loaded in that order.
   */
  example: string;
  /** The SQL the example emits, when that helps the reader (shown under the Python). */
  exampleSql?: string;
  /** The same change written safely, in the same form as `example`; must not trigger the rule. */
  useInstead: string;
  useInsteadSql?: string;
  options?: string;
  references?: string[];
}

/** Everything a static rule may read. Built once per run by the engine. */
export interface RuleContext {
  project: Project;
  /** Every revision file Alembic would load, parsed. */
  files: MigrationFile[];
  graph: RevisionGraph;
  /**
   * Files whose per-file findings are wanted (skip_revisions, baseline and --since applied).
   * Graph rules look at everything; shape and operation rules should report only on these.
   */
  lintedFiles: MigrationFile[];
  /** env.py of the script location, when it exists (read by the engine for rules that need it). */
  envPy?: { path: string; source: string; settings?: EnvSettings };
  /**
   * Top-level module and package names importable from the project root and prepend_sys_path: the
   * application's own code (the migrations folder itself excluded). Filled in by the engine.
   */
  localModules?: ReadonlySet<string>;
  /**
   * Per-revision operations (src/ops/model.ts), built by the ops stage (`buildOperations`) when
   * some operation rule is enabled.
   */
  ops?: OpsModel;
}

export interface Rule {
  id: string;
  /** Default severity; 'off' for opt-in rules. */
  severity: ConfiguredSeverity;
  category: RuleCategory;
  /** Dialects the rule applies to (from sqlalchemy.url); absent means every dialect. */
  dialects?: string[];
  /** What must be available for the rule to run; the engine skips it with a reason otherwise. */
  requires?: ('python' | 'database')[];
  docs: RuleDocs;
  /** Static check. Runtime rules have none: the runtime checks produce their findings. */
  check?: (ctx: RuleContext) => FindingDraft[];
}

const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function defineRule(rule: Rule): Rule {
  if (!ID.test(rule.id)) throw new Error(`rule id must be kebab-case: ${rule.id}`);
  return Object.freeze(rule);
}

/** Where a rule's docs page lives, relative to the repository root. */
export function docsPath(id: string): string {
  return `docs/rules/${id}.md`;
}
