/**
 * Precise edits of a migration's Python source, at tree-sitter node positions: the module-level
 * `revision`, `down_revision` and `depends_on` assignments (plain or annotated) and the docstring's
 * `Revision ID:` and `Revises:` lines. Everything else in the file stays byte for byte.
 */
import { pythonParser, type Parser } from '../source/tree-sitter.js';

type Node = Parser.SyntaxNode;

function parse(source: string): Parser.Tree {
  // The callback form has no input-size limit.
  return pythonParser().parse((index: number) => source.slice(index, index + 16_384));
}

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export function applyEdits(source: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  let out = source;
  let last = Infinity;
  for (const e of sorted) {
    if (e.end > last) throw new Error('overlapping edits');
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    last = e.start;
  }
  return out;
}

interface StringLiteral {
  node: Node;
  /** The string_content node range (start = end when the string is empty). */
  contentStart: number;
  contentEnd: number;
  value: string;
  quote: string;
}

/** A plain (non-f, non-concatenated) string literal's content, or undefined. */
function stringLiteral(node: Node): StringLiteral | undefined {
  if (node.type !== 'string') return undefined;
  const start = node.namedChildren.find((c) => c.type === 'string_start');
  const end = node.namedChildren.find((c) => c.type === 'string_end');
  if (start === undefined || end === undefined) return undefined;
  const prefix = start.text.replace(/["']+$/, '').toLowerCase();
  if (prefix.includes('f') || prefix.includes('b')) return undefined;
  const parts = node.namedChildren.filter((c) => c.type !== 'string_start' && c.type !== 'string_end');
  if (parts.some((p) => p.type !== 'string_content')) return undefined; // escapes or interpolations
  return {
    node,
    contentStart: start.endIndex,
    contentEnd: end.startIndex,
    value: parts.map((p) => p.text).join(''),
    quote: start.text.slice(prefix.length),
  };
}

/** Every plain string literal inside an expression (tuples, lists, parentheses, sets). */
function stringsIn(node: Node): StringLiteral[] {
  const lit = stringLiteral(node);
  if (lit !== undefined) return [lit];
  if (['tuple', 'list', 'set', 'parenthesized_expression', 'expression_list'].includes(node.type)) {
    return node.namedChildren.flatMap(stringsIn);
  }
  return [];
}

export interface ModuleFacts {
  /** Right-hand sides of the module-level assignments by name (the last one wins, as in Python). */
  assignments: Map<string, Node>;
  docstring?: StringLiteral;
}

function moduleFacts(tree: Parser.Tree): ModuleFacts {
  const assignments = new Map<string, Node>();
  let docstring: StringLiteral | undefined;
  tree.rootNode.namedChildren.forEach((stmt, i) => {
    if (stmt.type !== 'expression_statement') return;
    const expr = stmt.firstNamedChild;
    if (expr === null) return;
    if (i === 0 || (docstring === undefined && tree.rootNode.namedChildren.slice(0, i).every((s) => s.type === 'comment'))) {
      const lit = stringLiteral(expr);
      if (lit !== undefined) docstring = lit;
    }
    if (expr.type !== 'assignment') return;
    const left = expr.childForFieldName('left');
    const right = expr.childForFieldName('right');
    if (left?.type === 'identifier' && right !== null) assignments.set(left.text, right);
  });
  return { assignments, ...(docstring !== undefined ? { docstring } : {}) };
}

/** A Python literal for a down_revision value, in the file's quote style. */
export function pythonValue(value: string | readonly string[] | null, quote: string): string {
  if (value === null) return 'None';
  const q = quote === "'" || quote === '"' ? quote : '"';
  const lit = (s: string) => `${q}${s}${q}`;
  if (typeof value === 'string') return lit(value);
  if (value.length === 1) return lit(value[0]!);
  return `(${value.map(lit).join(', ')})`;
}

export interface RewriteRequest {
  /** Renamed revision ids (old → new): applied to revision, down_revision and depends_on. */
  renames?: ReadonlyMap<string, string>;
  /** A new down_revision value (replaces the whole right-hand side). */
  downRevision?: string | readonly string[] | null;
}

/** Rewrites one migration's source; returns it unchanged when nothing applies. */
export function rewriteMigration(source: string, request: RewriteRequest): string {
  const tree = parse(source);
  const facts = moduleFacts(tree);
  const renames = request.renames ?? new Map<string, string>();
  const edits: TextEdit[] = [];
  const renameStrings = (node: Node | undefined) => {
    if (node === undefined) return;
    for (const s of stringsIn(node)) {
      const to = renames.get(s.value);
      if (to !== undefined) edits.push({ start: s.contentStart, end: s.contentEnd, text: to });
    }
  };
  const revisionNode = facts.assignments.get('revision');
  renameStrings(revisionNode);
  const downNode = facts.assignments.get('down_revision');
  const quote = (revisionNode !== undefined ? stringLiteral(revisionNode)?.quote : undefined) ?? '"';
  if (request.downRevision !== undefined) {
    if (downNode === undefined) throw new Error('the file has no down_revision assignment');
    edits.push({ start: downNode.startIndex, end: downNode.endIndex, text: pythonValue(request.downRevision, quote) });
  } else {
    renameStrings(downNode);
  }
  renameStrings(facts.assignments.get('depends_on'));

  // The docstring's header lines, as Alembic's script.py.mako writes them.
  const doc = facts.docstring;
  if (doc !== undefined) {
    const text = source.slice(doc.contentStart, doc.contentEnd);
    let offset = doc.contentStart;
    for (const line of text.split('\n')) {
      const m = /^(\s*)(Revision ID|Revises)(:[ \t]*)(.*?)(\s*)$/.exec(line);
      if (m) {
        const [, lead, key, sep, value, trail] = m as unknown as [string, string, string, string, string, string];
        const valueStart = offset + lead.length + key.length + sep.length;
        let next: string | undefined;
        if (key === 'Revision ID') next = renames.get(value);
        else if (request.downRevision !== undefined) {
          const d = request.downRevision;
          next = d === null ? '' : typeof d === 'string' ? d : d.join(', ');
        } else {
          const parts = value.split(',').map((p) => p.trim());
          const mapped = parts.map((p) => renames.get(p) ?? p);
          if (mapped.some((p, i) => p !== parts[i])) next = mapped.join(', ');
        }
        if (next !== undefined && next !== value) edits.push({ start: valueStart, end: valueStart + value.length, text: next });
        void trail;
      }
      offset += line.length + 1;
    }
  }
  return applyEdits(source, edits);
}

/** The revision id and down_revision as written (for tests and the plan). */
export function readIdentifiers(source: string): { revision?: string; downRevision: string[] | null | undefined; dependsOn: string[] } {
  const facts = moduleFacts(parse(source));
  const rev = facts.assignments.get('revision');
  const down = facts.assignments.get('down_revision');
  const deps = facts.assignments.get('depends_on');
  const revision = rev !== undefined ? stringLiteral(rev)?.value : undefined;
  const downRevision = down === undefined ? undefined : down.type === 'none' ? null : stringsIn(down).map((s) => s.value);
  return { ...(revision !== undefined ? { revision } : {}), downRevision, dependsOn: deps !== undefined ? stringsIn(deps).map((s) => s.value) : [] };
}
