/**
 * The revision graph as the HTML report draws it: linear runs collapsed into one node, then laid
 * out by ELK's layered (Sugiyama) algorithm. ELK runs in a worker thread that this module waits for
 * synchronously, so the reporter stays a function from a report to a string.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { ReportRevision } from '../types.js';

export interface Point {
  x: number;
  y: number;
}

export interface DrawNode {
  id: string;
  /** A revision, a collapsed linear run of revisions, or a down_revision that no file declares. */
  kind: 'revision' | 'run' | 'missing';
  /** The revisions it stands for, oldest first (one for a revision; the missing id for `missing`). */
  revisions: string[];
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DrawEdge {
  /** Node ids: the parent's node and the child's. */
  from: string;
  to: string;
  /** A down_revision link, or a depends_on link. */
  kind: 'down' | 'depends';
  points: Point[];
}

export interface GraphDrawing {
  width: number;
  height: number;
  nodes: DrawNode[];
  edges: DrawEdge[];
}

export interface DrawOptions {
  /** Linear runs at least this long become one node (default 3). */
  minRun?: number;
}

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 46;
export const RUN_HEIGHT = 34;

/**
 * A revision is part of a linear run when it has nothing to mark: one parent that exists, one
 * child, no head, base or branch label, no depends_on either way, and --since did not select it.
 */
function plainRevisions(revisions: readonly ReportRevision[], children: Map<string, string[]>, dependedOn: Set<string>, byId: Map<string, ReportRevision>): Set<string> {
  const plain = new Set<string>();
  for (const r of revisions) {
    const parents = [...new Set(r.downRevisions)];
    if (parents.length !== 1 || !byId.has(parents[0]!)) continue;
    if ((children.get(r.revision)?.length ?? 0) !== 1) continue;
    if (r.head || r.base || r.selected || r.branchLabels.length > 0 || r.dependsOn.length > 0 || dependedOn.has(r.revision)) continue;
    plain.add(r.revision);
  }
  return plain;
}

/** Nodes (without coordinates) and edges (without points) of the drawing. */
export function drawingModel(revisions: readonly ReportRevision[], options: DrawOptions = {}): { nodes: DrawNode[]; edges: DrawEdge[] } {
  const minRun = options.minRun ?? 3;
  const byId = new Map(revisions.map((r) => [r.revision, r]));
  const children = new Map<string, string[]>();
  const dependedOn = new Set<string>();
  for (const r of revisions) {
    for (const p of new Set(r.downRevisions)) {
      if (!byId.has(p)) continue;
      const list = children.get(p);
      if (list) list.push(r.revision);
      else children.set(p, [r.revision]);
    }
    for (const d of r.dependsOn) dependedOn.add(d);
  }
  const plain = plainRevisions(revisions, children, dependedOn, byId);
  const nodeOf = new Map<string, DrawNode>();
  let count = 0;
  const add = (kind: DrawNode['kind'], members: string[]): DrawNode => {
    const node: DrawNode = { id: `n${count++}`, kind, revisions: members, x: 0, y: 0, width: NODE_WIDTH, height: kind === 'revision' ? NODE_HEIGHT : RUN_HEIGHT };
    for (const m of members) nodeOf.set(m, node);
    return node;
  };
  // Runs, from the revision whose parent is not plain, up through its single children.
  for (const r of revisions) {
    if (!plain.has(r.revision) || plain.has(r.downRevisions[0]!)) continue;
    const run = [r.revision];
    let next = children.get(r.revision)![0]!;
    while (plain.has(next)) {
      run.push(next);
      next = children.get(next)![0]!;
    }
    if (run.length < minRun) continue;
    add('run', run);
  }
  // Revisions in history order (newest first); model order keeps ELK's layout close to it.
  const ordered: DrawNode[] = [];
  for (const r of revisions) {
    const run = nodeOf.get(r.revision);
    if (run === undefined) ordered.push(add('revision', [r.revision]));
    else if (run.revisions[run.revisions.length - 1] === r.revision) ordered.push(run);
  }
  for (const r of revisions) {
    for (const p of new Set(r.downRevisions)) if (!nodeOf.has(p)) ordered.push(add('missing', [p]));
  }
  const edges: DrawEdge[] = [];
  for (const r of revisions) {
    const to = nodeOf.get(r.revision)!.id;
    for (const p of new Set(r.downRevisions)) {
      const from = nodeOf.get(p)!.id;
      if (from !== to) edges.push({ from, to, kind: 'down', points: [] });
    }
    for (const d of new Set(r.dependsOn)) {
      const from = nodeOf.get(d)?.id;
      if (from !== undefined && from !== to) edges.push({ from, to, kind: 'depends', points: [] });
    }
  }
  return { nodes: ordered, edges };
}

const LAYOUT_OPTIONS = {
  'elk.algorithm': 'layered',
  // Bases at the bottom, heads on top: newest first, like `alembic history` and `graph --format dot`.
  'elk.direction': 'UP',
  'elk.edgeRouting': 'POLYLINE',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.nodeNodeBetweenLayers': '34',
  'elk.layered.spacing.edgeNodeBetweenLayers': '16',
  'elk.padding': '[top=16,left=16,bottom=16,right=16]',
};

/** Runs ELK in a worker thread and waits for it (the main thread blocks; ELK is CPU-bound anyway). */
function elkLayoutSync(graph: ElkNode): ElkNode {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./layout-worker.js', import.meta.url), { workerData: { graph, done, port: port2 }, transferList: [port2] });
  try {
    if (Atomics.wait(done, 0, 0, 120_000) === 'timed-out') throw new Error('the graph layout took more than 2 minutes');
    const reply = receiveMessageOnPort(port1)?.message as { graph?: ElkNode; error?: string } | undefined;
    if (reply?.graph === undefined) throw new Error(`the graph layout failed: ${reply?.error ?? 'no answer from the layout worker'}`);
    return reply.graph;
  } finally {
    port1.close();
    void worker.terminate();
  }
}

/** The drawing with ELK's coordinates. */
export function layoutGraph(revisions: readonly ReportRevision[], options: DrawOptions = {}): GraphDrawing {
  const { nodes, edges } = drawingModel(revisions, options);
  if (nodes.length === 0) return { width: 0, height: 0, nodes, edges };
  const elkEdges: ElkExtendedEdge[] = edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] }));
  const laid = elkLayoutSync({
    id: 'root',
    layoutOptions: LAYOUT_OPTIONS,
    children: nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: elkEdges,
  });
  const at = new Map((laid.children ?? []).map((c) => [c.id, c]));
  for (const n of nodes) {
    const c = at.get(n.id)!;
    n.x = Math.round(c.x ?? 0);
    n.y = Math.round(c.y ?? 0);
  }
  const sections = new Map((laid.edges ?? []).map((e) => [e.id, (e as ElkExtendedEdge).sections?.[0]]));
  edges.forEach((e, i) => {
    const s = sections.get(`e${i}`);
    if (s !== undefined) e.points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: Math.round(p.x), y: Math.round(p.y) }));
  });
  return { width: Math.ceil(laid.width ?? 0), height: Math.ceil(laid.height ?? 0), nodes, edges };
}
