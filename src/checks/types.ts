/**
 * The common shape of the database checks: each is one file (upgrade.ts, up-down.ts …) that names
 * its rules and turns what the walk observed into findings and a verdict. walk.ts drives the
 * migrations and produces the observations; session.ts starts the helper and the database and
 * runs the checks in order.
 */
import type { CheckResult } from '../model.js';
import type { Rule } from '../rules/define.js';
import type { HelperError } from '../python/bridge.js';
import type { SchemaDifference } from '../database/snapshot/snapshot.js';

export type RuntimeCheckId = 'offline-sql' | 'upgrade' | 'model-drift' | 'model-registration' | 'round-trip' | 'up-down' | 'trace';

export interface DatabaseCheck {
  id: RuntimeCheckId;
  /** For progress lines: `upgrade from scratch`. */
  title: string;
  /** The rules whose findings it reports. */
  rules: readonly Rule[];
}

export interface CheckOutcome {
  status: CheckResult['status'];
  message: string;
}

/** One migration step as the helper ran it. */
export interface StepResult {
  ok: boolean;
  error?: HelperError;
  /** The step failed with the generated rows in place, and passed once they were removed. */
  withRows?: HelperError;
  /** The step failed with the rows, and again without them. */
  withoutRows?: 'failed';
}

/** What the walk saw of one revision: the per-revision verdicts of up-down come from these. */
export interface RevisionCycle {
  revision: string;
  /** A revision it stands on failed: it was not applied. */
  notReached?: boolean;
  up?: StepResult;
  /** Not downgrade-tested (irreversible, downgrade_floor, skip_revisions). */
  untested?: boolean;
  down?: StepResult;
  /** The schema after its downgrade equals the schema before its upgrade. */
  same?: boolean;
  /** What differs, when same is false (full snapshots compared). */
  diffs?: SchemaDifference[];
  /** Upgrading it again after its downgrade. */
  again?: StepResult;
}
