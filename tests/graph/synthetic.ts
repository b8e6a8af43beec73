/** Synthetic revision histories for the scale test (literal records, no files). */
import type { MigrationFile } from '../../src/model.js';
import { mf } from './helpers.js';

/** Linear, with a two-way branch every `every` revisions, merged back after `length` revisions. */
export function branchy(size: number, options: { every?: number; length?: number; sideBranch?: boolean } = {}): MigrationFile[] {
  const every = options.every ?? 10;
  const length = options.length ?? 3;
  const files: MigrationFile[] = [];
  const id = (k: number) => k.toString(16).padStart(12, '0');
  let prev: string | null = null;
  let k = 0;
  const add = (down: string | string[] | null, extra: { labels?: string; deps?: string } = {}) => {
    const rev = id(k++);
    files.push(mf({ rev, down, ...extra, path: `migrations/versions/${rev}_step.py` }));
    return rev;
  };
  let side: string | null = null;
  while (files.length < size) {
    if (k > 0 && k % every === 0) {
      let left: string = prev!;
      let right: string = prev!;
      for (let i = 0; i < length; i++) {
        left = add(left);
        right = add(right);
      }
      prev = add([left, right]);
    } else {
      prev = add(prev);
    }
    if (options.sideBranch === true && k % 50 === 0) {
      side = add(side, side === null ? { labels: 'side', deps: prev } : { deps: prev });
    }
  }
  // Load order is file-name order, not history order: shuffle deterministically.
  return files.sort((a, b) => hashish(a.path) - hashish(b.path));
}

function hashish(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
