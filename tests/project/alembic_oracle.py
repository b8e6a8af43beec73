"""Ground truth for tests/project: what Python's configparser and real Alembic do.

Reads one JSON request on stdin, writes one JSON answer on stdout; with --serve, answers one
JSON request per line until stdin closes (one Python start-up for a whole test file).

  {"mode": "ini", "here": "/x", "files": ["/tmp/a.ini", ...]}
      -> per file: configparser.ConfigParser({"here": here}).read(file) as Alembic does,
         every option of every section (and DEFAULT) interpolated, or the exception.
  {"mode": "project", "cwd": ..., "ini": ... | null, "toml": ... | null, "name": "alembic",
   "load": true}
      -> ScriptDirectory.from_config(Config(...)) run from cwd: script dir, version locations,
         options, deprecation warnings, and (load) the paths of the revisions Alembic loads.
  {"mode": "format", "values": [...], "args": {"here": ...}}
      -> [v % args ...], as Alembic formats [tool.alembic] strings.
  {"mode": "compile", "pairs": [[src, dest], ...]}
      -> py_compile each src to dest.
"""
import configparser
import json
import os
import sys
import tempfile
import warnings


def dump_ini(here, path):
    cfg = configparser.ConfigParser({"here": here})
    try:
        cfg.read([path], encoding="utf-8")
    except configparser.MissingSectionHeaderError as e:
        return {"ok": False, "error": type(e).__name__, "line": e.lineno}
    except configparser.ParsingError as e:
        return {"ok": False, "error": type(e).__name__, "line": e.errors[0][0]}
    except configparser.Error as e:
        return {"ok": False, "error": type(e).__name__, "line": getattr(e, "lineno", None)}
    except UnicodeDecodeError as e:
        return {"ok": False, "error": "DecodeError", "line": None}
    values = {}
    for section in ["DEFAULT"] + cfg.sections():
        out = {}
        for key in cfg.options(section) if section != "DEFAULT" else cfg.defaults().keys():
            try:
                out[key] = cfg.get(section, key)
            except configparser.Error as e:
                out[key] = {"error": type(e).__name__}
        values[section] = out
    return {"ok": True, "sections": cfg.sections(), "values": values}


def project(req):
    import alembic.config  # noqa: F401  (imported once, kept across requests)
    import alembic.script  # noqa: F401

    saved_cwd, saved_path, saved_modules = os.getcwd(), list(sys.path), set(sys.modules)
    try:
        return _project(req)
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        # Forget the test projects' own packages (myapp …), so the next request imports its own.
        tmp = tempfile.gettempdir()
        for name in set(sys.modules) - saved_modules:
            mod = sys.modules[name]
            paths = [getattr(mod, "__file__", None) or ""] + list(getattr(mod, "__path__", []) or [])
            if any(str(p).startswith(tmp) for p in paths):
                del sys.modules[name]


def _project(req):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    os.chdir(req["cwd"])
    kw = {"ini_section": req.get("name") or "alembic"}
    if req.get("ini"):
        kw["file_"] = req["ini"]
    if req.get("toml"):
        kw["toml_file"] = req["toml"]
    cfg = Config(**kw)
    result = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            script = ScriptDirectory.from_config(cfg)
        except Exception as e:  # noqa: BLE001
            return {"ok": False, "error": type(e).__name__, "message": str(e)}
        result["dir"] = os.path.normpath(os.path.abspath(str(script.dir)))
        result["version_locations"] = [os.path.normpath(str(p)) for p in script._version_locations]
        result["sourceless"] = script.sourceless
        result["recursive"] = script.recursive_version_locations
        result["file_template"] = script.file_template
        if req.get("load"):
            try:
                result["revisions"] = [str(s.path) for s in script._load_revisions()]
            except Exception as e:  # noqa: BLE001
                result["load_error"] = type(e).__name__ + ": " + str(e)
    result["warnings"] = [str(w.message) for w in caught]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result["prepend_sys_path"] = cfg.get_prepend_sys_paths_list()
    result["ok"] = True
    return result


def answer(req):
    mode = req["mode"]
    if mode == "ini":
        result = [dump_ini(req["here"], f) for f in req["files"]]
    elif mode == "project":
        result = project(req)
    elif mode == "format":
        result = {"ok": True, "results": [v % req["args"] for v in req["values"]]}
    elif mode == "compile":
        import py_compile

        for src, dest in req["pairs"]:
            py_compile.compile(src, cfile=dest, doraise=True)
        result = {"ok": True}
    else:
        raise SystemExit("unknown mode " + mode)
    return result


def main():
    if "--serve" in sys.argv:
        for line in sys.stdin:
            if line.strip():
                sys.stdout.write(json.dumps(answer(json.loads(line))) + "\n")
                sys.stdout.flush()
    else:
        json.dump(answer(json.load(sys.stdin)), sys.stdout)


if __name__ == "__main__":
    main()
