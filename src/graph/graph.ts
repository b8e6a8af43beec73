/**
 * The revision map, with Alembic's own semantics (alembic/script/revision.py, RevisionMap), built
 * from statically parsed files. Pure: no fs, no process.
 *
 * Where Alembic stops with an exception (a missing parent is a KeyError, a cycle a CycleDetected,
 * a repeated branch label a RevisionError), we record a problem and carry on with what is sound,
 * so that every rule and command still gets a graph. Where we differ on purpose:
 * - a duplicate id: Alembic keeps the last file loaded for the id but the first file's Revision
 *   object stays in its head and base sets (so the id shows up as an extra head). We keep the same
 *   winning file and drop the loser entirely; the duplicate is reported on its own.
 * - Alembic iterates a few Python sets (branch labels, normalized dependencies) whose order depends
 *   on string hashing; we use declaration order there.
 *
 * Everything runs on integer indices and is linear in the number of revisions and edges, except
 * the few places noted (label inheritance and shared dependencies cost one walk per label/target).
 */
import type { MigrationFile } from '../model.js';
import type { GraphProblem, RevisionGraph, RevisionNode } from './types.js';

interface Work {
  ids: string[];
  files: MigrationFile[];
  /** Position of the winning file in the input (orders heads and bases, as Alembic's sets do). */
  loadIndex: number[];
  index: Map<string, number>;
  /** Existing, distinct, non-self parents through down_revision. */
  parents: number[][];
  children: number[][];
  /** Resolved dependencies: existing, distinct, non-self. */
  deps: number[][];
  dependents: number[][];
}

/** Distinct items in first-seen order; short lists (the usual case) without a Set. */
function dedupe<T>(items: readonly T[]): T[] {
  if (items.length <= 1) return items.slice();
  if (items.length <= 8) return items.filter((item, i) => items.indexOf(item) === i);
  return [...new Set(items)];
}

/** `a` then the items of `b` not in it (both already distinct); `a` itself when `b` is empty. */
function union(a: number[], b: number[]): number[] {
  if (b.length === 0) return a;
  return dedupe([...a, ...b]);
}

export function buildGraph(files: MigrationFile[]): RevisionGraph {
  const problems: GraphProblem[] = [];

  // --- the revision map: first occurrence fixes the key's position, the last file wins ---------
  const index = new Map<string, number>();
  const ids: string[] = [];
  const byId: MigrationFile[][] = [];
  const loadIndex: number[] = [];
  files.forEach((file, position) => {
    const id = file.revision.value;
    if (id === null) return;
    const known = index.get(id);
    if (known === undefined) {
      index.set(id, ids.length);
      ids.push(id);
      byId.push([file]);
      loadIndex.push(position);
    } else {
      byId[known]!.push(file);
      loadIndex[known] = position;
    }
  });
  const unreadable: RevisionGraph['unreadable'] = [];
  for (const file of files) {
    for (const field of ['revision', 'downRevision', 'branchLabels', 'dependsOn'] as const) {
      if (file[field].unreadable === true) unreadable.push({ file, field });
    }
  }
  const n = ids.length;
  const winners = byId.map((list) => list[list.length - 1]!);
  byId.forEach((list, i) => {
    if (list.length > 1) problems.push({ kind: 'duplicate-revision', revision: ids[i]!, files: list });
  });

  // --- branch labels (Alembic: _map_branch_labels; a label may not repeat a label or an id) ----
  const labelOwner = new Map<string, number>();
  const declaredLabels: string[][] = winners.map((f) => f.branchLabels.value.slice());
  for (let i = 0; i < n; i++) {
    for (const label of declaredLabels[i]!) {
      const asRevision = index.get(label);
      const asLabel = labelOwner.get(label);
      if (asRevision !== undefined) {
        problems.push({ kind: 'duplicate-branch-label', label, revisions: [ids[asRevision]!, ids[i]!], clashesWithRevision: true });
      } else if (asLabel !== undefined) {
        problems.push({ kind: 'duplicate-branch-label', label, revisions: [ids[asLabel]!, ids[i]!] });
      } else {
        labelOwner.set(label, i);
      }
    }
  }
  const resolveName = (name: string): number | undefined => index.get(name) ?? labelOwner.get(name);

  // --- dependencies (Alembic: _add_depends_on; names may be ids or branch labels) -------------
  const deps: number[][] = [];
  const dependsOnShown: string[][] = [];
  for (let i = 0; i < n; i++) {
    const own: number[] = [];
    const shown: string[] = [];
    for (const name of dedupe(winners[i]!.dependsOn.value)) {
      const target = resolveName(name);
      if (target === undefined) {
        problems.push({ kind: 'missing-dependency', revision: ids[i]!, missing: name });
        shown.push(name);
      } else if (target === i) {
        problems.push({ kind: 'revision-cycle', revisions: [ids[i]!], dependency: true });
        shown.push(ids[i]!);
      } else {
        own.push(target);
        shown.push(ids[target]!);
      }
    }
    deps.push(dedupe(own));
    dependsOnShown.push(dedupe(shown));
  }

  // --- down revisions -----------------------------------------------------------------------------
  const parents: number[][] = [];
  const isBase: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const declared = winners[i]!.downRevision.value;
    // An unreadable down_revision is a placeholder null, not a base.
    isBase.push(winners[i]!.downRevision.unreadable !== true && (declared === null || declared.length === 0));
    const own: number[] = [];
    for (const name of declared ?? []) {
      if (name === ids[i]) {
        problems.push({ kind: 'revision-cycle', revisions: [name], dependency: false });
        continue;
      }
      const target = index.get(name);
      if (target === undefined) {
        const owner = labelOwner.get(name);
        problems.push(
          owner === undefined
            ? { kind: 'missing-down-revision', revision: ids[i]!, missing: name }
            : { kind: 'missing-down-revision', revision: ids[i]!, missing: name, labelOf: ids[owner]! },
        );
        continue;
      }
      own.push(target);
    }
    parents.push(dedupe(own));
  }

  const children: number[][] = Array.from({ length: n }, () => []);
  const dependents: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (const p of parents[i]!) children[p]!.push(i);
    for (const d of deps[i]!) dependents[d]!.push(i);
  }
  const w: Work = { ids, files: winners, loadIndex, index, parents, children, deps, dependents };

  // --- heads and bases (Alembic: heads drop versioned parents, _real_heads drop dependencies too)
  const byLoad = (a: number, b: number) => loadIndex[a]! - loadIndex[b]!;
  const all = Array.from({ length: n }, (_, i) => i).sort(byLoad);
  const heads = all.filter((i) => children[i]!.length === 0);
  const realHeads = heads.filter((i) => dependents[i]!.length === 0);
  const bases = all.filter((i) => isBase[i]);
  const realBases = bases.filter((i) => winners[i]!.dependsOn.value.length === 0 && winners[i]!.dependsOn.unreadable !== true);

  // --- cycles (Alembic: _detect_cycles, plus the self-loops Revision() refuses) ----------------
  const versionedCycles = cyclicComponents(n, (i) => parents[i]!);
  const versionedKeys = new Set<string>();
  for (const comp of versionedCycles) {
    versionedKeys.add(comp.slice().sort((a, b) => a - b).join(','));
    problems.push({ kind: 'revision-cycle', revisions: cycleOrder(comp, (i) => parents[i]!).map((i) => ids[i]!), dependency: false });
  }
  const allParentsOf = parents.map((ps, i) => union(ps, deps[i]!));
  const allParents = (i: number) => allParentsOf[i]!;
  for (const comp of cyclicComponents(n, allParents)) {
    if (versionedKeys.has(comp.slice().sort((a, b) => a - b).join(','))) continue;
    problems.push({ kind: 'revision-cycle', revisions: cycleOrder(comp, allParents).map((i) => ids[i]!), dependency: true });
  }

  // --- normalized dependencies, effective labels, history ---------------------------------------
  const normalized = normalizeDependsOn(w);
  const labels = inheritBranchLabels(w, declaredLabels);
  const history = topologicalHistory(w, normalized, realHeads);

  const nodes = new Map<string, RevisionNode>();
  for (let i = 0; i < n; i++) {
    nodes.set(ids[i]!, {
      revision: ids[i]!,
      file: winners[i]!,
      downRevisions: (winners[i]!.downRevision.value ?? []).slice(),
      dependsOn: dependsOnShown[i]!,
      normalizedDependsOn: normalized[i]!.map((d) => ids[d]!),
      branchLabels: labels[i]!,
      declaredBranchLabels: declaredLabels[i]!,
      nextRevisions: children[i]!.map((c) => ids[c]!),
      dependents: dependents[i]!.map((c) => ids[c]!),
    });
  }
  const branchLabels = new Map<string, string>();
  for (const [label, owner] of labelOwner) branchLabels.set(label, ids[owner]!);
  const name = (i: number) => ids[i]!;
  return {
    nodes,
    heads: heads.map(name),
    realHeads: realHeads.map(name),
    bases: bases.map(name),
    realBases: realBases.map(name),
    history: history.map(name),
    branchLabels,
    problems,
    unreadable,
  };
}

/**
 * Alembic's _normalize_depends_on: a dependency that an ancestor (through down_revision) already
 * depends on is dropped. Only a dependency target named by more than one revision can be dropped,
 * so each such target costs one walk up from the revisions that name it.
 */
function normalizeDependsOn(w: Work): number[][] {
  const n = w.ids.length;
  const result = w.deps.map((d) => d.slice());
  const below = new Int32Array(n);
  let stamp = 0;
  for (let target = 0; target < n; target++) {
    const holders = w.dependents[target]!;
    if (holders.length < 2) continue;
    // Every proper descendant (through down_revision) of a holder has an ancestor holding `target`.
    stamp++;
    const stack: number[] = [];
    for (const h of holders) for (const c of w.children[h]!) stack.push(c);
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (below[r] === stamp) continue;
      below[r] = stamp;
      for (const c of w.children[r]!) if (below[c] !== stamp) stack.push(c);
    }
    for (const h of holders) {
      if (below[h] === stamp) result[h] = result[h]!.filter((d) => d !== target);
    }
  }
  return result;
}

/**
 * Alembic's _add_branches: a label goes to every descendant through down_revision; and when the
 * line from the labelled revision up to its tip has no branch point or merge point, it also goes
 * down to the ancestors until a (dependency-aware) branch point, a merge point or the base.
 * Labels accumulate in map order, as in Alembic, so an inherited label travels on.
 */
function inheritBranchLabels(w: Work, declared: string[][]): string[][] {
  const n = w.ids.length;
  // Most revisions carry no label: their set is made on first use.
  const sets: (Set<string> | undefined)[] = declared.map((d) => (d.length > 0 ? new Set(d) : undefined));
  const add = (node: number, labels: string[]) => {
    const set = sets[node] ?? (sets[node] = new Set());
    for (const l of labels) set.add(l);
  };
  const realBranchPoint = (i: number) => new Set([...w.children[i]!, ...w.dependents[i]!]).size > 1;
  const mergePoint = (i: number) => (w.files[i]!.downRevision.value?.length ?? 0) > 1;
  const seen = new Int32Array(n);
  const walked = new Int32Array(n);
  let stamp = 0;
  for (let r = 0; r < n; r++) {
    if (declared[r]!.length === 0) continue;
    stamp++;
    const labels = [...sets[r]!];
    // Alembic's _get_descendant_nodes: depth first with a stack; remember the last node yielded.
    const stack = [r];
    let last = r;
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (seen[node] === stamp) continue;
      seen[node] = stamp;
      for (const c of w.children[node]!) stack.push(c);
      add(node, labels);
      last = node;
    }
    // Walk down from the last node while the line is unbranched.
    let parent: number | undefined = last;
    while (parent !== undefined && walked[parent] !== stamp && !realBranchPoint(parent) && !mergePoint(parent)) {
      walked[parent] = stamp;
      add(parent, labels);
      const down: string[] | null = w.files[parent]!.downRevision.value;
      parent = down !== null && down.length === 1 ? w.index.get(down[0]!) : undefined;
    }
  }
  return sets.map((set) => (set === undefined ? [] : [...set]));
}

/**
 * The order `alembic history` prints: Alembic's RevisionMap._topological_sort over every revision,
 * starting from the real heads in map order. Alembic keeps one ancestor set per current head and
 * asks whether the candidate is in another head's set; in a DAG that is the same as "the candidate
 * still has an unemitted child", and the head to switch to is the first one among the candidate's
 * unemitted descendants. That keeps the walk linear for real histories (Alembic's own sort is
 * quadratic in the number of revisions between merge points).
 *
 * Broken graphs: edges to missing revisions are already gone, and edges inside a cycle are
 * dropped here, so the walk always ends and lists every revision.
 */
function topologicalHistory(w: Work, normalizedDeps: number[][], realHeads: number[]): number[] {
  const n = w.ids.length;
  // Alembic's _normalized_down_revisions: down_revision then the normalized dependencies.
  let down: number[][] = [];
  for (let i = 0; i < n; i++) down.push(union(w.parents[i]!, normalizedDeps[i]!));
  const comps = cyclicComponents(n, (i) => down[i]!);
  if (comps.length > 0) {
    const comp = new Int32Array(n).fill(-1);
    comps.forEach((c, k) => c.forEach((i) => (comp[i] = k)));
    down = down.map((ps, i) => (comp[i] === -1 ? ps : ps.filter((p) => comp[p] !== comp[i])));
  }
  const up: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) for (const p of down[i]!) up[p]!.push(i);

  const targets = new Set(realHeads);
  for (let i = 0; i < n; i++) if (up[i]!.length === 0) targets.add(i);
  const current = [...targets].sort((a, b) => a - b);
  const inHeads = new Uint8Array(n);
  for (const h of current) inHeads[h] = 1;
  const emitted = new Uint8Array(n);
  // Visit marks for the searches below: `above[r] === stamp` means seen in the current search.
  const above = new Int32Array(n);
  let stamp = 0;
  // A candidate far below the heads may be blocked again and again (at every fork above it).
  // Its unemitted descendants only shrink as the walk emits, and reachability never changes, so
  // the set found the first time stays right: keep the large ones (bounded to a few n entries).
  const aboveCache = new Map<number, Set<number>>();
  let cachedEntries = 0;
  const remember = (candidate: number, found: number[]) => {
    while (cachedEntries + found.length > 4 * n + 256 && aboveCache.size > 0) {
      const [oldest, set] = aboveCache.entries().next().value as [number, Set<number>];
      aboveCache.delete(oldest);
      cachedEntries -= set.size;
    }
    aboveCache.set(candidate, new Set(found));
    cachedEntries += found.length;
  };
  const output: number[] = [];
  let idx = 0;
  while (current.length > 0) {
    const candidate = current[idx]!;
    if (up[candidate]!.some((c) => !emitted[c])) {
      // Another head still has the candidate as an ancestor: switch to the first such head.
      let isAbove: (h: number) => boolean;
      const cached = aboveCache.get(candidate);
      if (cached !== undefined) {
        isAbove = (h) => cached.has(h);
      } else {
        stamp++;
        const found: number[] = [];
        const stack = up[candidate]!.filter((c) => !emitted[c]);
        while (stack.length > 0) {
          const r = stack.pop()!;
          if (above[r] === stamp) continue;
          above[r] = stamp;
          found.push(r);
          for (const c of up[r]!) if (!emitted[c] && above[c] !== stamp) stack.push(c);
        }
        const mark = stamp;
        isAbove = (h) => above[h] === mark;
        if (found.length > 64) remember(candidate, found);
      }
      const next = current.findIndex((h, j) => j !== idx && isAbove(h));
      if (next !== -1) {
        idx = next;
        continue;
      }
      // Unreachable in a DAG; emitting keeps the walk finite whatever happens.
    }
    if (!emitted[candidate]) {
      emitted[candidate] = 1;
      output.push(candidate);
    }
    const add = down[candidate]!.filter((r) => !emitted[r] && !inHeads[r]);
    inHeads[candidate] = 0;
    if (add.length === 0) {
      current.splice(idx, 1);
      idx = Math.max(idx - 1, 0);
    } else {
      current[idx] = add[0]!;
      for (let k = 1; k < add.length; k++) current.push(add[k]!);
      for (const r of add) inHeads[r] = 1;
    }
  }
  return output;
}

/**
 * Strongly connected components with more than one member (Tarjan, iterative), each in
 * discovery order. `next` gives a node's outgoing edges (here: towards parents).
 */
export function cyclicComponents(n: number, next: (i: number) => readonly number[]): number[][] {
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  // The depth-first path: node and position in its edge list.
  const pathNode = new Int32Array(n);
  const pathPos = new Int32Array(n);
  const result: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    let depth = 0;
    const open = (node: number) => {
      order[node] = low[node] = counter++;
      stack.push(node);
      onStack[node] = 1;
      pathNode[depth] = node;
      pathPos[depth] = 0;
      depth++;
    };
    open(root);
    while (depth > 0) {
      const node = pathNode[depth - 1]!;
      const edges = next(node);
      const pos = pathPos[depth - 1]!;
      if (pos < edges.length) {
        pathPos[depth - 1] = pos + 1;
        const to = edges[pos]!;
        if (order[to] === -1) open(to);
        else if (onStack[to]) low[node] = Math.min(low[node]!, order[to]!);
        continue;
      }
      depth--;
      if (depth > 0) {
        const parent = pathNode[depth - 1]!;
        low[parent] = Math.min(low[parent]!, low[node]!);
      }
      if (low[node] === order[node]) {
        let member = stack.pop()!;
        onStack[member] = 0;
        if (member === node) continue;
        const comp = [member];
        do {
          member = stack.pop()!;
          onStack[member] = 0;
          comp.push(member);
        } while (member !== node);
        result.push(comp.sort((a, b) => a - b));
      }
    }
  }
  return result.sort((a, b) => a[0]! - b[0]!);
}

/**
 * One cycle through a strongly connected component, as a path that starts at its first member
 * (in map order) and follows `next` back to it: the shortest such cycle.
 */
function cycleOrder(comp: number[], next: (i: number) => readonly number[]): number[] {
  const members = new Set(comp);
  const start = comp[0]!;
  const from = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const to of next(node)) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [node];
        let at = node;
        while (at !== start) {
          at = from.get(at)!;
          path.push(at);
        }
        return path.reverse();
      }
      if (!from.has(to)) {
        from.set(to, node);
        queue.push(to);
      }
    }
  }
  return comp;
}
