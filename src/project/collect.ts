/**
 * The revision files Alembic loads, listed exactly as alembic/script/base.py does:
 * `ScriptDirectory._load_revisions` (version locations in order, missing ones skipped, each real
 * file once), `Script._list_py_dir` (an `os.walk` of each location: sorted file names, the
 * `__pycache__` rules for `sourceless`, sub-folders only with `recursive_version_locations`, in
 * sorted order, symlinked folders not entered) and `Script._from_path` (the file-name patterns,
 * matched against the symlink-resolved name: `*.py`, plus `*.pyc`/`*.pyo` when sourceless and no
 * source or better bytecode sits next to it; never `__init__*` or `.#*` editor files).
 *
 * Differences: a `__pycache__` folder is listed in sorted order (Alembic uses directory order);
 * a dangling symlink that matches the patterns is a ConfigError (Alembic fails with an
 * ImportError); symlinked folders are treated as Python 3.11's os.walk does (listed as folders, not
 * entered; Python 3.12+'s Path.walk lists them as files, which only matters for a folder named *.py).
 */
import { existsSync, readdirSync, readlinkSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Project, RevisionFileRef } from '../model.js';

/** `_only_source_rev_file` (Python `.` is "anything but \n"). */
const SOURCE_RE = /^(?!\.#|__init__)([^\n]*\.py)$/;
/** `_sourceless_rev_file`. */
const SOURCELESS_RE = /^(?!\.#|__init__)([^\n]*\.py)(c|o)?$/;

/** Python's default str ordering: by code point (JS `<` compares UTF-16 code units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // A surrogate starts a code point above U+FFFF, greater than any BMP character.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

interface WalkStep {
  root: string;
  /** Mutable, as in os.walk: the caller may sort or prune it before the walk descends. */
  dirs: string[];
  files: string[];
  /** Names in `dirs` that are symlinks (os.walk lists them but does not enter them). */
  links: Set<string>;
  /** Names in `files` that are symlinks. */
  fileLinks: Set<string>;
}

function scandir(dir: string): Dirent[] | null {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return null; // os.walk with onerror=None: unreadable folders are skipped
  }
}

/** Python's `DirEntry.is_dir()`: follows symlinks, false on any error. */
function isDirFollow(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `os.walk(top, topdown=True, followlinks=False)`. */
function* osWalk(top: string): Generator<WalkStep> {
  const entries = scandir(top);
  if (entries === null) return;
  const step: WalkStep = { root: top, dirs: [], files: [], links: new Set(), fileLinks: new Set() };
  for (const e of entries) {
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) {
      isDir = isDirFollow(join(top, e.name));
      (isDir ? step.links : step.fileLinks).add(e.name);
    } else if (!isDir && !e.isFile()) {
      isDir = isDirFollow(join(top, e.name)); // unknown type on some file systems
    }
    (isDir ? step.dirs : step.files).push(e.name);
  }
  yield step;
  for (const d of step.dirs) {
    if (!step.links.has(d)) yield* osWalk(join(top, d));
  }
}

/** A listed file; `real` is its resolved path when that is known without resolving it alone. */
interface Listed {
  path: string;
  real?: string;
}

function realDir(dir: string): string | undefined {
  try {
    return realpathSync.native(dir);
  } catch {
    return undefined;
  }
}

/**
 * `Script._list_py_dir`. Files that are not symlinks get their real path from their folder's
 * (one realpath per folder instead of one per file: this is the hot loop for big projects).
 */
function listPyDir(path: string, sourceless: boolean, recursive: boolean): Listed[] {
  const paths: Listed[] = [];
  const add = (dir: string, name: string, isLink: boolean, dirReal: string | undefined): void => {
    const file = join(dir, name);
    paths.push(isLink || dirReal === undefined ? { path: file } : { path: file, real: join(dirReal, name) });
  };
  for (const step of osWalk(path)) {
    if (basename(step.root).endsWith('__pycache__')) continue;
    const rootReal = realDir(step.root);
    for (const f of [...step.files].sort(compareCodePoints)) add(step.root, f, step.fileLinks.has(f), rootReal);
    if (sourceless) {
      const pyCache = join(step.root, '__pycache__');
      if (existsSync(pyCache)) {
        const names = new Set(step.files.map((f) => f.split('.')[0]));
        const cacheReal = realDir(pyCache);
        const cached = (scandir(pyCache) ?? []).sort((a, b) => compareCodePoints(a.name, b.name));
        for (const pyc of cached) {
          if (!names.has(pyc.name.split('.')[0])) add(pyCache, pyc.name, pyc.isSymbolicLink(), cacheReal);
        }
      }
    }
    if (!recursive) break;
    step.dirs.sort(compareCodePoints);
  }
  return paths;
}

/**
 * `Path.resolve()` (strict=False): symlinks followed as far as they go. `exists` is false for a
 * dangling symlink (then `path` is where it points) and for a symlink loop.
 */
function pyResolve(p: string): { path: string; exists: boolean } {
  try {
    return { path: realpathSync.native(p), exists: true };
  } catch {
    // dangling or looping: follow by hand
  }
  let cur = p;
  for (let hops = 0; hops < 40; hops++) {
    let target: string;
    try {
      target = readlinkSync(cur);
    } catch {
      break;
    }
    cur = resolve(dirname(cur), target);
    try {
      return { path: realpathSync.native(cur), exists: true };
    } catch {
      // keep following
    }
  }
  let parent = dirname(cur);
  try {
    parent = realpathSync.native(parent);
  } catch {
    // the parent is missing too
  }
  return { path: join(parent, basename(cur)), exists: false };
}

function toRel(root: string, abs: string): string {
  const rel = relative(root, abs);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** `Script._from_path`'s file-name decision (before it imports the module). */
export function isRevisionFileName(realFile: string, sourceless: boolean): boolean {
  const dir = dirname(realFile);
  const filename = basename(realFile);
  const m = (sourceless ? SOURCELESS_RE : SOURCE_RE).exec(filename);
  if (!m) return false;
  const pyFilename = m[1]!;
  const isC = sourceless && m[2] === 'c';
  const isO = sourceless && m[2] === 'o';
  if (isC || isO) {
    const pyExists = existsSync(join(dir, pyFilename));
    const pycExists = existsSync(join(dir, pyFilename + 'c'));
    // Prefer .py (source encoding), then .pyc over .pyo (docstrings).
    if (pyExists || (isO && pycExists)) return false;
  }
  return true;
}

/** Exactly the files Alembic loads as revisions, in Alembic's order. */
export function listRevisionFiles(project: Project): RevisionFileRef[] {
  const out: RevisionFileRef[] = [];
  const seen = new Set<string>();
  for (const location of project.versionLocations) {
    const vers = resolve(location);
    if (!existsSync(vers)) continue;
    for (const listed of listPyDir(vers, project.sourceless, project.recursiveVersionLocations)) {
      const file = listed.path;
      // Alembic resolves symlinks first, skips a real file seen before, and matches the real name.
      const real = listed.real !== undefined ? { path: listed.real, exists: true } : pyResolve(file);
      if (seen.has(real.path)) continue; // "File ... loaded twice! ignoring."
      seen.add(real.path);
      if (!isRevisionFileName(real.path, project.sourceless)) continue;
      if (!real.exists) {
        let target = '?';
        try {
          target = readlinkSync(file);
        } catch {
          // not readable
        }
        throw new ConfigError(`${toRel(project.root, file)}: broken symlink (points to ${target})`, {
          reason: 'Alembic lists it as a revision file and then fails to import it.',
          hint: 'Fix or remove the symlink.',
        });
      }
      out.push({ absPath: file, path: toRel(project.root, file), versionLocation: location });
    }
  }
  return out;
}
