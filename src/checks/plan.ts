/**
 * What the database checks walk, decided from the revision map Alembic itself loaded (through the
 * helper) and the settings: the order to apply revisions one at a time, which revisions are
 * downgrade-tested, and where the round trip turns back. Pure: unit-testable with literals.
 */

export interface PlanRevision {
  revision: string;
  /** down_revision, as Alembic resolved it. */
  downRevisions: string[];
  /** depends_on, resolved to revision ids. */
  dependencies: string[];
  branchLabels: string[];
  /** downgrade() raises NotImplementedError: explicitly irreversible. */
  irreversible: boolean;
}

export interface PlanSettings {
  /** Revision id (or unique prefix, or branch label): it and its ancestors are not downgrade-tested. */
  downgradeFloor?: string;
  /** Revisions that are not downgrade-tested. */
  skipRevisions?: string[];
}

export type DowngradeSkip =
  | { reason: 'irreversible'; by: string }
  | { reason: 'floor'; by: string }
  | { reason: 'skipped'; by: string };

export interface WalkPlan {
  /** Every revision, each after its down revisions and dependencies (Alembic's order when free). */
  order: string[];
  /** Why a revision is not downgrade-tested; absent when it is. */
  noDowngrade: Map<string, DowngradeSkip>;
  /**
   * Where the round trip turns back: `['base']`, or the newest revisions that may not be
   * downgraded (the round trip downgrades to each in turn).
   */
  roundTripTargets: string[];
  /** Ancestors (down revisions and dependencies, transitively) of each revision. */
  ancestors: Map<string, Set<string>>;
}

export class PlanError extends Error {}

/** Resolve a revision id, unique id prefix or branch label, as Alembic accepts them. */
export function resolveRevision(ref: string, revisions: readonly PlanRevision[]): string {
  const exact = revisions.find((r) => r.revision === ref);
  if (exact !== undefined) return exact.revision;
  const labelled = revisions.filter((r) => r.branchLabels.includes(ref));
  if (labelled.length === 1) return labelled[0]!.revision;
  const prefixed = revisions.filter((r) => r.revision.startsWith(ref));
  if (prefixed.length === 1) return prefixed[0]!.revision;
  if (prefixed.length > 1) throw new PlanError(`"${ref}" matches several revisions: ${prefixed.map((r) => r.revision).join(', ')}`);
  throw new PlanError(`"${ref}" names no revision`);
}

/** Kahn's algorithm; among ready revisions, the one that comes first in `revisions` goes first. */
export function topologicalOrder(revisions: readonly PlanRevision[]): string[] {
  const index = new Map(revisions.map((r, i) => [r.revision, i]));
  const parents = new Map(revisions.map((r) => [r.revision, [...new Set([...r.downRevisions, ...r.dependencies])].filter((p) => index.has(p))]));
  const children = new Map<string, string[]>(revisions.map((r) => [r.revision, []]));
  const pending = new Map<string, number>();
  for (const r of revisions) {
    const ps = parents.get(r.revision)!;
    pending.set(r.revision, ps.length);
    for (const p of ps) children.get(p)!.push(r.revision);
  }
  const ready = revisions.filter((r) => pending.get(r.revision) === 0).map((r) => r.revision);
  const order: string[] = [];
  const byIndex = (a: string, b: string): number => index.get(a)! - index.get(b)!;
  ready.sort(byIndex);
  while (ready.length > 0) {
    const next = ready.shift()!;
    order.push(next);
    let added = false;
    for (const c of children.get(next)!) {
      const n = pending.get(c)! - 1;
      pending.set(c, n);
      if (n === 0) {
        ready.push(c);
        added = true;
      }
    }
    if (added) ready.sort(byIndex);
  }
  if (order.length !== revisions.length) {
    const stuck = revisions.filter((r) => !order.includes(r.revision)).map((r) => r.revision);
    throw new PlanError(`the revisions form a cycle: ${stuck.join(', ')}`);
  }
  return order;
}

function ancestorsOf(revisions: readonly PlanRevision[], order: string[]): Map<string, Set<string>> {
  const byId = new Map(revisions.map((r) => [r.revision, r]));
  const out = new Map<string, Set<string>>();
  for (const id of order) {
    const r = byId.get(id)!;
    const set = new Set<string>();
    for (const p of [...r.downRevisions, ...r.dependencies]) {
      if (!byId.has(p)) continue;
      set.add(p);
      for (const a of out.get(p) ?? []) set.add(a);
    }
    out.set(id, set);
  }
  return out;
}

export function planWalk(revisions: readonly PlanRevision[], settings: PlanSettings = {}): WalkPlan {
  const order = topologicalOrder(revisions);
  const ancestors = ancestorsOf(revisions, order);
  const noDowngrade = new Map<string, DowngradeSkip>();
  const blockFrom = (id: string, skip: DowngradeSkip): void => {
    for (const a of [id, ...(ancestors.get(id) ?? [])]) if (!noDowngrade.has(a)) noDowngrade.set(a, skip);
  };
  // The newest marks first, so that each revision names the nearest mark above it.
  for (const id of [...order].reverse()) {
    const r = revisions.find((x) => x.revision === id)!;
    if (r.irreversible) blockFrom(id, { reason: 'irreversible', by: id });
  }
  let floor: string | undefined;
  if (settings.downgradeFloor !== undefined && settings.downgradeFloor !== '') {
    floor = resolveRevision(settings.downgradeFloor, revisions);
    blockFrom(floor, { reason: 'floor', by: floor });
  }
  for (const s of settings.skipRevisions ?? []) {
    let id: string;
    try {
      id = resolveRevision(s, revisions);
    } catch {
      continue; // skip_revisions naming nothing is the static side's business
    }
    if (!noDowngrade.has(id)) noDowngrade.set(id, { reason: 'skipped', by: id });
  }
  // The round trip turns back at the newest revisions that may not be downgraded (irreversible,
  // floor, or skipped: a command cannot step over one revision).
  const blocking = [...noDowngrade.keys()];
  const blockingSet = new Set(blocking);
  const maximal = blocking.filter((id) => !blocking.some((other) => other !== id && ancestors.get(other)?.has(id)));
  const roundTripTargets = blockingSet.size === 0 ? ['base'] : order.filter((id) => maximal.includes(id));
  return { order, noDowngrade, roundTripTargets, ancestors };
}
