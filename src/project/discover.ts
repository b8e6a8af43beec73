/**
 * Project discovery: find and read the Alembic configuration the way the `alembic` command does
 * (alembic/config.py `CommandLine._inis_from_config`, `Config`, and
 * alembic/script/base.py `ScriptDirectory.from_config`) and produce the `Project` record.
 *
 * Where we differ on purpose:
 * - Without -c/ALEMBIC_CONFIG we also look in the parents of the working directory. A config found
 *   in a parent is treated as if `alembic` were run from that folder (which is the only place it
 *   would find it), so relative paths resolve against that folder, with a warning.
 * - A missing script_location folder or versions folder is an error (Alembic silently loads zero
 *   revisions from a missing versions folder). An empty versions folder is fine.
 * - Without a usable Alembic config (Flask-Migrate, app factories), version folders can be named
 *   with --versions or `version_locations` in [tool.alembic-guard].
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError, PythonError } from '../errors.js';
import { describePython, findPython } from '../python/find.js';
import { locatePackage } from './package-location.js';
import type { GuardSettings, Project, Warning } from '../model.js';
import { AlembicConfig, type Sourced } from './config.js';
import { readIniFile } from './ini.js';
import { defaultSettings, parseGuardSettings } from './settings.js';
import { readPyproject, type Pyproject } from './toml.js';

export interface LoadProjectOptions {
  cwd: string;
  /** -c/--config, repeatable: an alembic.ini and/or a pyproject.toml (Alembic 1.16+ allows both). */
  config?: string[];
  /** -n/--name: the ini section (default 'alembic'). */
  name?: string;
  /** --versions DIR (repeatable): version folders named directly, for set-ups kept in code. */
  versions?: string[];
  /**
   * --recursive: look into sub-folders of --versions folders. Leave undefined when the flag is
   * absent, so that `recursive_version_locations` in [tool.alembic-guard] can apply.
   */
  recursive?: boolean;
  env?: Record<string, string | undefined>; // default process.env (ALEMBIC_CONFIG)
  /**
   * --python: the interpreter to ask where a package-style script_location's package lives when
   * it is not in the project's folders (else found as the database checks find it).
   */
  python?: string;
}

export const DEFAULT_FILE_TEMPLATE = '%(rev)s_%(slug)s';

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
function posix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** How the config files were found. */
interface Located {
  mode: 'explicit' | 'discovered' | 'none';
  /** Absolute alembic.ini path, when one exists. */
  ini?: string;
  /** pyproject.toml read for [tool.alembic] (explicit, or next to the ini / in the discovered folder). */
  toml?: Pyproject;
  /** pyproject.toml found by discovery that only has [tool.alembic-guard] version_locations. */
  guardOnly?: Pyproject;
  /** The folder Alembic would run in: relative paths in the config resolve against it. */
  baseDir: string;
}

class Loader {
  readonly cwd: string;
  private readonly pyprojects = new Map<string, Pyproject | null>();
  readonly warnings: Warning[] = [];

  constructor(cwd: string) {
    this.cwd = cwd;
  }

  /** A path for messages: relative to the working directory when inside it, else absolute. */
  display(abs: string): string {
    const rel = relative(this.cwd, abs);
    if (rel === '') return '.';
    if (rel.startsWith('..') || isAbsolute(rel)) return posix(abs);
    return posix(rel);
  }

  pyproject(abs: string): Pyproject | null {
    if (!this.pyprojects.has(abs)) {
      this.pyprojects.set(abs, isFile(abs) ? readPyproject(abs, this.display(abs)) : null);
    }
    return this.pyprojects.get(abs)!;
  }

  /** `_inis_from_config` with -c names and ALEMBIC_CONFIG, or discovery from cwd upwards. */
  locate(config: string[] | undefined, env: Record<string, string | undefined>): Located {
    const envConfig = env['ALEMBIC_CONFIG'] || undefined;
    const names = config && config.length > 0 ? config : undefined;
    if (!names && !envConfig) return this.discover();

    let tomlName = 'pyproject.toml';
    let iniName = 'alembic.ini';
    let tomlFrom: string | undefined;
    let iniFrom: string | undefined;
    if (envConfig && basename(envConfig) === 'pyproject.toml') {
      tomlName = envConfig;
      tomlFrom = `ALEMBIC_CONFIG=${envConfig}`;
    } else if (envConfig) {
      iniName = envConfig;
      iniFrom = `ALEMBIC_CONFIG=${envConfig}`;
    }
    if (names) {
      let toml: string | undefined;
      let ini: string | undefined;
      for (const name of names) {
        if (basename(name) === 'pyproject.toml') {
          if (toml !== undefined) {
            throw new ConfigError(`pyproject.toml given twice with -c/--config (${toml}, ${name})`, {
              reason: 'Alembic accepts at most one pyproject.toml and one ini file.',
              hint: 'Pass -c once for the ini file and once for pyproject.toml.',
            });
          }
          toml = name;
        } else {
          if (ini !== undefined) {
            throw new ConfigError(`two ini files given with -c/--config (${ini}, ${name})`, {
              reason:
                'Alembic accepts at most one ini file and one pyproject.toml; any -c file not named pyproject.toml is read as an ini file.',
              hint: 'Pass -c once for the ini file and once for pyproject.toml.',
            });
          }
          ini = name;
        }
      }
      if (toml !== undefined) {
        tomlName = toml;
        tomlFrom = `-c ${toml}`;
      }
      if (ini !== undefined) {
        iniName = ini;
        iniFrom = `-c ${ini}`;
      }
    }

    const located: Located = { mode: 'explicit', baseDir: this.cwd };
    const iniPath = resolve(this.cwd, iniName);
    if (iniFrom !== undefined) {
      if (!existsSync(iniPath)) {
        throw new ConfigError(`config file not found: ${iniName} (from ${iniFrom})`, {
          reason: `${iniPath} does not exist; relative paths are taken from the working directory ${this.cwd}.`,
          hint: 'Check the path, or run from the folder that holds alembic.ini.',
        });
      }
      if (!isFile(iniPath)) {
        throw new ConfigError(`${iniName} (from ${iniFrom}) is not a file`, {
          hint: 'Name the alembic.ini file itself, not its folder.',
        });
      }
      located.ini = iniPath;
    } else if (isFile(iniPath)) {
      located.ini = iniPath;
    }

    const tomlPath = resolve(this.cwd, tomlName);
    if (tomlFrom !== undefined) {
      if (!isFile(tomlPath)) {
        throw new ConfigError(`config file not found: ${tomlName} (from ${tomlFrom})`, {
          reason: `${tomlPath} does not exist or is not a file; relative paths are taken from the working directory ${this.cwd}.`,
          hint: 'Check the path.',
        });
      }
      located.toml = this.pyproject(tomlPath)!;
    } else {
      const pp = this.pyproject(tomlPath);
      if (pp?.alembic) located.toml = pp;
    }
    return located;
  }

  /** Look in cwd and its parents: alembic.ini, else [tool.alembic], else [tool.alembic-guard] version_locations. */
  private discover(): Located {
    for (let dir = this.cwd; ; dir = dirname(dir)) {
      const ini = join(dir, 'alembic.ini');
      if (isFile(ini)) {
        const located: Located = { mode: 'discovered', ini, baseDir: dir };
        const pp = this.pyproject(join(dir, 'pyproject.toml'));
        if (pp?.alembic) located.toml = pp;
        return located;
      }
      const pp = this.pyproject(join(dir, 'pyproject.toml'));
      if (pp?.alembic) return { mode: 'discovered', toml: pp, baseDir: dir };
      if (pp?.guard && pp.guard['version_locations'] !== undefined) {
        return { mode: 'discovered', guardOnly: pp, baseDir: dir };
      }
      if (dirname(dir) === dir) break;
    }
    return { mode: 'none', baseDir: this.cwd };
  }

  /** The pyproject.toml with [tool.alembic-guard]: next to the config, else from cwd upwards. */
  findSettingsFile(located: Located, configFile: string | undefined): Pyproject | undefined {
    if (located.toml?.guard) return located.toml;
    if (located.guardOnly) return located.guardOnly;
    if (configFile) {
      const next = this.pyproject(join(dirname(configFile), 'pyproject.toml'));
      if (next?.guard) return next;
    }
    for (let dir = this.cwd; ; dir = dirname(dir)) {
      const pp = this.pyproject(join(dir, 'pyproject.toml'));
      if (pp?.guard) return pp;
      if (dirname(dir) === dir) break;
    }
    return undefined;
  }
}

interface ResolveContext {
  loader: Loader;
  located: Located;
  /** Resolved prepend_sys_path entries (searched for `package:dir` locations). */
  sysPath: string[];
  /** Relative-path warnings already given, one per key. */
  warned: Set<string>;
  /**
   * The project's Python, for a package that is not in the project's folders: its folder, or why
   * not (a sentence). Undefined when there is no way to ask.
   */
  askPython?: (pkg: string) => { dirs: string[] } | { why: string };
}

function at(s: { file: string; line?: number }): string {
  return s.line === undefined ? s.file : `${s.file}:${s.line}`;
}

/** Find `a.b` (from `a.b:dir`) as a folder, the way `importlib.resources.files('a.b')` would. */
function findPackageDir(pkg: string, roots: string[]): string | undefined {
  const parts = pkg.split('.');
  const top = parts[0]!;
  // A regular package (with __init__.py) in the first sys.path entry that has one wins.
  for (const root of roots) {
    if (isFile(join(root, top, '__init__.py'))) {
      const dir = join(root, ...parts);
      return isDir(dir) ? dir : undefined;
    }
  }
  // Otherwise namespace package portions, in sys.path order.
  for (const root of roots) {
    const dir = join(root, ...parts);
    if (isDir(join(root, top)) && isDir(dir)) return dir;
  }
  return undefined;
}

/**
 * `coerce_resource_to_filename` + `.absolute()`: an absolute path; `package:dir` (a relative
 * value with a colon) found statically; else a path relative to the folder Alembic runs in.
 */
function resolveLocation(value: string, src: Sourced<unknown>, ctx: ResolveContext): string {
  const { loader, located } = ctx;
  if (isAbsolute(value)) return resolve(value);
  if (value.includes(':')) {
    const tokens = value.split(':');
    const pkg = tokens[0]!;
    const configDir = dirname(src.absPath);
    const roots = [...new Set([...ctx.sysPath, configDir, join(configDir, 'src'), located.baseDir, join(located.baseDir, 'src')])];
    if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/u.test(pkg)) {
      throw new ConfigError(`${at(src)}: ${src.key} '${value}' is neither a path nor a package:folder reference`, {
        reason: `A relative value with a colon is read by Alembic as package:folder, and '${pkg}' is not a Python package name.`,
        hint: 'Use a path (for example %(here)s/migrations) or package.name:folder.',
      });
    }
    let dir = findPackageDir(pkg, roots);
    if (!dir) {
      // Not in the project's folders: installed (site-packages, an editable install). Ask Python.
      const asked = ctx.askPython?.(pkg);
      if (asked !== undefined && 'dirs' in asked) {
        // A namespace package has several folders: the first that holds the rest of the path, as
        // importlib.resources' MultiplexedPath joins it.
        dir = asked.dirs.find((d) => existsSync(join(d, ...tokens.slice(1)))) ?? asked.dirs[0]!;
      } else {
        throw new ConfigError(`${at(src)}: cannot find package '${pkg}' of ${src.key} '${value}'`, {
          reason: `It is not a '${pkg.split('.').join('/')}' folder in ${roots.map((r) => loader.display(r)).join(', ')}${asked !== undefined ? `, and ${asked.why}` : ''}.`,
          hint: `Install the project in its virtualenv (or pass --python PATH to the interpreter that has it), add the folder that holds the '${pkg.split('.')[0]}' package to prepend_sys_path, or write ${src.key} as a path such as %(here)s/<folder>.`,
        });
      }
    }
    return join(dir, ...tokens.slice(1));
  }
  const abs = resolve(located.baseDir, value);
  const fileDir = dirname(src.absPath);
  if (value === '') {
    if (!ctx.warned.has(`${src.key}:empty`)) {
      ctx.warned.add(`${src.key}:empty`);
      loader.warnings.push({
        message: `${src.key} has an empty entry, which Alembic reads as the working directory (${loader.display(abs)}); check the separators.`,
        file: src.absPath,
        ...(src.line === undefined ? {} : { line: src.line }),
      });
    }
    return abs;
  }
  const otherDir = located.baseDir !== fileDir ? fileDir : loader.cwd !== located.baseDir ? loader.cwd : undefined;
  if (otherDir !== undefined && resolve(otherDir, value) !== abs && !ctx.warned.has(src.key)) {
    ctx.warned.add(src.key);
    const here = `%(here)s/${value.replace(/^\.\//, '')}`;
    const message =
      located.baseDir === loader.cwd
        ? `${src.key} '${value}' is a relative path: Alembic resolves it against the working directory (${loader.display(abs)}), not against the folder of ${src.file} (${loader.display(resolve(fileDir, value))}). Write ${here} to make it independent of the working directory.`
        : `${src.key} '${value}' is a relative path, which Alembic resolves against the folder it runs in: resolved against ${loader.display(located.baseDir)}, where ${src.file} was found, not against the working directory. Write ${here} to make it independent of the working directory.`;
    loader.warnings.push({ message, file: src.absPath, ...(src.line === undefined ? {} : { line: src.line }) });
  }
  return abs;
}

/** `dialect+driver://...` → dialect and driver only; the rest (with any password) is dropped. */
export function parseDatabaseUrlScheme(url: string): { dialect?: string; driver?: string } {
  const m = /^([\w+]+):\/\//u.exec(url.trim());
  if (!m) return {};
  const [scheme, ...rest] = m[1]!.split('+');
  const out: { dialect?: string; driver?: string } = {};
  // `driver://user:pass@localhost/dbname` is the placeholder `alembic init` writes (env.py then
  // sets the real URL): no dialect is known. `postgres://` is the common alias (Heroku and others).
  const dialect = scheme === 'driver' ? undefined : scheme === 'postgres' ? 'postgresql' : scheme?.toLowerCase();
  if (dialect) out.dialect = dialect;
  if (rest.length > 0 && rest.join('+')) out.driver = rest.join('+');
  return out;
}

/**
 * Find and read the configuration: alembic.ini (configparser semantics) and/or [tool.alembic],
 * [tool.alembic-guard], -c/ALEMBIC_CONFIG, -n, --versions. Throws ConfigError.
 */
export function loadProject(options: LoadProjectOptions): Project {
  const cwd = resolve(options.cwd);
  const env = options.env ?? process.env;
  const section = options.name ?? 'alembic';
  if (section === '') {
    throw new ConfigError('the -n/--name section is empty', { hint: 'Name an ini section, e.g. -n alembic.' });
  }
  if (!isDir(cwd)) {
    throw new ConfigError(`the working directory ${cwd} does not exist`, { hint: 'Run from an existing folder.' });
  }
  const loader = new Loader(cwd);
  const located = loader.locate(options.config, env);

  const configFile = located.ini ?? located.toml?.absPath ?? located.guardOnly?.absPath;
  const root = configFile ? dirname(configFile) : cwd;

  // Alembic's Config: the ini with `here` = its folder, [tool.alembic] with `here` = its folder.
  let cfg: AlembicConfig | undefined;
  if (located.ini || located.toml) {
    const ini = located.ini
      ? { config: readIniFile(located.ini, loader.display(located.ini), { here: posix(dirname(located.ini)) }), absPath: located.ini }
      : undefined;
    cfg = new AlembicConfig({
      section,
      ...(ini ? { ini } : {}),
      ...(located.toml ? { toml: located.toml, tomlHere: posix(dirname(located.toml.absPath)) } : {}),
    });
  }

  const settingsFile = loader.findSettingsFile(located, configFile);
  const settings: GuardSettings = settingsFile?.guard ? parseGuardSettings(settingsFile.guard, settingsFile) : defaultSettings();

  const configFiles = [
    ...new Set([located.ini, located.toml?.absPath, located.guardOnly?.absPath, settingsFile?.absPath].filter((f): f is string => !!f)),
  ];

  const ctx: ResolveContext = { loader, located, sysPath: [], warned: new Set() };

  // prepend_sys_path (before script_location, as ScriptDirectory.from_config does).
  const prepend = cfg?.getPrependSysPath();
  const prependSysPath = prepend ? prepend.value.map((p) => resolve(located.baseDir, p)) : [];
  ctx.sysPath = prependSysPath;
  ctx.askPython = (pkg) => {
    let python;
    try {
      // The interpreter the database checks would use: what it has installed is what Alembic sees.
      const forPython: Project = { root, configFiles, section, versionLocations: [], recursiveVersionLocations: false, sourceless: false, fileTemplate: DEFAULT_FILE_TEMPLATE, prependSysPath, settings, warnings: [] };
      python = findPython(forPython, { ...(options.python !== undefined ? { python: options.python } : {}), cwd, env: env as NodeJS.ProcessEnv });
    } catch (e) {
      if (e instanceof PythonError) return { why: `there is no Python to ask where it is installed (${e.message}${e.reason !== undefined ? `: ${e.reason}` : ''})` };
      throw e;
    }
    const answer = locatePackage(pkg, { python, cwd: located.baseDir, env: env as NodeJS.ProcessEnv, prependSysPath });
    const asked = `${describePython(python)} (found by ${python.source})`;
    if ('missing' in answer) return { why: `${asked} cannot import '${answer.missing}'` };
    if ('module' in answer) return { why: `for ${asked}, '${answer.module}' is a module (${answer.origin ?? 'built in'}), not a package folder` };
    if (answer.locations.length === 0) return { why: `for ${asked}, '${pkg}' is a namespace package with no folder` };
    return { dirs: answer.locations };
  };

  const scriptSrc = cfg?.getString('script_location');
  const useVersionsFlag = options.versions !== undefined && options.versions.length > 0;

  let scriptLocation: string | undefined;
  let versionLocations: string[];
  let recursive: boolean;

  if (scriptSrc && !useVersionsFlag) {
    scriptLocation = resolveLocation(scriptSrc.value, scriptSrc, ctx);
    if (!isDir(scriptLocation)) {
      const fromConfigDir =
        !isAbsolute(scriptSrc.value) && !scriptSrc.value.includes(':') ? resolve(dirname(scriptSrc.absPath), scriptSrc.value) : undefined;
      throw new ConfigError(
        `${at(scriptSrc)}: script_location '${scriptSrc.value}' points to ${loader.display(scriptLocation)}, which ${
          existsSync(scriptLocation) ? 'is not a folder' : 'does not exist'
        }`,
        {
          reason:
            fromConfigDir && fromConfigDir !== scriptLocation && isDir(fromConfigDir)
              ? `Alembic resolves a relative script_location against the folder it runs in (${loader.display(located.baseDir)}), not against the config file; ${loader.display(fromConfigDir)} exists.`
              : 'Alembic fails here too ("Path doesn\'t exist").',
          hint:
            fromConfigDir && fromConfigDir !== scriptLocation && isDir(fromConfigDir)
              ? `Run from ${loader.display(dirname(scriptSrc.absPath))}, or write script_location = %(here)s/${scriptSrc.value}.`
              : 'Fix script_location (for example %(here)s/migrations), or create the folder with `alembic init`.',
        },
      );
    }
    const vl = cfg!.getVersionLocations();
    if (vl && vl.value.length > 0) {
      versionLocations = vl.value.map((v) => resolveLocation(v, vl, ctx));
    } else {
      versionLocations = [join(scriptLocation, 'versions')];
    }
    recursive = cfg!.getBoolean('recursive_version_locations');
    if (settings.versionLocations.length > 0 && settingsFile) {
      loader.warnings.push({
        message: `version_locations in [tool.alembic-guard] is ignored: the Alembic config names the version folders (script_location${
          vl ? ', version_locations' : ''
        }).`,
        file: settingsFile.absPath,
      });
    }
    checkVersionLocations(versionLocations, loader, vl ?? scriptSrc, !vl);
  } else if (useVersionsFlag) {
    versionLocations = options.versions!.map((v) => resolve(cwd, v));
    versionLocations.forEach((abs, i) => {
      if (!isDir(abs)) {
        throw new ConfigError(`--versions ${options.versions![i]}: ${loader.display(abs)} ${existsSync(abs) ? 'is not a folder' : 'does not exist'}`, {
          reason: '--versions names the folders that hold the revision files, relative to the working directory.',
          hint: 'Check the path (for Flask-Migrate it is usually migrations/versions).',
        });
      }
    });
    recursive = options.recursive ?? settings.recursiveVersionLocations ?? false;
    if (scriptSrc) {
      try {
        const dir = resolveLocation(scriptSrc.value, scriptSrc, ctx);
        if (isDir(dir)) scriptLocation = dir;
      } catch {
        // The Alembic config is not usable; --versions is how the user works around it.
      }
    }
  } else if (settings.versionLocations.length > 0) {
    versionLocations = settings.versionLocations;
    recursive = settings.recursiveVersionLocations ?? false;
    const file = settingsFile!;
    versionLocations.forEach((abs) => {
      if (!isDir(abs)) {
        throw new ConfigError(
          `${file.file}: [tool.alembic-guard] version_locations names ${loader.display(abs)}, which ${existsSync(abs) ? 'is not a folder' : 'does not exist'}`,
          {
            reason: 'Paths in [tool.alembic-guard] are relative to the pyproject.toml folder.',
            hint: 'Fix version_locations, or create the folder (an empty folder is fine).',
          },
        );
      }
    });
  } else {
    throw noScriptLocation(loader, located, cfg, section);
  }

  if (options.recursive !== undefined && !useVersionsFlag) {
    loader.warnings.push({ message: '--recursive only applies to --versions folders; ignored.' });
  }

  // Alembic's own options (ignored without an Alembic config).
  const sourceless = cfg ? cfg.getBoolean('sourceless') : false;
  const fileTemplate = cfg?.getString('file_template')?.value ?? DEFAULT_FILE_TEMPLATE;
  let dialect: string | undefined;
  let driver: string | undefined;
  if (cfg) {
    try {
      const url = cfg.getMainOption('sqlalchemy.url');
      if (url) ({ dialect, driver } = parseDatabaseUrlScheme(url.value));
    } catch (e) {
      // env.py may never read sqlalchemy.url; a bad value only costs us the dialect.
      const raw = cfg.ini?.config.getRaw(section, 'sqlalchemy.url');
      if (raw) ({ dialect, driver } = parseDatabaseUrlScheme(raw.raw));
      loader.warnings.push({
        message: `sqlalchemy.url cannot be read: ${(e as Error).message}`,
        ...(cfg.ini ? { file: cfg.ini.absPath } : {}),
        ...(raw?.line === undefined ? {} : { line: raw.line }),
      });
    }
  }

  if (cfg?.ini && !cfg.hasMainSection() && scriptSrc) {
    loader.warnings.push({
      message: `${cfg.ini.config.file} has no [${section}] section; using [tool.alembic] from ${located.toml?.file ?? 'pyproject.toml'}.`,
      file: cfg.ini.absPath,
    });
  }

  const warnings = [...(cfg?.warnings ?? []), ...loader.warnings].map((w) => {
    const out: Warning = { message: w.message };
    if (w.file !== undefined) out.file = posix(relative(root, w.file)) || '.';
    if (w.line !== undefined) out.line = w.line;
    return out;
  });

  const project: Project = {
    root,
    configFiles,
    section,
    versionLocations,
    recursiveVersionLocations: recursive,
    sourceless,
    fileTemplate,
    prependSysPath,
    settings,
    warnings,
  };
  if (configFile) project.configFile = configFile;
  if (scriptLocation) project.scriptLocation = scriptLocation;
  if (dialect) project.dialect = dialect;
  if (driver) project.driver = driver;
  return project;
}

/** None of the version folders exists: an error. Some missing: a warning (Alembic skips them). */
function checkVersionLocations(locations: string[], loader: Loader, src: Sourced<unknown>, isDefault: boolean): void {
  const missing = locations.filter((l) => !isDir(l));
  if (missing.length === 0) return;
  if (missing.length === locations.length) {
    const list = missing.map((m) => loader.display(m)).join(', ');
    throw new ConfigError(
      isDefault
        ? `${at(src)}: the versions folder ${list} does not exist`
        : `${at(src)}: no folder of version_locations exists (${list})`,
      {
        reason: 'Alembic would silently find no revisions at all, which is almost always a wrong path.',
        hint: isDefault
          ? `Create it (mkdir ${list}; an empty folder is fine), or set version_locations.`
          : 'Fix version_locations (relative paths resolve against the folder Alembic runs in; %(here)s is the config folder), or create the folders.',
      },
    );
  }
  loader.warnings.push({
    message: `version_locations: ${missing.map((m) => loader.display(m)).join(', ')} does not exist; Alembic skips ${
      missing.length === 1 ? 'it' : 'them'
    }.`,
    file: src.absPath,
    ...(src.line === undefined ? {} : { line: src.line }),
  });
}

function noScriptLocation(loader: Loader, located: Located, cfg: AlembicConfig | undefined, section: string): ConfigError {
  const codeHint =
    'If your app sets it in code (Flask-Migrate, app factories), name the version folders instead: --versions migrations/versions, or version_locations = ["migrations/versions"] in [tool.alembic-guard].';
  if (located.mode === 'none') {
    return new ConfigError(`no Alembic configuration found in ${loader.display(loader.cwd)} or its parents`, {
      reason:
        'Looked for alembic.ini, a pyproject.toml with [tool.alembic], and a pyproject.toml with [tool.alembic-guard] version_locations.',
      hint: `Run from the folder that holds alembic.ini, or pass -c path/to/alembic.ini. ${codeHint}`,
    });
  }
  if (cfg?.ini && !cfg.hasMainSection()) {
    const names = cfg.ini.config.sectionNames();
    return new ConfigError(`${cfg.ini.config.file}: no [${section}] section${located.toml ? ` and no script_location in [tool.alembic] of ${located.toml.file}` : ''}`, {
      reason: names.length > 0 ? `The file has the sections ${names.map((n) => `[${n}]`).join(', ')}.` : 'The file has no sections.',
      hint: `Pick the section with -n/--name, or add [${section}] with script_location. ${codeHint}`,
    });
  }
  const files = [cfg?.ini ? `[${section}] of ${cfg.ini.config.file}` : undefined, located.toml ? `[tool.alembic] of ${located.toml.file}` : undefined]
    .filter(Boolean)
    .join(' or ');
  return new ConfigError(`no script_location in ${files || 'the configuration'}`, {
    reason: 'Alembic needs script_location to find env.py and the versions folder ("No \'script_location\' key found in configuration").',
    hint: `Add script_location = %(here)s/migrations (or your folder). ${codeHint}`,
  });
}
