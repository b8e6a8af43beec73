/**
 * Does a revision file's name fit the project's `file_template`? Alembic names new files with
 * `file_template % {"rev", "slug", "epoch", "year", "month", "day", "hour", "minute", "second"}`
 * + ".py" (ScriptDirectory._rev_path in alembic/script/base.py), the template being Python
 * %-formatting with a mapping. Here the template becomes a matcher with the revision id filled in
 * and every other token matching what it could have produced. Pure.
 *
 * Lenient on purpose where people rename by hand: the slug matches anything (hand-written slugs,
 * hyphens, capitals), and a trailing `<separator>%(slug)s` may be absent (`037.py`).
 */

/** One `%` conversion of a Python format string, or a literal run. */
type Part = { literal: string } | { key: string; flags: string; precision?: number; width?: number; conversion: string };

/** Python's `%(key)[flags][width][.precision]conversion`, plus `%%`. Unknown forms stay literal. */
export function parseTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if (ch !== '%') {
      lit += ch;
      i++;
      continue;
    }
    if (template[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    const m = /^%\(([^)]*)\)([#0\- +]*)(\d+)?(?:\.(\d+))?([diouxXeEfFgGcrsa])/.exec(template.slice(i));
    if (m === null) {
      lit += ch;
      i++;
      continue;
    }
    if (lit !== '') parts.push({ literal: lit });
    lit = '';
    const part: Part = { key: m[1]!, flags: m[2] ?? '', conversion: m[5]! };
    if (m[3] !== undefined) part.width = Number(m[3]);
    if (m[4] !== undefined) part.precision = Number(m[4]);
    parts.push(part);
    i += m[0].length;
  }
  if (lit !== '') parts.push({ literal: lit });
  return parts;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const NUMERIC = new Set(['epoch', 'year', 'month', 'day', 'hour', 'minute', 'second']);

function tokenPattern(part: Exclude<Part, { literal: string }>, revision: string): string {
  // A width pads on the left with spaces (or zeros for numbers with the 0 flag).
  const pad = part.width !== undefined && !part.flags.includes('-') && !part.flags.includes('0') ? ' *' : '';
  const padRight = part.width !== undefined && part.flags.includes('-') ? ' *' : '';
  if (part.key === 'rev') {
    const rev = part.conversion === 's' && part.precision !== undefined ? revision.slice(0, part.precision) : revision;
    return `${pad}${escape(rev)}${padRight}`;
  }
  if (part.key === 'slug') return '.*';
  if (NUMERIC.has(part.key)) {
    let min = 1;
    if (part.conversion !== 's' && part.precision !== undefined) min = Math.max(min, part.precision);
    if (part.flags.includes('0') && part.width !== undefined) min = Math.max(min, part.width);
    return `${pad}\\d{${min},}${padRight}`;
  }
  return '.*?';
}

const parsedTemplates = new Map<string, Part[]>();

/** A matcher for one revision's file name (the path below its version location, without `.py`). */
export function templateMatcher(template: string, revision: string): RegExp {
  let cached = parsedTemplates.get(template);
  if (cached === undefined) parsedTemplates.set(template, (cached = parseTemplate(template)));
  const parts = [...cached];
  const last = parts[parts.length - 1];
  const prev = parts[parts.length - 2];
  let tail = '';
  if (last !== undefined && 'key' in last && last.key === 'slug' && prev !== undefined && 'literal' in prev) {
    // `<sep>%(slug)s` at the end: the separator and slug together may be missing.
    parts.length -= 2;
    tail = `(?:${escape(prev.literal)}.*)?`;
  }
  const body = parts.map((p) => ('literal' in p ? escape(p.literal) : tokenPattern(p, revision))).join('');
  return new RegExp(`^${body}${tail}$`, 's');
}

/** Whether `name` (forward slashes, relative to the version location, with or without `.py`) fits. */
export function fileNameFits(template: string, revision: string, name: string): boolean {
  const stem = name.replace(/\.py[co]?$/, '');
  // Alembic's default template, without compiling a pattern per revision (the hot path on big
  // projects): exactly what templateMatcher builds for it, `^<rev>(?:_.*)?$`.
  if (template === DEFAULT_TEMPLATE) return stem === revision || stem.startsWith(`${revision}_`);
  return templateMatcher(template, revision).test(stem);
}

const DEFAULT_TEMPLATE = '%(rev)s_%(slug)s';

/** A file name the template would give, for messages: `1a2b3c4d5e6f_<slug>.py`. */
export function exampleFileName(template: string, revision: string): string {
  const body = parseTemplate(template)
    .map((p) => {
      if ('literal' in p) return p.literal;
      if (p.key === 'rev') return p.precision !== undefined && p.conversion === 's' ? revision.slice(0, p.precision) : revision;
      return `<${p.key}>`;
    })
    .join('');
  return `${body}.py`;
}
