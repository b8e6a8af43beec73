/**
 * `# alembic-guard: ignore[rule-a, rule-b]`, `# alembic-guard: ignore` (every rule) and
 * `# alembic-guard: ignore-file[rule-id]` (`ignore-file` alone: every rule, whole file), read from
 * the text of one comment token. The directive may follow other tools' markers in the same comment
 * (`# noqa: E501  alembic-guard: ignore[x]`). Pure.
 */
import type { IgnoreComment } from '../model.js';

export const IGNORE_MARKER = 'alembic-guard:';

/** The directive in a comment's text, or null when the comment holds none. */
export function parseIgnoreComment(comment: string, line: number): IgnoreComment | null {
  const at = comment.indexOf(IGNORE_MARKER);
  if (at === -1) return null;
  let rest = comment.slice(at + IGNORE_MARKER.length).trimStart();
  let file: boolean;
  if (rest.startsWith('ignore-file')) {
    file = true;
    rest = rest.slice('ignore-file'.length);
  } else if (rest.startsWith('ignore')) {
    file = false;
    rest = rest.slice('ignore'.length);
  } else {
    return null;
  }
  if (rest.length > 0 && rest[0] !== '[' && !/\s/.test(rest[0]!)) return null; // `ignored`, `ignore-all` …
  const rules: string[] = [];
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    const inside = close === -1 ? rest.slice(1) : rest.slice(1, close);
    for (const part of inside.split(',')) {
      const id = part.trim();
      if (id.length > 0 && !rules.includes(id)) rules.push(id);
    }
  }
  return { line, rules, file };
}
