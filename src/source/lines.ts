/**
 * Offsets → 1-based line/column. Columns count UTF-16 code units (what tree-sitter's string input
 * and JS strings count, and SARIF's default `columnKind`). Pure.
 */
import type { Location } from '../model.js';

export class LineIndex {
  /** Offset of the first character of each line. */
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    let i = text.indexOf('\n');
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    this.starts = starts;
  }

  /** Lines as Python counts them: a trailing newline does not start another line. */
  get lineCount(): number {
    const n = this.starts.length;
    if (this.text.length === 0) return 0;
    return this.starts[n - 1] === this.text.length ? n - 1 : n;
  }

  /** 0-based line of an offset. */
  private row(offset: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const r = this.row(offset);
    return { line: r + 1, column: offset - this.starts[r]! + 1 };
  }

  /** The offset of a 1-based line and column (clamped to the text). */
  offset(line: number, column: number): number {
    const start = this.starts[Math.min(Math.max(line - 1, 0), this.starts.length - 1)]!;
    return Math.min(start + column - 1, this.text.length);
  }

  loc(start: number, end: number): Location {
    const a = this.row(start);
    const b = end === start ? a : this.row(end);
    return { line: a + 1, column: start - this.starts[a]! + 1, endLine: b + 1, endColumn: end - this.starts[b]! + 1 };
  }
}
