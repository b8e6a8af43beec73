/**
 * `fix-heads --rebase`: the plan that moves the revisions that exist only on this branch on top of
 * the head of the others, keeping a linear history. Pure: takes the graphs of both sides;
 * the command reads the files, applies the plan and re-checks.
 */
import { posix } from 'node:path';
import type { RevisionGraph } from '../graph/types.js';

export interface PlannedMove {
  revision: string;
  newRevision: string;
  path: string;
  newPath: string;
  downRevisions: string[];
  /** Set when down_revision changes (the bottom of the moved line). */
  newDownRevisions?: string[];
}

export interface RebasePlan {
  /** The head the moved revisions now stand on. */
  onto: string;
  /** The moved revisions in upgrade order. */
  moves: PlannedMove[];
  /** Revision ids that change (numbered ids). */
  renames: Map<string, string>;
  /** Files outside the moved ones that name a renamed id in down_revision or depends_on. */
  referencing: string[];
  /** The renames that apply in those files (ids their own side does not define). */
  referenceRenames: Map<string, string>;
}

export class PlanError extends Error {}

const NUMBERED = /^\d+$/;
const NUMBERED_FILE = /^(\d+)(?=[_\-.])/;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * `ours`: the graph of the revision files that exist only on this branch (new since the ref);
 * `theirs`: the graph of every other revision file. Both come from the same files, split by path,
 * because sequentially numbered branches usually collide on ids (both add `037`).
 * `existingPaths`: every file path in the version folders (a rename never overwrites a file).
 */
export function planRebase(ours: RevisionGraph, theirs: RevisionGraph, existingPaths: ReadonlySet<string>): RebasePlan {
  if (ours.nodes.size === 0) throw new PlanError('no revision exists only on this branch');
  if (theirs.nodes.size === 0) throw new PlanError('every revision is new on this branch: there is nothing to rebase onto');
  const mine = new Set(ours.nodes.keys());
  const others = [...theirs.nodes.keys()];
  const otherHeads = theirs.heads;
  if (otherHeads.length !== 1) {
    throw new PlanError(`the revisions that are not new on this branch have ${otherHeads.length} heads (${otherHeads.join(', ')}): fix those first, or use --merge`);
  }
  const onto = otherHeads[0]!;
  const order = [...ours.history].reverse();
  for (const r of mine) if (!order.includes(r)) order.push(r);

  // Numbered ids: every id in the project is a number, so ours take the next free numbers.
  const numbered = [...mine, ...others].every((r) => NUMBERED.test(r));
  const renames = new Map<string, string>();
  if (numbered) {
    let next = Math.max(...others.map(Number)) + 1;
    for (const r of order) {
      const id = pad(next++, r.length);
      if (id !== r) renames.set(r, id);
    }
  }
  const taken = new Set(others);
  for (const r of order) {
    const id = renames.get(r) ?? r;
    if (taken.has(id)) {
      throw new PlanError(`revision id ${id} exists on both sides; ${numbered ? 'the next free number is taken' : 'give one of them a new id (alembic revision makes one)'}`);
    }
  }

  // Numbered file names: 037_add_widgets.py → 038_add_widgets.py.
  const fileNumber = (path: string): { n: number; width: number } | undefined => {
    const m = NUMBERED_FILE.exec(posix.basename(path));
    return m ? { n: Number(m[1]), width: m[1]!.length } : undefined;
  };
  const otherFileNumbers = others.map((r) => fileNumber(theirs.nodes.get(r)!.file.path)?.n).filter((n): n is number => n !== undefined);
  let nextFile = otherFileNumbers.length > 0 ? Math.max(...otherFileNumbers) + 1 : undefined;

  const moves: PlannedMove[] = [];
  for (const r of order) {
    const node = ours.nodes.get(r)!;
    const newRevision = renames.get(r) ?? r;
    let newPath = node.file.path;
    const num = fileNumber(node.file.path);
    if (num !== undefined && nextFile !== undefined) {
      const wanted = renames.has(r) && num.n === Number(r) ? Number(newRevision) : nextFile;
      nextFile = Math.max(nextFile, wanted) + 1;
      if (wanted !== num.n) {
        const base = posix.basename(node.file.path).replace(NUMBERED_FILE, pad(wanted, num.width));
        newPath = posix.join(posix.dirname(node.file.path), base);
      }
    }
    const outside = node.downRevisions.filter((p) => !mine.has(p));
    const move: PlannedMove = { revision: r, newRevision, path: node.file.path, newPath, downRevisions: [...node.downRevisions] };
    if (outside.length > 0 && !(outside.length === 1 && outside[0] === onto)) {
      const inside = node.downRevisions.filter((p) => mine.has(p)).map((p) => renames.get(p) ?? p);
      move.newDownRevisions = [...new Set([...inside, onto])];
    }
    moves.push(move);
  }
  if (!moves.some((m) => m.newDownRevisions !== undefined)) {
    throw new PlanError(`the revisions new on this branch already stand on ${onto}`);
  }
  const oldPaths = new Set(moves.map((m) => m.path));
  for (const m of moves) {
    if (m.newPath !== m.path && existingPaths.has(m.newPath) && !oldPaths.has(m.newPath)) {
      throw new PlanError(`cannot rename ${m.path} to ${m.newPath}: that file exists`);
    }
  }
  // Other files that name one of our renamed ids (and do not define it themselves) follow the rename.
  const referencing: string[] = [];
  if (renames.size > 0) {
    for (const r of others) {
      const node = theirs.nodes.get(r)!;
      const declared = [...node.downRevisions, ...(node.file.dependsOn.value ?? [])];
      if (declared.some((d) => renames.has(d) && !theirs.nodes.has(d))) referencing.push(node.file.path);
    }
  }
  const referenceRenames = new Map([...renames].filter(([from]) => !theirs.nodes.has(from)));
  return { onto, moves, renames, referencing, referenceRenames };
}
