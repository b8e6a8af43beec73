/**
 * A unified diff of two texts (git's format, three lines of context), for `--dry-run`. Pure. The
 * line matching is a plain LCS, fine for migration files (hundreds of lines).
 */

type Op = { kind: ' ' | '-' | '+'; line: string };

function lineOps(a: string[], b: string[]): Op[] {
  // Trim the common prefix and suffix first: edits of a migration touch a few lines.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const x = a.slice(pre, a.length - suf);
  const y = b.slice(pre, b.length - suf);
  const n = x.length;
  const m = y.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = a.slice(0, pre).map((line) => ({ kind: ' ' as const, line }));
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      ops.push({ kind: ' ', line: x[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) ops.push({ kind: '-', line: x[i++]! });
    else ops.push({ kind: '+', line: y[j++]! });
  }
  while (i < n) ops.push({ kind: '-', line: x[i++]! });
  while (j < m) ops.push({ kind: '+', line: y[j++]! });
  ops.push(...a.slice(a.length - suf).map((line) => ({ kind: ' ' as const, line })));
  return ops;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The hunks of a unified diff (no headers); empty when the texts are equal. */
export function unifiedHunks(before: string, after: string, context = 3): string {
  const ops = lineOps(splitLines(before), splitLines(after));
  const changed = ops.map((o, i) => (o.kind !== ' ' ? i : -1)).filter((i) => i >= 0);
  if (changed.length === 0) return '';
  const out: string[] = [];
  let k = 0;
  while (k < changed.length) {
    let start = Math.max(0, changed[k]! - context);
    let end = Math.min(ops.length, changed[k]! + context + 1);
    while (k + 1 < changed.length && changed[k + 1]! - context <= end) {
      k++;
      end = Math.min(ops.length, changed[k]! + context + 1);
    }
    k++;
    // Line numbers of the hunk's first line on each side.
    let oldLine = 1;
    let newLine = 1;
    for (let i = 0; i < start; i++) {
      if (ops[i]!.kind !== '+') oldLine++;
      if (ops[i]!.kind !== '-') newLine++;
    }
    const slice = ops.slice(start, end);
    const oldCount = slice.filter((o) => o.kind !== '+').length;
    const newCount = slice.filter((o) => o.kind !== '-').length;
    const range = (line: number, count: number) => (count === 1 ? `${line}` : `${count === 0 ? line - 1 : line},${count}`);
    out.push(`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`);
    for (const o of slice) out.push(`${o.kind}${o.line}`);
    start = end;
  }
  return out.join('\n') + '\n';
}

/** A git-style diff of one file, with rename headers when the path changes. */
export function fileDiff(oldPath: string, newPath: string, before: string, after: string): string {
  const hunks = unifiedHunks(before, after);
  if (hunks === '' && oldPath === newPath) return '';
  const head = [`diff --git a/${oldPath} b/${newPath}`];
  if (oldPath !== newPath) head.push(`rename from ${oldPath}`, `rename to ${newPath}`);
  if (hunks !== '') head.push(`--- a/${oldPath}`, `+++ b/${newPath}`);
  return head.join('\n') + '\n' + hunks;
}
