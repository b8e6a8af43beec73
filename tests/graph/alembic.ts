/**
 * Ask real Alembic (the test venv) what it makes of a revision graph: either of literal records
 * (alembic.script.revision.RevisionMap with Revision objects) or of a project on disk
 * (Config + ScriptDirectory, as `alembic heads` / `alembic history` use them).
 */
import { execFileSync } from 'node:child_process';
import { venvPython } from '../helpers/paths.js';

export interface AlembicView {
  heads: string[];
  realHeads: string[];
  bases: string[];
  realBases: string[];
  /** walk_revisions() order, as `alembic history` prints. */
  history: string[];
  /** Effective branch labels per revision, sorted. */
  labels: Record<string, string[]>;
  /** `alembic history` lines (ScriptDirectory only). */
  historyLines?: string[];
  /** `alembic heads` lines (ScriptDirectory only). */
  headsLines?: string[];
  /** `alembic heads --resolve-dependencies` lines (ScriptDirectory only). */
  headsResolvedLines?: string[];
  /** `alembic history --verbose` / `alembic heads --verbose` output (ScriptDirectory only). */
  historyVerbose?: string;
  headsVerbose?: string;
  /** Revision file path per revision (ScriptDirectory only). */
  paths?: Record<string, string>;
  /** Set when Alembic refused the graph. */
  error?: string;
}

const COMMON = `
import json, sys, warnings
warnings.simplefilter("ignore")
def view(m, extra=None, early=None):
    out = {}
    try:
        m._revision_map
        out["heads"] = list(m.heads)
        out["realHeads"] = list(m._real_heads)
        out["bases"] = list(m.bases)
        out["realBases"] = list(m._real_bases)
        out["labels"] = {k: sorted(v.branch_labels) for k, v in m._revision_map.items() if k and v is not None and k == v.revision}
        if early: out.update(early())
        out["history"] = [r.revision for r in m.iterate_revisions("heads", "base", inclusive=True, assert_relative_length=False)]
        if extra: out.update(extra())
    except Exception as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
    return out
`;

const FROM_SPECS = `${COMMON}
from alembic.script.revision import RevisionMap, Revision
specs = json.load(sys.stdin)
results = []
for graph in specs:
    try:
        revs = [Revision(s["rev"], tuple(s["down"]) if isinstance(s["down"], list) else s["down"],
                         dependencies=tuple(s.get("deps") or ()) or None,
                         branch_labels=tuple(s.get("labels") or ()) or None) for s in graph]
    except Exception as e:
        results.append({"error": "%s: %s" % (type(e).__name__, e)})
        continue
    results.append(view(RevisionMap(lambda revs=revs: revs)))
print(json.dumps(results))
`;

const FROM_CONFIG = `${COMMON}
from alembic.config import Config
from alembic.script import ScriptDirectory
path, section = sys.argv[1], sys.argv[2]
if path.endswith(".toml"):
    cfg = Config(toml_file=path, ini_section=section)
else:
    cfg = Config(path, ini_section=section)
script = ScriptDirectory.from_config(cfg)
m = script.revision_map
def early():
    paths = {k: v.path for k, v in m._revision_map.items() if k and v is not None and k == v.revision}
    return {"paths": paths}
def extra():
    hist = [sc.cmd_format(verbose=False, include_branches=True, include_doc=True, include_parents=True) for sc in script.walk_revisions()]
    heads = [r.cmd_format(False, include_branches=True, tree_indicators=False) for r in script.get_revisions(script.get_heads())]
    assert list(script.get_heads()) == list(m.heads)
    resolved = [r.cmd_format(False, include_branches=True, tree_indicators=False) for r in script.get_revisions("heads")]
    hist_v = "".join(sc.cmd_format(verbose=True, include_branches=True, include_doc=True, include_parents=True) + "\\n" for sc in script.walk_revisions())
    heads_v = "".join(r.cmd_format(True, include_branches=True, tree_indicators=False) + "\\n" for r in script.get_revisions(script.get_heads()))
    return {"historyLines": hist, "headsLines": heads, "headsResolvedLines": resolved, "historyVerbose": hist_v, "headsVerbose": heads_v}
print(json.dumps(view(m, extra, early)))
`;

export interface RevSpec {
  rev: string;
  down: string | string[] | null;
  deps?: string[];
  labels?: string[];
}

/** RevisionMap over literal revisions; one result per graph. */
export function alembicFromSpecs(graphs: RevSpec[][]): AlembicView[] {
  const out = execFileSync(venvPython, ['-c', FROM_SPECS], {
    input: JSON.stringify(graphs),
    encoding: 'utf8',
    env: { ...process.env, PYTHONHASHSEED: '0' },
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out) as AlembicView[];
}

/** ScriptDirectory.from_config on a project on disk (alembic.ini or pyproject.toml). */
export function alembicFromConfig(configPath: string, section = 'alembic', cwd?: string): AlembicView {
  const out = execFileSync(venvPython, ['-c', FROM_CONFIG, configPath, section], {
    encoding: 'utf8',
    cwd,
    // Loading a revision imports it: keep __pycache__ out of the fixtures.
    env: { ...process.env, PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1' },
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out) as AlembicView;
}
