"""alembic-guard's Python helper.

Run with the project's own interpreter from the directory that holds the Alembic config. It speaks
JSON lines over stdio: one request per line on stdin, one response per line on stdout. Everything
else (the user's env.py prints, logging, warnings) goes to stderr: the protocol runs on private
copies of the original stdin/stdout descriptors, and descriptors 0 and 1 are pointed at /dev/null
and stderr before any user code runs.

It drives Alembic through its Python API (Config, ScriptDirectory, EnvironmentContext,
MigrationContext), never through the CLI's text, and works with Alembic 1.9 onwards on
SQLAlchemy 1.4 and 2.x, for sync and async env.py files.

Requests (every request carries an "id" that its response echoes):
  probe      versions, drivers, the config and the script directory (no user code runs yet)
  configure  the database URL (sqlalchemy.url and environment variables) and connection attribute,
             set before any user code is imported, so import-time settings see it
  hello      load the revisions (imports the revision files)
  upgrade    run env.py online to upgrade to a target (as `alembic upgrade TARGET`)
  downgrade  run env.py online to downgrade to a target (as `alembic downgrade TARGET`)
  session    run env.py online once and, inside its run_migrations(), serve "step" requests (one
             revision up or down, each in its own transaction) until "end"
  drift      compare the models with the database as `alembic check` does
  offline    render each given revision's upgrade as offline (--sql) SQL, separately
  merge      write a merge revision of the given revisions (default "heads") as `alembic merge`
"""

import ast
import io
import json
import os
import sys
import time
import traceback

PROTOCOL = 1

# --------------------------------------------------------------------------------------------
# stdio: the protocol gets private descriptors; user code sees stderr and /dev/null.

_proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
_proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8", newline="\n")
sys.stdout.flush()
os.dup2(2, 1)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
os.close(_devnull)
sys.stdout = sys.stderr
sys.stdin = open(os.devnull, "r")

# sys.path as with `python -m alembic` run from the config's directory: that directory first (not
# this helper's own directory); Alembic prepends `prepend_sys_path` when it loads the config.
_here = os.path.dirname(os.path.abspath(__file__))
if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == _here:
    sys.path[0] = os.getcwd()
else:
    sys.path.insert(0, os.getcwd())


def send(obj):
    _proto_out.write(json.dumps(obj, default=str) + "\n")
    _proto_out.flush()


def receive():
    line = _proto_in.readline()
    if not line:
        return None
    return json.loads(line)


class ProtocolError(Exception):
    pass


class OwnError(Exception):
    """A query of alembic-guard's own (fingerprint, trace, rows) failed: never blamed on env.py."""


# --------------------------------------------------------------------------------------------
# State for the whole run.


class State:
    cfg = None
    script = None
    env_async = False
    url = None
    url_env = ()
    connection_attribute = None
    sync_url = None
    # the migration step in progress (alembic.runtime.migration.MigrationStep)
    current_step = None
    # the open connection/engine put into config.attributes, to close after each command
    attribute_resources = []
    # (version_table, version_table_schema) of the last MigrationContext
    version_table = None
    # time spent in schema snapshots and in migration steps during sessions, for profiling
    snapshot_ms = 0.0
    step_ms = 0.0
    digest_ms = 0.0
    trace_ms = 0.0
    seed_ms = 0.0
    # rows a team inserts around revisions: revision id -> {"before": [...], "at": [...]}
    revision_data = {}
    # (database oid, revision, when) whose callables ran: once per revision and database
    data_applied = set()
    # rows that could not be inserted, for the next response
    data_errors = []


S = State()
DRIVERS = ("psycopg2", "psycopg", "asyncpg", "pg8000")
ASYNC_DRIVERS = ("asyncpg", "psycopg_async")


def _version_of(*dists):
    try:
        from importlib import metadata
    except ImportError:  # pragma: no cover - Python < 3.8
        return None
    for dist in dists:
        try:
            return metadata.version(dist)
        except Exception:
            continue
    return None


def _has_module(name):
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except Exception:
        return False


# --------------------------------------------------------------------------------------------
# Errors: every failure is described as data for the Node side.


def _tail(exc, lines=14):
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    out = text.rstrip("\n").split("\n")
    return "\n".join(out[-lines:])


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _db_details(exc):
    """The database's message, SQLSTATE and the failing statement, when the error came from SQL."""
    try:
        from sqlalchemy.exc import StatementError
    except Exception:  # pragma: no cover
        StatementError = ()
    for e in _chain(exc):
        if StatementError and isinstance(e, StatementError):
            orig = getattr(e, "orig", None)
            message = str(orig) if orig is not None else str(e)
            # asyncpg through SQLAlchemy: "<class 'asyncpg.exceptions.X'>: message"
            if message.startswith("<class '") and "'>: " in message:
                message = message.split("'>: ", 1)[1]
            code = None
            for o in _chain(orig):
                code = getattr(o, "pgcode", None) or getattr(o, "sqlstate", None)
                if code is None:
                    diag = getattr(o, "diag", None)
                    code = getattr(diag, "sqlstate", None) if diag is not None else None
                if code:
                    break
            statement = getattr(e, "statement", None)
            return {
                "message": message.strip(),
                "pgcode": code if isinstance(code, str) else None,
                "statement": str(statement).strip() if statement is not None else None,
            }
    return None


def _frame_line(exc, path):
    """The line of the deepest traceback frame in `path` (the migration file)."""
    if not path:
        return None
    target = os.path.normcase(os.path.abspath(path))
    line = None
    for e in _chain(exc):
        tb = e.__traceback__
        while tb is not None:
            fname = tb.tb_frame.f_code.co_filename
            if fname and os.path.normcase(os.path.abspath(fname)) == target:
                line = tb.tb_lineno
            tb = tb.tb_next
        if line is not None:
            return line
    return None


def _step_revision(step):
    rev = getattr(step, "revision", None)
    if rev is None or not hasattr(rev, "revision"):
        return None
    return rev


def describe_failure(exc, phase="env"):
    """Turn an exception raised while running user code into a protocol error."""
    for e in _chain(exc):
        if isinstance(e, OwnError):
            return {"kind": "internal", "type": type(e.__cause__ or e).__name__, "message": str(e),
                    "traceback": _tail(e, 30)}
    step = S.current_step
    rev = _step_revision(step) if step is not None else None
    err = {
        "kind": "env",
        "type": type(exc).__name__,
        "message": (str(exc).strip() or type(exc).__name__),
        "traceback": _tail(exc),
    }
    db = _db_details(exc)
    if db:
        err["message"] = db["message"] or err["message"]
        err["pgcode"] = db["pgcode"]
        err["statement"] = db["statement"]
    if rev is not None:
        err["kind"] = "step"
        err["revision"] = rev.revision
        err["path"] = rev.path
        err["direction"] = "up" if getattr(step, "is_upgrade", True) else "down"
        err["line"] = _frame_line(exc, rev.path)
        if isinstance(exc, NotImplementedError) and err["direction"] == "down":
            err["kind"] = "irreversible"
    else:
        missing = _missing_module(exc)
        if missing:
            err["kind"] = "missing-module"
            err["module"] = missing
        env_py = os.path.join(S.script.dir, "env.py") if S.script is not None else None
        if env_py:
            err["path"] = env_py
            err["line"] = _frame_line(exc, env_py)
    if isinstance(exc, KeyboardInterrupt):
        err["kind"] = "interrupted"
    return err


def _missing_module(exc):
    for e in _chain(exc):
        if isinstance(e, ImportError) and getattr(e, "name", None):
            return e.name
    return None


# --------------------------------------------------------------------------------------------
# Alembic plumbing.


def _alembic():
    import alembic
    from alembic.runtime import migration
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    return alembic, migration, EnvironmentContext, ScriptDirectory


_orig_run_migrations = None


def _install_patch():
    """Wrap MigrationContext.run_migrations: track the step in progress, and serve sessions."""
    global _orig_run_migrations
    _, migration, _, _ = _alembic()
    if _orig_run_migrations is not None:
        return
    _orig_run_migrations = migration.MigrationContext.run_migrations

    def run_migrations(self, **kw):
        fn = self._migrations_fn
        S.version_table = [self.version_table, self.version_table_schema]
        handler = getattr(fn, "_ag_handler", None)
        if handler is not None:
            return handler(self, kw)
        self._migrations_fn = _tracking(fn)
        return _orig_run_migrations(self, **kw)

    run_migrations.__doc__ = _orig_run_migrations.__doc__
    migration.MigrationContext.run_migrations = run_migrations


def _tracking(fn):
    def tracked(heads, ctx):
        for step in fn(heads, ctx):
            S.current_step = step
            restore = _with_revision_data(ctx, step)
            try:
                yield step
            finally:
                restore()
        S.current_step = None

    return tracked


# --------------------------------------------------------------------------------------------
# Revision data: the rows a team inserts before a revision's upgrade and right after it
# (pytest-alembic's before_revision_data / at_revision_data), in every walk that upgrades it.


def op_revision_data(req):
    """The rows of [tool.alembic-guard.revision_data] (revision ids resolved by the Node side), and
    those of a Python file's before_revision_data / at_revision_data (keys resolved here)."""
    data = {}
    for rev, entry in (req.get("rows") or {}).items():
        for when in ("before", "at"):
            for row in entry.get(when) or []:
                data.setdefault(rev, {"before": [], "at": []})[when].append(dict(row, source="config"))
    module = req.get("module")
    if module:
        import runpy

        try:
            with _UserCode():
                ns = runpy.run_path(module, run_name="alembic_guard_revision_data")
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            err = describe_failure(e)
            err.update({"kind": "config", "path": module, "line": _frame_line(e, module)})
            return {"ok": False, "error": err}
        unknown = []
        for when, name in (("before", "before_revision_data"), ("at", "at_revision_data")):
            table = ns.get(name) or {}
            if not isinstance(table, dict):
                return {"ok": False, "error": {"kind": "config", "message": "%s in %s must be a dict of revision -> rows" % (name, module), "path": module}}
            for key, value in table.items():
                try:
                    rev = S.script.get_revision(key)
                except Exception:
                    rev = None
                if rev is None:
                    unknown.append("%s[%r]" % (name, key))
                    continue
                items = value if isinstance(value, (list, tuple)) else [value]
                for i, item in enumerate(items):
                    entry = {"source": "module", "path": module, "index": i, "name": name}
                    if callable(item):
                        entry["callable"] = item
                    elif isinstance(item, dict):
                        table_name = item.get("__tablename__") or item.get("table")
                        entry.update({"table": table_name, "values": {k: v for k, v in item.items() if k not in ("__tablename__", "table")}})
                    else:
                        return {"ok": False, "error": {"kind": "config", "path": module, "message": "%s[%r][%d] must be a dict of column values or a callable taking the connection" % (name, key, i)}}
                    data.setdefault(rev.revision, {"before": [], "at": []})[when].append(entry)
        if unknown:
            return {"ok": False, "error": {"kind": "config", "path": module, "message": "%s in %s: no such revision" % (", ".join(unknown), module)}}
    S.revision_data = data
    return {"ok": True, "revisions": sorted(data)}


def _database_key(conn):
    info = getattr(conn, "info", None)
    if isinstance(info, dict) and "alembic_guard_db" in info:
        return info["alembic_guard_db"]
    key = _Raw(conn).run("SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()")
    if isinstance(info, dict):
        info["alembic_guard_db"] = key
    return key


def _insert_revision_data(conn, rev, when):
    """Make the rows for `rev` (`when`: before / at) exist, each in a savepoint: a row (a dict of
    column values) is inserted unless an equal one is there already (an upgrade run again after
    its downgrade finds the rows still in place; one after a downgrade to base does not); a
    callable runs once per database. A row that fails is recorded in S.data_errors (a finding at
    its configuration line), never raised."""
    items = (S.revision_data.get(rev) or {}).get(when) or []
    if not items:
        return []
    import sqlalchemy as sa

    once = (_database_key(conn), rev, when)
    tables = []
    for item in items:
        if "callable" in item and once in S.data_applied:
            continue
        savepoint = conn.begin_nested()
        try:
            if "callable" in item:
                item["callable"](conn)
            else:
                cols = list(item["values"])
                table = ".".join('"%s"' % part.replace('"', '""') for part in item["table"].split("."))
                quoted = ['"%s"' % c.replace('"', '""') for c in cols]
                params = {"p%d" % i: item["values"][c] for i, c in enumerate(cols)}
                where = " AND ".join("%s IS NOT DISTINCT FROM :p%d" % (q, i) for i, q in enumerate(quoted))
                present = cols and conn.execute(sa.text("SELECT 1 FROM %s WHERE %s LIMIT 1" % (table, where)), params).first() is not None
                if not present:
                    if cols:
                        conn.execute(sa.text("INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(quoted), ", ".join(":p%d" % i for i in range(len(cols))))), params)
                    else:
                        conn.execute(sa.text("INSERT INTO %s DEFAULT VALUES" % table))
                    tables.append(item["table"])
            savepoint.commit()
        except Exception as e:
            savepoint.rollback()
            db = _db_details(e)
            S.data_errors.append({
                "revision": rev, "when": when, "source": item.get("source"), "line": item.get("line"), "ref": item.get("ref"),
                "index": item.get("index"), "path": item.get("path"), "name": item.get("name"), "table": item.get("table"),
                "message": (db or {}).get("message") or ("%s: %s" % (type(e).__name__, e)),
            })
    S.data_applied.add(once)
    return tables


def _with_revision_data(ctx, step):
    """For a step of a grouped run (alembic upgrade): the rows go in inside the step, around its
    upgrade(), wherever Alembic's transactions are. Returns what undoes the wrapping."""
    rev = getattr(getattr(step, "revision", None), "revision", None)
    if rev is None or rev not in S.revision_data or not getattr(step, "is_upgrade", False) or getattr(ctx, "as_sql", False):
        return lambda: None
    import functools

    original = step.migration_fn

    @functools.wraps(original)
    def upgrade(*args, **kw):
        _insert_revision_data(ctx.connection, rev, "before")
        result = original(*args, **kw)
        _insert_revision_data(ctx.connection, rev, "at")
        return result

    step.migration_fn = upgrade

    def restore():
        step.migration_fn = original

    return restore


def _take_data_errors():
    errors, S.data_errors = S.data_errors, []
    return errors


def _cmd_opts(config_file, section):
    import argparse

    return argparse.Namespace(
        config=config_file,
        name=section,
        x=None,
        raiseerr=False,
        autogenerate=False,
        sql=False,
        tag=None,
        quiet=False,
    )


def _make_config(req):
    import inspect

    from alembic.config import Config

    ini = req.get("config_file")
    toml = req.get("toml_file")
    section = req.get("section") or "alembic"
    kwargs = {"ini_section": section, "cmd_opts": _cmd_opts(ini, section)}
    params = inspect.signature(Config.__init__).parameters
    if "stdout" in params:
        kwargs["stdout"] = sys.stderr
    if toml and "toml_file" in params:
        kwargs["toml_file"] = toml
    return Config(ini, **kwargs)


def _looks_async(env_py):
    try:
        with open(env_py, "rb") as f:
            tree = ast.parse(f.read(), env_py)
    except Exception:
        return False
    names = {"async_engine_from_config", "create_async_engine", "AsyncEngine", "run_sync"}
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            return True
        if isinstance(node, ast.Name) and node.id in names:
            return True
        if isinstance(node, ast.Attribute) and node.attr in names:
            return True
        if isinstance(node, ast.alias) and node.name.split(".")[-1] in names:
            return True
    return False


def _raises_not_implemented(path):
    """True when downgrade()'s body is `raise NotImplementedError` (after an optional docstring)."""
    if not path or not path.endswith(".py"):
        return False
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except Exception:
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "downgrade":
            body = list(node.body)
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(getattr(body[0], "value", None), ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                body = body[1:]
            if not body or not isinstance(body[0], ast.Raise) or body[0].exc is None:
                return False
            exc = body[0].exc
            if isinstance(exc, ast.Call):
                exc = exc.func
            return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _first_line(module, name):
    fn = getattr(module, name, None)
    code = getattr(fn, "__code__", None)
    return code.co_firstlineno if code is not None else None


def _tuple(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in value if v is not None]
    return [value]


def op_probe(req):
    """Versions, drivers, the config and the script directory: no user code runs here (revision
    files and env.py are not loaded), so the database URL can be in place before any does."""
    info = {
        "protocol": PROTOCOL,
        "python": sys.executable,
        "python_version": "%d.%d.%d" % sys.version_info[:3],
        "cwd": os.getcwd(),
        "drivers": {},
    }
    for name in DRIVERS:
        if _has_module(name):
            info["drivers"][name] = _version_of(name, name + "-binary", name + "2-binary") or "?"
    try:
        alembic, _, _, ScriptDirectory = _alembic()
    except ImportError as e:
        kind = "no-sqlalchemy" if (getattr(e, "name", "") or "").split(".")[0] == "sqlalchemy" else "no-alembic"
        return {"ok": False, "error": {"kind": kind, "message": str(e), "traceback": _tail(e)}, **info}
    import sqlalchemy

    info["sqlalchemy"] = sqlalchemy.__version__
    info["alembic"] = alembic.__version__
    _install_patch()
    try:
        S.cfg = _make_config(req)
        S.script = ScriptDirectory.from_config(S.cfg)
    except BaseException as e:
        S.cfg = None
        return {"ok": False, "error": {"kind": "config", "type": type(e).__name__, "message": str(e),
                                       "traceback": _tail(e)}, **info}
    try:
        configured = S.cfg.get_main_option("sqlalchemy.url")
    except Exception:
        configured = None
    if configured and "://" in configured:
        info["configured_scheme"] = configured.split("://", 1)[0]
    env_py = os.path.join(S.script.dir, "env.py")
    S.env_async = _looks_async(env_py)
    info["env_py"] = env_py
    info["env_async"] = S.env_async
    info["script_location"] = S.script.dir
    return {"ok": True, **info}


def op_hello(req):
    """The revisions, as Alembic loads them (this imports the revision files: user code). Without a
    probe before, it probes first (same request fields) and answers with both."""
    probed = {}
    if S.cfg is None:
        probed = op_probe(req)
        if not probed.get("ok"):
            return probed
    try:
        revisions = list(S.script.walk_revisions())
    except BaseException as e:
        return {**probed, "ok": False, "error": {"kind": "config", "type": type(e).__name__, "message": str(e),
                                                 "traceback": _tail(e)}}
    out = []
    for sc in reversed(revisions):
        module = sc.module
        deps = getattr(sc, "_resolved_dependencies", None)
        if deps is None:
            deps = _tuple(sc.dependencies)
        out.append({
            "revision": sc.revision,
            "down_revisions": _tuple(sc.down_revision),
            "dependencies": list(deps),
            "branch_labels": sorted(sc.branch_labels or ()),
            "path": sc.path,
            "upgrade_line": _first_line(module, "upgrade"),
            "downgrade_line": _first_line(module, "downgrade"),
            "irreversible": _raises_not_implemented(sc.path),
        })
    return {**probed, "ok": True, "revisions": out, "heads": list(S.script.get_heads()), "bases": list(S.script.get_bases())}


def op_configure(req):
    S.url = req["url"]
    S.sync_url = req.get("sync_url") or S.url
    S.url_env = tuple(req.get("url_env") or ())
    S.connection_attribute = req.get("connection_attribute")
    for name in S.url_env:
        os.environ[name] = S.url
    S.cfg.set_main_option("sqlalchemy.url", S.url.replace("%", "%%"))
    return {"ok": True}


class _UserCode:
    """Around every run of env.py: config.attributes["connection"] when asked, and its cleanup."""

    def __enter__(self):
        S.current_step = None
        attrs = S.cfg.attributes
        attrs.pop("connection", None)
        mode = S.connection_attribute
        if mode == "engine":
            from sqlalchemy.pool import NullPool

            if _is_async_url(S.url):
                from sqlalchemy.ext.asyncio import create_async_engine

                engine = create_async_engine(S.url, poolclass=NullPool)
            else:
                from sqlalchemy import create_engine

                engine = create_engine(S.url, poolclass=NullPool)
            attrs["connection"] = engine
            S.attribute_resources.append(engine)
        elif mode == "connection":
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            engine = create_engine(S.sync_url, poolclass=NullPool)
            conn = engine.connect()
            attrs["connection"] = conn
            S.attribute_resources.append(conn)
            S.attribute_resources.append(engine)
        return self

    def __exit__(self, *exc):
        S.cfg.attributes.pop("connection", None)
        while S.attribute_resources:
            res = S.attribute_resources.pop(0)
            try:
                if hasattr(res, "sync_engine"):
                    import asyncio

                    asyncio.run(res.dispose())
                elif hasattr(res, "dispose"):
                    res.dispose()
                else:
                    res.close()
            except Exception:
                pass
        return False


def _is_async_url(url):
    scheme = url.split("://", 1)[0]
    return any(scheme.endswith("+" + d) for d in ASYNC_DRIVERS)


def _run_env(fn, as_sql=False, **opts):
    _, _, EnvironmentContext, _ = _alembic()
    with EnvironmentContext(S.cfg, S.script, fn=fn, as_sql=as_sql, **opts):
        S.script.run_env()


def _timed(fn):
    t0 = time.perf_counter()
    try:
        res = fn()
    finally:
        elapsed = (time.perf_counter() - t0) * 1000.0
    res["ms"] = round(elapsed, 1)
    return res


def op_upgrade(req):
    target = req.get("target") or "heads"
    script = S.script

    def upgrade(rev, context):
        return script._upgrade_revs(target, rev)

    def run():
        try:
            with _UserCode():
                _run_env(upgrade, starting_rev=None, destination_rev=target, tag=None)
        except BaseException as e:
            return {"ok": False, "error": describe_failure(e), "version_table": S.version_table, "dataErrors": _take_data_errors()}
        return {"ok": True, "version_table": S.version_table, "dataErrors": _take_data_errors()}

    return _timed(run)


def op_downgrade(req):
    target = req.get("target") or "base"
    script = S.script

    def downgrade(rev, context):
        return script._downgrade_revs(target, rev)

    def run():
        try:
            with _UserCode():
                _run_env(downgrade, starting_rev=None, destination_rev=target, tag=None)
        except BaseException as e:
            return {"ok": False, "error": describe_failure(e)}
        return {"ok": True}

    return _timed(run)


# --------------------------------------------------------------------------------------------
# Sessions: one env.py run, many steps.


def _commit_open_transaction(ctx):
    """Commit whatever transaction env.py opened around run_migrations(), so each step stands alone."""
    if getattr(ctx, "_transaction", None) is not None:
        try:
            ctx._transaction.commit()
        finally:
            ctx._transaction = None
    conn = ctx.connection
    get = getattr(conn, "get_transaction", None)
    trans = get() if get is not None else None
    if trans is not None and getattr(trans, "is_active", False):
        trans.commit()


def _rollback_open_transaction(ctx):
    if getattr(ctx, "_transaction", None) is not None:
        try:
            ctx._transaction.rollback()
        except Exception:
            pass
        ctx._transaction = None
    conn = ctx.connection
    get = getattr(conn, "get_transaction", None)
    try:
        trans = get() if get is not None else None
        if trans is not None and getattr(trans, "is_active", False):
            trans.rollback()
    except Exception:
        pass


def _fresh_memo(ctx):
    """Each step as if it were its own command: SQLAlchemy remembers in the impl's memo which enum
    types a create/drop sequence already handled, and would skip CREATE TYPE the second time."""
    memo = getattr(ctx.impl, "memo", None)
    if isinstance(memo, dict):
        memo.clear()


def _single_step(revision, up):
    _, migration, _, _ = _alembic()
    script = S.script
    rev = script.get_revision(revision)
    if up:
        return migration.MigrationStep.upgrade_from_script(script.revision_map, rev)
    return migration.MigrationStep.downgrade_from_script(script.revision_map, rev)


class _Raw:
    """alembic-guard's own queries on the migration connection, through a DBAPI cursor of its own
    (no SQLAlchemy events, no statement cache, no session state a driver may reset: psycopg 3 sends
    DEALLOCATE ALL after a ROLLBACK, which would wipe a PREPAREd statement). A failure is an
    OwnError, reported as alembic-guard's, never as env.py's."""

    def __init__(self, conn):
        self.conn = conn

    def dbapi(self):
        c = self.conn.connection
        return getattr(c, "dbapi_connection", None) or getattr(c, "connection", None) or c

    def run(self, sql, fetch=True):
        try:
            cur = self.dbapi().cursor()
            try:
                cur.execute(sql)
                if fetch:
                    row = cur.fetchone()
                    return row[0] if row is not None else None
                return None
            finally:
                cur.close()
        except Exception as e:
            raise OwnError("alembic-guard's own query failed: %s (%s)" % (str(e).strip().split("\n")[0], sql.strip().split("\n")[0][:120])) from e

    def json(self, sql):
        value = self.run(sql)
        if isinstance(value, (bytes, bytearray)):
            value = value.decode("utf-8")
        return json.loads(value) if isinstance(value, str) else value

    def autocommit(self):
        try:
            return bool(getattr(self.dbapi(), "autocommit", False))
        except Exception:
            return False


def _literal(value):
    return "'" + str(value).replace("'", "''") + "'"


def _array_literal(values):
    return "ARRAY[%s]::text[]" % ", ".join(_literal(v) for v in values) if values else "'{}'::text[]"


class _Fingerprint:
    """The schema digest of fingerprint-sql.ts on the migration connection."""

    def __init__(self, raw):
        self.raw = raw
        self.installed = False
        self.incremental = False

    def install(self, install_sql, triggers_sql, ignore_tables):
        for statement in install_sql:
            self.raw.run(statement, fetch=False)
        self.raw.run("UPDATE alembic_guard.settings SET ignore_tables = %s" % _array_literal(ignore_tables), fetch=False)
        superuser = self.raw.run("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user")
        if superuser and triggers_sql:
            for statement in triggers_sql:
                self.raw.run(statement, fetch=False)
            self.incremental = True
        self.installed = True
        return self.raw.run("SELECT alembic_guard.rebuild()")

    def digest(self):
        t0 = time.perf_counter()
        try:
            return self.raw.run("SELECT alembic_guard.sync()")
        finally:
            S.digest_ms += (time.perf_counter() - t0) * 1000.0

    def step_end(self, mark):
        """At the end of a step, in its transaction: (digest, newest user table's oid); with
        `mark`, the relfilenodes the next revision's trace compares with are taken too."""
        t0 = time.perf_counter()
        try:
            value = self.raw.run("SELECT alembic_guard.step_end(%s)" % ("true" if mark else "false"))
        finally:
            S.digest_ms += (time.perf_counter() - t0) * 1000.0
        digest, _, newest = value.partition(" ")
        return digest, newest


class _Tracer:
    """Every statement a revision's upgrade runs, from SQLAlchemy's cursor events on the migration
    engine: its SQL, duration and the innermost frame of the migration file that issued it; after a
    statement that can take a relation lock, this backend's relation locks (diffed against those it
    already held in the transaction) and the relations it rewrote; and when the transaction ended."""

    # statements that take no lock worth seeing (UPDATE and DELETE are looked at: a backfill of a
    # table that existed before is the work a lock taken earlier in the transaction blocks others for)
    LOCK_FREE = ("SELECT", "INSERT", "WITH", "SET", "RESET", "SHOW", "BEGIN", "COMMIT",
                 "ROLLBACK", "SAVEPOINT", "RELEASE", "START", "END", "VALUES", "EXPLAIN", "FETCH", "DECLARE",
                 "CLOSE", "NOTIFY", "LISTEN", "PREPARE", "EXECUTE", "DEALLOCATE", "COPY")

    def __init__(self, engine, raw):
        self.engine = engine
        self.raw = raw
        self.active = False
        self.internal = False
        self.path = None
        self.paths = {}
        self.statements = []
        self.txn = 0
        self.txn_started = None
        self.held = {}
        self.open = []
        self.pending = {}
        self._listeners = []
        from sqlalchemy import event

        for name, fn in (("before_cursor_execute", self._before), ("after_cursor_execute", self._after),
                         ("commit", self._end), ("rollback", self._end)):
            event.listen(engine, name, fn)
            self._listeners.append((name, fn))

    def close(self):
        from sqlalchemy import event

        for name, fn in self._listeners:
            try:
                event.remove(self.engine, name, fn)
            except Exception:
                pass
        self._listeners = []

    def begin_revision(self, path, carried=False):
        """`carried`: the transaction goes on from earlier revisions (env.py owns one around them
        all): the locks it already holds are the baseline, not this revision's."""
        self.path = os.path.normcase(os.path.abspath(path)) if path else None
        self.statements = []
        self.held = {}
        self.open = []
        self.txn = 0
        self.txn_started = time.perf_counter()
        if carried:
            self.internal = True
            try:
                for lock in (self.raw.json("SELECT alembic_guard.after_statement()") or {}).get("locks") or []:
                    self.held[(lock[0], lock[4])] = -1
            finally:
                self.internal = False
        self.active = True

    def end_revision(self):
        self.active = False
        now = time.perf_counter()
        self._release(now)
        out = self.statements
        self.statements = []
        return out

    def _location(self):
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_code.co_filename
            hit = self.paths.get(name)
            if hit is None:
                hit = os.path.normcase(os.path.abspath(name)) == self.path
                self.paths[name] = hit
            if hit:
                return frame.f_lineno, frame.f_code.co_name
            frame = frame.f_back
        return None, None

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if not self.active or self.internal:
            return
        line, function = self._location()
        self.pending[id(cursor)] = (time.perf_counter(), line, function)

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if not self.active or self.internal:
            return
        started = self.pending.pop(id(cursor), None)
        if started is None:
            return
        t0, line, function = started
        now = time.perf_counter()
        text = str(statement).strip()
        head = text.lstrip("(").split(None, 1)[0].upper() if text else ""
        item = {"sql": text if len(text) <= 4000 else text[:4000] + " …", "line": line, "function": function,
                "ms": round((now - t0) * 1000.0, 3), "txn": self.txn, "locks": [], "rewrites": []}
        autocommit = self.raw.autocommit()
        if autocommit:
            item["autocommit"] = True
        index = len(self.statements)
        self.statements.append(item)
        if line is None or autocommit or head in self.LOCK_FREE:
            return
        self.internal = True
        t1 = time.perf_counter()
        try:
            seen = self.raw.json("SELECT alembic_guard.after_statement()")
        finally:
            self.internal = False
            S.trace_ms += (time.perf_counter() - t1) * 1000.0
        names = {}
        for oid, schema, name, kind, mode, granted, preexisting in seen.get("locks") or []:
            names[oid] = (schema, name, kind)
            if (oid, mode) in self.held:
                continue
            self.held[(oid, mode)] = index
            lock = {"relation": name if schema == "public" else "%s.%s" % (schema, name), "kind": kind, "mode": mode,
                    "granted": bool(granted), "preexisting": bool(preexisting)}
            item["locks"].append(lock)
            self.open.append((item, lock, t0))
        for oid in seen.get("rewrites") or []:
            schema, name, kind = names.get(oid, ("?", str(oid), "?"))
            item["rewrites"].append({"relation": name if schema == "public" else "%s.%s" % (schema, name),
                                     "kind": "index" if kind in ("i", "I") else "table"})

    def _release(self, now):
        last = len(self.statements) - 1
        for item, lock, t0 in self.open:
            lock["heldMs"] = round((now - t0) * 1000.0, 3)
            lock["until"] = last
        self.open = []
        self.held = {}

    def _end(self, conn):
        if self.internal:
            return
        self._release(time.perf_counter())
        self.txn += 1


class _Seeder:
    """A few rows in every table that existed before a revision and is empty (parents first), with
    values made from the column types, respecting NOT NULL, defaults, simple CHECKs, uniqueness and
    foreign keys. A table whose rows cannot be made is skipped and listed, never an error."""

    def __init__(self, raw, conn, rows, savepoints):
        self.raw = raw
        self.conn = conn
        self.rows = rows
        self.savepoints = savepoints
        self.seeded = []
        # the newest user table's oid when rows were last looked for: a new table means new work
        self.newest_seen = "unset"

    def _exec(self, sql):
        self.raw.run(sql, fetch=False)

    def seed(self):
        if self.rows <= 0:
            return None
        tables = self.raw.json("SELECT alembic_guard.seed_candidates()") or []
        if not tables:
            return None
        out = {"seeded": [], "skipped": []}
        marks = []
        for t in _parents_first(tables):
            name = t["name"] if t["schema"] == "public" else "%s.%s" % (t["schema"], t["name"])
            if t.get("hasRows"):
                status, count, reason = "has-rows", 0, None
            else:
                count, reason = self._fill(t)
                status = "seeded" if count > 0 else "skipped"
                if count > 0:
                    out["seeded"].append({"table": name, "rows": count})
                    self.seeded.append(t["ident"])
                else:
                    out["skipped"].append({"table": name, "reason": reason})
            marks.append("(%s, %s, %d)" % (int(t["oid"]), _literal(status), count))
        self._exec("INSERT INTO alembic_guard.seeded VALUES %s ON CONFLICT (oid) DO NOTHING" % ", ".join(marks))
        return out

    def _row(self, columns, i, t):
        """Row i's columns and values, or the reason it cannot be made."""
        cols, values = [], []
        for c in columns:
            if c.get("hasDefault") and not c.get("fk"):
                continue
            value = _value_for(c, i, t)
            if value is None:
                if c.get("notNull"):
                    return None, None, "cannot make a value for column %s (%s)" % (c["name"], c["type"])
                continue
            cols.append(_ident(c["name"]))
            values.append(value)
        return cols, values, None

    def _fill(self, t):
        columns = [c for c in t["columns"] if not c.get("generated") and not c.get("identity")]
        # Usually every row goes in with one INSERT; row by row (which says which row and why) only
        # when that fails or the rows differ in their columns.
        rows = [self._row(columns, i, t) for i in range(1, self.rows + 1)]
        first = rows[0][0]
        if all(problem is None and cols == first for cols, _, problem in rows) and first:
            sql = "INSERT INTO %s (%s) VALUES %s" % (t["ident"], ", ".join(first), ", ".join("(%s)" % ", ".join(v) for _, v, _ in rows))
            if self._try(sql)[0]:
                return len(rows), None
        made = 0
        reason = None
        for cols, values, problem in rows:
            if problem is not None:
                reason = problem
                break
            i = made + 1
            sql = "INSERT INTO %s (%s) VALUES (%s)" % (t["ident"], ", ".join(cols), ", ".join(values)) if cols \
                else "INSERT INTO %s DEFAULT VALUES" % t["ident"]
            ok, err = self._try(sql)
            if not ok and err.get("pgcode") == "23514":
                ok, err = self._retry_check(t, columns, i, err)
            if not ok:
                reason = err["message"]
                break
            made += 1
        return made, reason

    def _try(self, sql):
        self._exec("SAVEPOINT alembic_guard_seed")
        try:
            self._exec(sql)
        except OwnError as e:
            self._exec("ROLLBACK TO SAVEPOINT alembic_guard_seed")
            cause = e.__cause__
            code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
            msg = str(cause).strip().split("\n")[0] if cause is not None else str(e)
            return False, {"message": msg, "pgcode": code}
        self._exec("RELEASE SAVEPOINT alembic_guard_seed")
        return True, None

    def _retry_check(self, t, columns, i, err):
        """A CHECK refused the row: try the literals the constraint names for its columns."""
        for check in t.get("checks") or []:
            literals = _sql_literals(check["definition"])
            for lit in literals[:8]:
                cols, values = [], []
                for c in columns:
                    if c.get("hasDefault") and not c.get("fk"):
                        continue
                    value = lit if c["name"] in check["columns"] else _value_for(c, i, t)
                    if value is None:
                        continue
                    cols.append(_ident(c["name"]))
                    values.append(value)
                ok, e2 = self._try("INSERT INTO %s (%s) VALUES (%s)" % (t["ident"], ", ".join(cols), ", ".join(values)))
                if ok:
                    return True, None
        return False, err

    def truncate(self):
        """Remove the rows again (to tell whether a failure came from them); True if there were any."""
        if not self.seeded:
            return False
        existing = self.raw.json("SELECT pg_catalog.json_agg(x) FROM pg_catalog.unnest(%s) AS x WHERE pg_catalog.to_regclass(x) IS NOT NULL"
                                 % _array_literal(self.seeded)) or []
        if not existing:
            return False
        self._exec("TRUNCATE %s CASCADE" % ", ".join(existing))
        self._exec("DELETE FROM alembic_guard.seeded")
        self.seeded = []
        self.newest_seen = "unset"
        return True


def _ident(name):
    return '"%s"' % name.replace('"', '""')


def _parents_first(tables):
    by = {t["oid"]: t for t in tables}
    out, seen = [], set()

    def visit(t, stack):
        if t["oid"] in seen or t["oid"] in stack:
            return
        stack.add(t["oid"])
        for c in t["columns"]:
            fk = c.get("fk")
            if fk and fk["oid"] in by and fk["oid"] != t["oid"]:
                visit(by[fk["oid"]], stack)
        seen.add(t["oid"])
        out.append(t)

    for t in tables:
        visit(t, set())
    return out


def _sql_literals(text):
    """The string and number literals of a constraint's definition, in order (a small scanner)."""
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            j, buf = i + 1, []
            while j < n:
                if text[j] == "'" and j + 1 < n and text[j + 1] == "'":
                    buf.append("'")
                    j += 2
                    continue
                if text[j] == "'":
                    break
                buf.append(text[j])
                j += 1
            out.append(_literal("".join(buf)))
            i = j + 1
        elif ch.isdigit() and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            j = i
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            num = text[i:j]
            out.append(num)
            try:
                out.append(str(int(float(num)) + 1))
            except ValueError:
                pass
            i = j
        else:
            i += 1
    return out


_INT_TYPES = ("smallint", "integer", "bigint", "int2", "int4", "int8", "oid")
_NUM_TYPES = ("numeric", "real", "double precision", "float4", "float8", "money")


def _value_for(c, i, t):
    """A SQL expression for row i (1-based) of column c, or None when none can be made."""
    fk = c.get("fk")
    if fk:
        return "(SELECT %s FROM %s ORDER BY ctid OFFSET %d LIMIT 1)" % (_ident(fk["column"]), fk["ident"], i - 1)
    base = c.get("base") or c["type"]
    kind = c.get("typtype")
    if c.get("labels"):
        labels = c["labels"]
        return _literal(labels[(i - 1) % len(labels)]) + "::" + c["typeIdent"]
    if c.get("array"):
        return "'{}'"
    name = base.split("(")[0].strip()
    if name in _INT_TYPES:
        return str(i)
    if name in _NUM_TYPES:
        return str(i)
    if name in ("text", "character varying", "varchar", "character", "char", "bpchar", "citext", "name"):
        length = c.get("length")
        value = "%s_%d" % (c["name"], i)
        if length is not None and length > 0:
            value = value[-length:] if len(value) > length else value
            if length < len(str(i)) + 1:
                value = str(i)[-length:]
        return _literal(value)
    if name == "boolean":
        return "true" if i % 2 == 1 else "false"
    if name == "uuid":
        return _literal("00000000-0000-4000-8000-%012d" % i)
    if name in ("json", "jsonb"):
        return _literal('{"alembic_guard": %d}' % i)
    if name == "date":
        return _literal("2024-01-%02d" % i)
    if name.startswith("timestamp"):
        return _literal("2024-01-%02d 12:00:00" % i)
    if name.startswith("time"):
        return _literal("12:00:%02d" % i)
    if name == "interval":
        return _literal("%d days" % i)
    if name == "bytea":
        return _literal("\\x%02x" % i)
    if name in ("inet", "cidr"):
        return _literal("10.0.0.%d" % i)
    if name in ("macaddr", "macaddr8"):
        return _literal("08:00:2b:01:02:%02x" % i)
    if name == "tsvector":
        return _literal("w%d" % i)
    if name == "xml":
        return _literal("<r>%d</r>" % i)
    if name in ("point",):
        return _literal("(%d,%d)" % (i, i))
    return None


class _Stepper:
    """Runs single migration steps inside one MigrationContext, each in its own transaction, the
    way MigrationContext.run_migrations() runs each of its steps, without re-reading the version
    table before every step (the heads are tracked here, and re-read after a failure). `inside` is
    called at the end of the step, in its transaction (the fingerprint)."""

    def __init__(self, ctx, kw, savepoints=False):
        self.ctx = ctx
        self.kw = kw
        self.savepoints = savepoints
        self.tracer = None
        self.fingerprint = None
        # the relfilenodes for the next revision's trace were taken at the end of the last step
        self.marked = False
        self.newest_table = None
        self.data_done = False
        self.rerun = False
        self.skip_at = False
        self.rerun_inserted = 0
        self._reset()

    def _reset(self):
        _, migration, _, _ = _alembic()
        ctx = self.ctx
        heads = ctx.get_current_heads()
        if not heads:
            ctx._ensure_version_table()
        self.heads = migration.HeadMaintainer(ctx, heads)
        if not self.savepoints:
            _commit_open_transaction(ctx)

    def _apply(self, step, trace, digest):
        ctx = self.ctx
        if trace:
            if not self.marked:
                self.tracer.internal = True
                try:
                    self.fingerprint.raw.run("SELECT alembic_guard.mark_revision()")
                finally:
                    self.tracer.internal = False
        rev = step.revision.revision if getattr(step, "is_upgrade", False) else None
        if self.rerun:
            # idempotency: the version table back to the parent (a stamp, not a downgrade), the
            # same upgrade again on the schema that already has its change
            self.heads.update_to_step(_single_step(rev, False))
            inserted_before = self._inserted()
        if rev is not None and not self.data_done:
            _insert_revision_data(ctx.connection, rev, "before")
        if trace:
            self.tracer.begin_revision(getattr(step.revision, "path", None), carried=self.savepoints)
        try:
            step.migration_fn(**self.kw)
        finally:
            if trace:
                self.tracer.active = False
        if self.rerun:
            self.rerun_inserted = self._inserted() - inserted_before
        if rev is not None and not self.skip_at:
            _insert_revision_data(ctx.connection, rev, "at")
        self.heads.update_to_step(step)
        for callback in ctx.on_version_apply_callbacks:
            callback(ctx=ctx, step=step.info, heads=set(self.heads.heads), run_args=self.kw)
        if digest:
            if self.tracer is not None:
                self.tracer.internal = True
            try:
                # the relfilenodes for the next revision's trace only after a traced step: a
                # downgrade leaves them unmarked, and the next traced upgrade marks them first
                self.result_digest, self.newest_table = self.fingerprint.step_end(trace)
            finally:
                if self.tracer is not None:
                    self.tracer.internal = False

    def _inserted(self):
        """Rows inserted so far in this transaction into the application's tables."""
        return int(self.fingerprint.raw.run(
            "SELECT COALESCE(sum(n_tup_ins), 0) FROM pg_catalog.pg_stat_xact_user_tables "
            "WHERE schemaname <> 'alembic_guard' AND relname <> 'alembic_version'") or 0)

    def run(self, revision, up, trace=False, digest=False, data_done=False, rerun=False, skip_at=False):
        """`skip_at`: the first upgrade of an upgrade → downgrade → upgrade cycle; the rows for right
        after the revision go in after the last one (a downgrade does not take them away)."""
        t0 = time.perf_counter()
        self.data_done = data_done or rerun
        self.skip_at = skip_at
        self.rerun = rerun
        self.rerun_inserted = 0
        try:
            out = self._run(revision, up, trace, digest)
            errors = _take_data_errors()
            if errors:
                out["dataErrors"] = errors
            return out
        finally:
            S.step_ms += (time.perf_counter() - t0) * 1000.0

    def _run(self, revision, up, trace, digest):
        ctx = self.ctx
        self.result_digest = None
        out = {"ok": True}
        try:
            step = _single_step(revision, up)
            _fresh_memo(ctx)
            ctx.impl.start_migrations()
            S.current_step = step
            if self.savepoints:
                savepoint = ctx.connection.begin_nested()
                try:
                    self._apply(step, trace, digest)
                except BaseException:
                    savepoint.rollback()
                    raise
                savepoint.commit()
            else:
                with ctx.begin_transaction(_per_migration=True):
                    self._apply(step, trace, digest)
                _commit_open_transaction(ctx)
        except BaseException as e:
            err = describe_failure(e)
            S.current_step = None
            self.marked = False
            if not self.savepoints:
                _rollback_open_transaction(ctx)
            if trace:
                out["trace"] = self.tracer.end_revision()
            if isinstance(e, KeyboardInterrupt):
                raise
            try:
                self._reset()
            except BaseException as e2:  # the connection itself is gone
                return {"ok": False, "error": describe_failure(e2)}
            out.update({"ok": False, "error": err})
            return out
        S.current_step = None
        self.marked = bool(digest and trace)
        if trace:
            out["trace"] = self.tracer.end_revision()
        if digest:
            out["digest"] = self.result_digest
        if self.rerun:
            out["inserted"] = self.rerun_inserted
        return out


class _Snapshotter:
    """SNAPSHOT_SQL on the session's own connection, as text (compared here; sent only when two
    differ), through the raw connection: no prepared statement a driver could deallocate."""

    def __init__(self, ctx, sql, savepoints=False):
        self.ctx = ctx
        self.sql = "SELECT (q.snapshot)::text FROM (%s) AS q" % sql.strip().rstrip(";") if sql else None
        self.savepoints = savepoints

    def take(self):
        t0 = time.perf_counter()
        try:
            value = _Raw(self.ctx.connection).run(self.sql)
            if not self.savepoints:
                # the raw cursor's implicit transaction: end it the way SQLAlchemy would
                _Raw(self.ctx.connection).dbapi().commit()
            return value
        finally:
            S.snapshot_ms += (time.perf_counter() - t0) * 1000.0


class _Session:
    """One env.py run online: inside its run_migrations(), the walk's requests until "end"."""

    def __init__(self, ctx, kw, snapshot_sql):
        # env.py owns a transaction around the migrations (engine.begin(), connection.begin()):
        # SQLAlchemy forbids committing it from inside, so each step gets a SAVEPOINT instead.
        # Otherwise the transaction Alembic opened is committed and each step gets its own.
        self.savepoints = bool(getattr(ctx, "_in_external_transaction", False))
        if not self.savepoints:
            _commit_open_transaction(ctx)
            ctx._in_external_transaction = False
            ctx._transaction_per_migration = True
        self.ctx = ctx
        self.stepper = _Stepper(ctx, kw, self.savepoints)
        self.snap = _Snapshotter(ctx, snapshot_sql, self.savepoints)
        self.raw = _Raw(ctx.connection)
        self.fingerprint = _Fingerprint(self.raw)
        self.stepper.fingerprint = self.fingerprint
        self.seeder = None
        self.tracer = None

    def _own(self, fn):
        """Our own statements outside any step, committed (or in a savepoint) like a step."""
        trans = self.ctx.connection.begin_nested() if self.savepoints else None
        try:
            value = fn()
            if trans is not None:
                trans.commit()
            else:
                self.raw.dbapi().commit()
            return value
        except BaseException:
            if trans is not None:
                trans.rollback()
            else:
                try:
                    self.raw.dbapi().rollback()
                except Exception:
                    pass
            raise

    def install(self, req):
        digest = self._own(lambda: self.fingerprint.install(req["install_sql"], req.get("triggers_sql"), req.get("ignore_tables") or []))
        if req.get("trace"):
            engine = getattr(self.ctx.connection, "engine", None)
            self.tracer = _Tracer(engine, self.raw)
            self.stepper.tracer = self.tracer
        rows = int(req.get("rows") or 0)
        if rows > 0:
            self.seeder = _Seeder(self.raw, self.ctx.connection, rows, self.savepoints)
        return {"ok": True, "digest": digest, "incremental": self.fingerprint.incremental, "savepoints": self.savepoints}

    def close(self):
        if self.tracer is not None:
            self.tracer.close()

    def digest(self):
        return self._own(self.fingerprint.digest)

    def walk_up(self, req, rid):
        """Each revision in order, one transaction each: rows into the tables that existed before it,
        then its upgrade (traced), then the digest. A revision whose parent failed is not reached.
        `cycle` revisions get upgrade, downgrade, digest compared, upgrade again right away."""
        failed = set()
        trace = self.tracer is not None and bool(req.get("trace"))
        digest = self.fingerprint.installed
        current = req.get("digest")
        for item in req.get("revisions") or []:
            rev = item["revision"]
            out = {"event": "revision", "revision": rev, "id": rid, "ok": True}
            if any(p in failed for p in item.get("parents") or []):
                failed.add(rev)
                out["notReached"] = True
                send(out)
                continue
            out["before"] = current
            # the team's rows for this revision first: a table that got them gets no generated ones
            data_done = False
            if rev in S.revision_data:
                conn = self.ctx.connection
                trans = conn.begin_nested() if self.savepoints else conn.begin()
                try:
                    _insert_revision_data(conn, rev, "before")
                    trans.commit()
                except BaseException:
                    trans.rollback()
                    raise
                data_done = True
                if self.seeder is not None:
                    self.seeder.newest_seen = "unset"
            newest = self.stepper.newest_table
            if self.seeder is not None and item.get("rows", True) and (newest is None or newest != self.seeder.newest_seen):
                self.seeder.newest_seen = newest
                t0 = time.perf_counter()
                seeded = self._own(self.seeder.seed)
                S.seed_ms += (time.perf_counter() - t0) * 1000.0
                if seeded:
                    out["rows"] = seeded
            up = self.stepper.run(rev, True, trace=trace, digest=digest, data_done=data_done, skip_at=bool(item.get("cycle")))
            if not up["ok"] and up["error"].get("kind") == "step" and self.seeder is not None and self._own(self.seeder.truncate):
                # did the rows make it fail? the same upgrade on the same schema without them
                retry = self.stepper.run(rev, True, trace=trace, digest=digest, data_done=True, skip_at=bool(item.get("cycle")))
                if retry["ok"]:
                    up = dict(retry, withRows=up["error"])
                else:
                    up["withoutRows"] = "failed"
            errors = _take_data_errors()
            if errors:
                up["dataErrors"] = (up.get("dataErrors") or []) + errors
            out["up"] = {k: v for k, v in up.items() if k not in ("trace", "digest")}
            if up.get("trace") is not None:
                out["trace"] = up["trace"]
            if not up["ok"]:
                failed.add(rev)
                send(out)
                continue
            current = up.get("digest", current)
            out["digest"] = current
            if item.get("idempotent"):
                again = self.stepper.run(rev, True, digest=digest, rerun=True)
                out["rerun"] = {"ok": again["ok"], "error": again.get("error"), "same": again.get("digest") == current if again["ok"] else None,
                                "inserted": again.get("inserted", 0)}
                if again["ok"]:
                    current = again.get("digest", current)
            if item.get("cycle"):
                down = self.stepper.run(rev, False, digest=digest)
                out["down"] = {k: v for k, v in down.items() if k != "digest"}
                if down["ok"]:
                    out["same"] = down.get("digest") == out["before"]
                    again = self.stepper.run(rev, True, digest=digest)
                    out["again"] = {k: v for k, v in again.items() if k != "digest"}
                    if again["ok"]:
                        current = again.get("digest", current)
                    else:
                        failed.add(rev)
                # a failed downgrade rolled back: the revision stays applied, as after its upgrade
            send(out)
        return {"ok": True, "digest": current, "profile": _profile()}

    def walk_down(self, req, rid):
        """Each revision in the reverse order, one transaction each: its downgrade, then the digest
        compared with the one recorded before its upgrade. Stops at the first that fails or differs."""
        digest = self.fingerprint.installed
        for item in req.get("revisions") or []:
            rev = item["revision"]
            out = {"event": "revision", "revision": rev, "id": rid, "ok": True}
            down = self.stepper.run(rev, False, digest=digest)
            if not down["ok"] and down["error"].get("kind") == "step" and self.seeder is not None and self._own(self.seeder.truncate):
                retry = self.stepper.run(rev, False, digest=digest)
                if retry["ok"]:
                    down = dict(retry, withRows=down["error"])
                else:
                    down["withoutRows"] = "failed"
            out["down"] = {k: v for k, v in down.items() if k != "digest"}
            if down["ok"]:
                out["same"] = down.get("digest") == item.get("expect")
            send(out)
            if not down["ok"] or not out.get("same", True):
                return {"ok": True, "stopped": rev, "profile": _profile()}
        return {"ok": True, "profile": _profile()}


def _profile():
    """Where the session's time went so far (ms), for --verbose and the benchmarks."""
    out = {k: round(getattr(S, k), 1) for k in ("step_ms", "digest_ms", "trace_ms", "seed_ms", "snapshot_ms")}
    for k in ("step_ms", "digest_ms", "trace_ms", "seed_ms", "snapshot_ms"):
        setattr(S, k, 0.0)
    return out


def _session_handler(session_id, snapshot_sql):
    def handler(ctx, kw):
        session = _Session(ctx, kw, snapshot_sql)
        send({"id": session_id, "ok": True, "event": "ready",
              "version_table": [ctx.version_table, ctx.version_table_schema]})
        try:
            while True:
                req = receive()
                if req is None:
                    raise ProtocolError("stdin closed during a session")
                op = req.get("op")
                rid = req.get("id")
                if op == "end":
                    S.session_end_id = rid
                    S.session_profile = {"snapshot_ms": round(S.snapshot_ms, 1), "step_ms": round(S.step_ms, 1)}
                    return None
                try:
                    if op == "step":
                        resp = _timed(lambda: _session_step(session.stepper, req))
                    elif op == "cycle":
                        resp = _timed(lambda: _session_cycle(session.stepper, session.snap, req))
                    elif op == "install":
                        resp = _timed(lambda: session.install(req))
                    elif op == "digest":
                        resp = _timed(lambda: {"ok": True, "digest": session.digest()})
                    elif op == "snapshot":
                        resp = _timed(lambda: {"ok": True, "snapshot": session.snap.take()})
                    elif op == "walk_up":
                        resp = _timed(lambda: session.walk_up(req, rid))
                    elif op == "walk_down":
                        resp = _timed(lambda: session.walk_down(req, rid))
                    else:
                        resp = {"ok": False, "error": {"kind": "protocol", "message": "unexpected %r inside a session" % op}}
                except (ProtocolError, KeyboardInterrupt):
                    raise
                except BaseException as e:
                    resp = {"ok": False, "error": describe_failure(e)}
                resp["id"] = rid
                send(resp)
        finally:
            session.close()

    return handler


def _session_cycle(stepper, snap, req):
    """One revision: [snapshot], upgrade, downgrade, snapshot and compare, upgrade again."""
    rev = req["revision"]
    test_down = bool(req.get("test_down"))
    out = {"ok": True}
    try:
        pre = snap.take() if test_down and snap.sql else None
    except BaseException as e:
        return {"ok": False, "error": describe_failure(e)}
    up = stepper.run(rev, True, skip_at=test_down)
    out["up"] = up
    if not up["ok"] or not test_down:
        return out
    down = stepper.run(rev, False)
    out["down"] = down
    if not down["ok"]:
        return out
    if snap.sql:
        try:
            post = snap.take()
        except BaseException as e:
            return {"ok": False, "error": describe_failure(e)}
        out["same"] = post == pre
        if post != pre:
            out["pre"] = pre
            out["post"] = post
    out["again"] = stepper.run(rev, True)
    return out


def _session_step(stepper, req):
    try:
        return stepper.run(req["revision"], req.get("direction", "up") == "up")
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        return {"ok": False, "error": {"kind": "protocol", "message": str(e), "traceback": _tail(e)}}


def op_session(req):
    session_id = req.get("id")

    def fn(heads, context):
        return []

    fn._ag_handler = _session_handler(session_id, req.get("snapshot_sql"))
    S.session_end_id = None
    S.snapshot_ms = 0.0
    S.step_ms = 0.0
    try:
        with _UserCode():
            _run_env(fn, starting_rev=None, destination_rev=None, tag=None)
    except ProtocolError:
        raise
    except BaseException as e:
        err = describe_failure(e)
        if S.session_end_id is None:
            # env.py failed before (or while) the session was served: answer the session request.
            return {"ok": False, "error": err, "event": "failed"}
        return {"id": S.session_end_id, "ok": False, "error": err, "event": "ended"}
    if S.session_end_id is None:
        return {"ok": False, "event": "failed", "error": {
            "kind": "env", "message": "env.py did not call context.run_migrations() in online mode",
            "traceback": ""}}
    return {"id": S.session_end_id, "ok": True, "event": "ended", "profile": getattr(S, "session_profile", None)}


# --------------------------------------------------------------------------------------------
# Offline (--sql) rendering, one revision at a time in one env.py run.


def op_offline(req):
    items = req.get("revisions") or []
    results = []

    def handler(ctx, kw):
        wrap = bool(ctx.impl.transactional_ddl) and not ctx._transaction_per_migration
        original_buffer = ctx.impl.output_buffer
        for item in items:
            buf = io.StringIO()
            ctx.impl.output_buffer = buf
            ctx.output_buffer = buf
            parents = item.get("parents") or []
            ctx._start_from_rev = tuple(parents) if parents else None
            t0 = time.perf_counter()
            try:
                step = _single_step(item["revision"], True)

                def fn(heads, context, step=step):
                    return [step]

                ctx._migrations_fn = _tracking(fn)
                S.current_step = None
                _fresh_memo(ctx)
                if wrap:
                    ctx.impl.emit_begin()
                _orig_run_migrations(ctx, **kw)
                if wrap:
                    ctx.impl.emit_commit()
                results.append({"revision": item["revision"], "ok": True, "sql": buf.getvalue(),
                                "ms": round((time.perf_counter() - t0) * 1000.0, 1)})
            except KeyboardInterrupt:
                raise
            except BaseException as e:
                results.append({"revision": item["revision"], "ok": False, "error": describe_failure(e),
                                "sql": buf.getvalue()})
            finally:
                S.current_step = None
        ctx.impl.output_buffer = original_buffer
        ctx.output_buffer = original_buffer
        ctx._start_from_rev = None
        ctx._migrations_fn = lambda heads, context: []
        return None

    def fn(heads, context):
        return []

    fn._ag_handler = handler
    sink = io.StringIO()
    saved = S.cfg.output_buffer
    S.cfg.output_buffer = sink
    t0 = time.perf_counter()
    try:
        _run_env(fn, as_sql=True, starting_rev=None, destination_rev=None, tag=None)
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        return {"ok": False, "error": describe_failure(e), "results": results}
    finally:
        S.cfg.output_buffer = saved
    if len(results) < len(items) and not results:
        return {"ok": False, "results": results, "error": {
            "kind": "env", "message": "env.py did not call context.run_migrations() in offline mode",
            "traceback": ""}}
    return {"ok": True, "results": results, "ms": round((time.perf_counter() - t0) * 1000.0, 1)}


# --------------------------------------------------------------------------------------------
# Model drift, the way `alembic check` judges it.


def _mapped_classes():
    """Table object id -> mapped class, for every declarative registry alive."""
    out = {}
    try:
        from sqlalchemy.orm import mapperlib

        registries = list(getattr(mapperlib, "_mapper_registries", {}))
    except Exception:
        return out
    for reg in registries:
        for mapper in list(getattr(reg, "mappers", ())):
            for table in getattr(mapper, "tables", ()) or ():
                out.setdefault(id(table), mapper)
    return out


def _class_location(mapper, attr_name=None):
    import inspect

    cls = mapper.class_
    try:
        path = inspect.getsourcefile(cls)
        lines, start = inspect.getsourcelines(cls)
    except Exception:
        return None
    loc = {"path": path, "line": start}
    if attr_name:
        try:
            import textwrap

            tree = ast.parse(textwrap.dedent("".join(lines)))
            for node in ast.walk(tree):
                targets = []
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, ast.AnnAssign):
                    targets = [node.target]
                for t in targets:
                    if isinstance(t, ast.Name) and t.id == attr_name:
                        loc["line"] = start + node.lineno - 1
                        return loc
        except Exception:
            pass
    return loc


def _qualified(schema, name):
    return "%s.%s" % (schema, name) if schema else str(name)


def _type_text(t):
    try:
        return str(t)
    except Exception:
        return repr(t)


def _constraint_text(c):
    kind = type(c).__name__
    name = getattr(c, "name", None)
    table = getattr(getattr(c, "table", None), "name", None)
    cols = []
    try:
        cols = [col.name for col in c.columns]
    except Exception:
        try:
            cols = [str(e) for e in c.expressions]
        except Exception:
            pass
    label = {
        "UniqueConstraint": "unique constraint",
        "ForeignKeyConstraint": "foreign key",
        "CheckConstraint": "check constraint",
        "PrimaryKeyConstraint": "primary key",
        "Index": "index",
    }.get(kind, kind)
    where = "%s(%s)" % (table, ", ".join(cols)) if table else "(%s)" % ", ".join(cols)
    if name:
        return "%s %s on %s" % (label, name, where)
    return "%s on %s" % (label, where)


def _describe_diff(diff, mapped):
    """One autogenerate difference -> {message, path?, line?, table?}."""
    item = {"raw": repr(diff)}
    if isinstance(diff, list):
        # modify_* entries for one column come as a list of tuples
        msgs = [_describe_diff(d, mapped) for d in diff]
        first = msgs[0] if msgs else {}
        first = dict(first)
        first["message"] = "; ".join(m["message"] for m in msgs)
        first["raw"] = repr(diff)
        return first
    kind = diff[0]
    model_obj = None
    attr = None
    if kind == "add_table":
        t = diff[1]
        item["message"] = "table %s is in the models but no migration creates it" % _qualified(t.schema, t.name)
        model_obj = t
    elif kind == "remove_table":
        t = diff[1]
        item["message"] = "table %s is in the database but not in the models" % _qualified(t.schema, t.name)
    elif kind == "add_column":
        schema, tname, col = diff[1], diff[2], diff[3]
        item["message"] = "column %s.%s (%s) is in the models but no migration creates it" % (
            _qualified(schema, tname), col.name, _type_text(col.type))
        model_obj = col.table
        attr = col
    elif kind == "remove_column":
        schema, tname, col = diff[1], diff[2], diff[3]
        item["message"] = "column %s.%s is in the database but not in the models" % (_qualified(schema, tname), col.name)
    elif kind in ("modify_type", "modify_nullable", "modify_default", "modify_comment"):
        schema, tname, cname, existing, old, new = diff[1:7]
        col_name = "%s.%s" % (_qualified(schema, tname), cname)
        if kind == "modify_type":
            item["message"] = "column %s is %s in the database but %s in the models" % (
                col_name, _type_text(old), _type_text(new))
        elif kind == "modify_nullable":
            word = lambda v: "nullable" if v else "NOT NULL"  # noqa: E731
            item["message"] = "column %s is %s in the database but %s in the models" % (col_name, word(old), word(new))
        elif kind == "modify_default":
            item["message"] = "column %s has default %s in the database but %s in the models" % (
                col_name, _default_text(old), _default_text(new))
        else:
            item["message"] = "column %s has comment %r in the database but %r in the models" % (col_name, old, new)
        item["table"] = _qualified(schema, tname)
        item["column"] = cname
    elif kind in ("add_index", "add_constraint", "add_fk"):
        c = diff[1]
        item["message"] = "%s is in the models but not in the database" % _constraint_text(c)
        model_obj = getattr(c, "table", None)
    elif kind in ("remove_index", "remove_constraint", "remove_fk"):
        c = diff[1]
        item["message"] = "%s is in the database but not in the models" % _constraint_text(c)
    elif kind in ("add_table_comment", "remove_table_comment"):
        t = diff[1]
        item["message"] = "the comment of table %s differs between the models and the database" % _qualified(t.schema, t.name)
        model_obj = t
    else:
        item["message"] = "%s: %s" % (kind, ", ".join(str(x) for x in diff[1:]))
    if model_obj is not None:
        mapper = mapped.get(id(model_obj))
        if mapper is not None:
            attr_name = None
            if attr is not None:
                try:
                    prop = mapper.get_property_by_column(attr)
                    attr_name = prop.key
                except Exception:
                    attr_name = getattr(attr, "key", None) or attr.name
            loc = _class_location(mapper, attr_name)
            if loc:
                item.update(loc)
    return item


def _default_text(v):
    if v is None:
        return "none"
    arg = getattr(v, "arg", None)
    if arg is not None:
        text = getattr(arg, "text", None)
        return text if text is not None else str(arg)
    return str(v)


def op_drift(req):
    from alembic import autogenerate as autogen

    command_args = dict(
        message=None,
        autogenerate=True,
        sql=False,
        head="head",
        splice=False,
        branch_label=None,
        version_path=None,
        rev_id=None,
        depends_on=None,
    )
    revision_context = autogen.RevisionContext(S.cfg, S.script, command_args)

    def retrieve_migrations(rev, context):
        S.drift_configured = True
        revision_context.run_autogenerate(rev, context)
        return []

    def run():
        S.drift_configured = False
        try:
            with _UserCode():
                _run_env(retrieve_migrations, template_args=revision_context.template_args,
                         revision_context=revision_context)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            msg = str(e)
            if "does not provide a MetaData object" in msg:
                return {"ok": True, "skipped": "env.py sets target_metadata = None, so there are no models to compare"}
            return {"ok": False, "error": describe_failure(e)}
        if not revision_context.generated_revisions:
            return {"ok": True, "skipped": "env.py did not call context.run_migrations() in online mode"}
        migration_script = revision_context.generated_revisions[-1]
        diffs = []
        for upgrade_ops in migration_script.upgrade_ops_list:
            diffs.extend(upgrade_ops.as_diffs())
        mapped = _mapped_classes()
        described = []
        for d in diffs:
            try:
                described.append(_describe_diff(d, mapped))
            except Exception as e:  # never lose a difference because it could not be worded
                described.append({"message": repr(d), "raw": repr(d), "describe_error": str(e)})
        return {"ok": True, "differences": described}

    return _timed(run)


def op_initial_schema(req):
    """initial_schema = "module:function": called with a connection to the scratch database (in a
    transaction, committed) before the first revision, for projects whose first tables come from
    metadata.create_all() or another tool."""
    import importlib

    spec = req.get("call") or ""
    module_name, _, func_name = spec.partition(":")
    if not module_name or not func_name:
        return {"ok": False, "error": {"kind": "config", "message": "initial_schema must be \"module:function\", not %r" % spec}}
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = None
    try:
        with _UserCode():
            fn = getattr(importlib.import_module(module_name), func_name)
            engine = create_engine(S.sync_url, poolclass=NullPool)
            with engine.begin() as conn:
                fn(conn)
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        return {"ok": False, "error": describe_failure(e)}
    finally:
        if engine is not None:
            engine.dispose()
    return {"ok": True}


# --------------------------------------------------------------------------------------------
# Model registration: the models a module env.py never imports are invisible to autogenerate.


def _excluded(name, patterns):
    import fnmatch

    parts = name.split(".")
    if any(p in ("tests", "test", "migrations", "alembic", "versions", "conftest") or p.startswith("test_") or p.endswith("_test") for p in parts):
        return True
    return any(name == p or name.startswith(p + ".") or fnmatch.fnmatchcase(name, p) for p in patterns)


def op_models(req):
    """Every module of the application's packages imported after env.py gave its target_metadata:
    the tables that only then appear on it belong to models env.py never imports."""
    import importlib
    import pkgutil

    captured = {}

    def fn(rev, context):
        captured["metadata"] = context.opts.get("target_metadata")
        return []

    def run():
        try:
            with _UserCode():
                _run_env(fn)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            return {"ok": False, "error": describe_failure(e)}
        if "metadata" not in captured:
            return {"ok": True, "skipped": "env.py did not call context.run_migrations() in online mode"}
        md = captured["metadata"]
        if md is None:
            return {"ok": True, "skipped": "env.py sets target_metadata = None, so there are no models to register"}
        metas = list(md) if isinstance(md, (list, tuple)) else [md]
        before = {id(m): set(m.tables.keys()) for m in metas}
        exclude = req.get("exclude") or []
        imported, failed = [], []

        def load(name):
            if name in sys.modules:
                imported.append(name)
                return sys.modules[name]
            try:
                with _UserCode():
                    mod = importlib.import_module(name)
            except BaseException as e:
                if isinstance(e, KeyboardInterrupt):
                    raise
                failed.append({"module": name, "error": "%s: %s" % (type(e).__name__, str(e).strip().split("\n")[0][:200])})
                return None
            imported.append(name)
            return mod

        for top in req.get("packages") or []:
            if _excluded(top, exclude):
                continue
            mod = load(top)
            path = getattr(mod, "__path__", None) if mod is not None else None
            if path is None:
                continue
            for info in pkgutil.walk_packages(path, top + ".", onerror=lambda name: failed.append({"module": name, "error": "the package could not be imported"})):
                if not _excluded(info.name, exclude):
                    load(info.name)
        mapped = _mapped_classes()
        found = []
        for m in metas:
            for key in sorted(set(m.tables.keys()) - before[id(m)]):
                table = m.tables[key]
                item = {"table": key}
                mapper = mapped.get(id(table))
                if mapper is not None:
                    cls = mapper.class_
                    item.update({"class": cls.__name__, "module": cls.__module__})
                    loc = _class_location(mapper)
                    if loc:
                        item.update(loc)
                else:
                    item["module"] = _table_module(table)
                found.append(item)
        return {"ok": True, "unregistered": found, "imported": len(imported), "failed": failed}

    return _timed(run)


def _table_module(table):
    """The module a Core Table was defined in, when it is a module-level name somewhere."""
    for name, mod in list(sys.modules.items()):
        try:
            if any(v is table for v in vars(mod).values()):
                return name
        except Exception:
            continue
    return None


# --------------------------------------------------------------------------------------------

def op_merge(req):
    """`alembic merge`: command.merge with the project's own template, file_template and hooks."""
    from alembic import command

    try:
        script = command.merge(S.cfg, req.get("revisions") or "heads", message=req.get("message"),
                               branch_label=req.get("branch_label"), rev_id=req.get("rev_id"))
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        return {"ok": False, "error": {"kind": "config", "type": type(e).__name__, "message": str(e),
                                       "traceback": _tail(e)}}
    if script is None:
        return {"ok": False, "error": {"kind": "config", "message": "alembic merge wrote no revision"}}
    return {"ok": True, "revision": script.revision, "path": script.path,
            "down_revisions": list(_tuple(script.down_revision))}


def op_fork(req):
    """A second helper: this process forked after its probe (Alembic and SQLAlchemy imported, no
    user code run, no connection open), the child talking JSON lines over descriptor 3 (a socket
    the Node side keeps for it). The child answers with a "forked" event on its own channel; this
    process answers the request with the child's pid."""
    global _proto_in, _proto_out
    if not hasattr(os, "fork"):
        return {"ok": False, "error": {"kind": "protocol", "message": "this platform cannot fork"}}
    try:
        os.fstat(3)
    except OSError:
        return {"ok": False, "error": {"kind": "protocol", "message": "no channel for a second helper (descriptor 3)"}}
    if S.url is not None:
        return {"ok": False, "error": {"kind": "protocol", "message": "fork before configure"}}
    sys.stderr.flush()
    _proto_out.flush()
    pid = os.fork()
    if pid == 0:
        old = (_proto_in, _proto_out)
        _proto_in = os.fdopen(3, "r", encoding="utf-8", newline="\n")
        _proto_out = os.fdopen(os.dup(3), "w", encoding="utf-8", newline="\n")
        for f in old:
            try:
                f.close()
            except (OSError, ValueError):
                pass
        send({"id": None, "ok": True, "event": "forked", "pid": os.getpid()})
        return None
    os.close(3)
    return {"ok": True, "pid": pid}


# ---- deploy: migrate and doctor ----
# `alembic-guard migrate` and `alembic-guard doctor` (src/deploy/). Nothing above this line is
# changed for them; they use the helper's own plumbing (_run_env, _UserCode, describe_failure, the
# _ag_handler hook of run_migrations).
#
#   deploy_migrate  the production upgrade, in one run of env.py online, as a conversation: it
#                   answers "connected" (the URL env.py connects to, the version table, the heads,
#                   the server version, where lock_timeout/statement_timeout come from) and waits for
#                   {"op": "locked"} (alembic-guard holds the migration lock) or {"op": "stop"}; then
#                   "plan" (the heads and steps under the lock) and waits for {"op": "go"} or "stop";
#                   then each pending revision of `alembic upgrade <target>` in its own transaction
#                   (a SAVEPOINT each when env.py owns the transaction) with lock_timeout (and
#                   statement_timeout) unless env.py or the database sets its own, retried with
#                   backoff on a lock timeout: events "step", "retry", "applied", "failed"; "done" is
#                   the final answer. Nothing is written before "locked".

DEPLOY_APPLICATION = "alembic-guard migrate"
LOCK_NOT_AVAILABLE = "55P03"
_deploy_watch_started = False


def _deploy_watch_parent():
    """When alembic-guard is gone (killed: its end of our stdin is closed), exit at once, without
    cleanup: the server closes our connections, rolls back the revision in progress and releases
    the migration lock, and the next run continues from the last revision that committed."""
    global _deploy_watch_started
    if _deploy_watch_started:
        return
    _deploy_watch_started = True
    import select
    import threading

    fd = _proto_in.fileno()

    def watch():
        poller = select.poll()
        poller.register(fd, 0)  # POLLHUP and POLLERR are always reported
        while True:
            for _, event in poller.poll(250):
                if event & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
                    os._exit(137)

    threading.Thread(target=watch, name="alembic-guard-parent-watch", daemon=True).start()


def _deploy_settings(conn):
    rows = conn.exec_driver_sql(
        "SELECT name, setting, source FROM pg_catalog.pg_settings WHERE name IN "
        "('lock_timeout', 'statement_timeout', 'synchronous_commit', 'server_version_num')").fetchall()
    return {r[0]: {"setting": r[1], "source": r[2]} for r in rows}


def _deploy_set_by_someone(setting):
    """True when env.py, the connection options, the role, the database or the server config set it."""
    return setting is not None and setting.get("source") not in (None, "default")


def _deploy_url(conn):
    url = conn.engine.url
    try:
        return url.render_as_string(hide_password=False)
    except AttributeError:  # SQLAlchemy < 1.4
        return str(url)


def _deploy_has_version_table(ctx):
    from sqlalchemy import inspect as sa_inspect

    return bool(sa_inspect(ctx.connection).has_table(ctx.version_table, schema=ctx.version_table_schema))


_DEPLOY_USER_TABLES = """
SELECT n.nspname || '.' || c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1 LIMIT 21"""


def _deploy_context(ctx):
    conn = ctx.connection
    settings = _deploy_settings(conn)
    version_table = "%s.%s" % (ctx.version_table_schema or "public", ctx.version_table)
    tables = [r[0] for r in conn.exec_driver_sql(_DEPLOY_USER_TABLES).fetchall() if r[0] != version_table]
    return {
        "url": _deploy_url(conn),
        "dialect": conn.dialect.name,
        "version_table": ctx.version_table,
        "version_table_schema": ctx.version_table_schema,
        "has_version_table": _deploy_has_version_table(ctx),
        "heads": list(ctx.get_current_heads()),
        "user_tables": tables[:20],
        "server_version_num": int(settings.get("server_version_num", {}).get("setting") or 0),
        "settings": settings,
        "env_owns_transaction": bool(getattr(ctx, "_in_external_transaction", False)),
        "transaction_per_migration": bool(getattr(ctx, "_transaction_per_migration", False)),
    }


class _DeployStep:
    """One revision of the upgrade, each attempt in its own transaction (or SAVEPOINT): the walk's
    _Stepper (heads kept across steps, read again after a failure), with the deploy's settings set
    on the connection before each attempt."""

    def __init__(self, ctx, kw, savepoints, lock_timeout_ms, statement_timeout_ms, async_commits):
        self.ctx = ctx
        self.kw = kw
        self.savepoints = savepoints
        self.lock_timeout_ms = lock_timeout_ms
        self.statement_timeout_ms = statement_timeout_ms
        self.async_commits = async_commits
        self.stepper = None

    def attempt(self, step, last):
        import logging

        conn = self.ctx.connection
        settings = []
        if self.async_commits:
            # Each revision commits without waiting for its WAL flush, the last one waits: once
            # it has committed, so are the ones before (the WAL is written in order).
            settings.append(("synchronous_commit", "on" if last else "off"))
        if self.lock_timeout_ms is not None:
            settings.append(("lock_timeout", str(int(self.lock_timeout_ms))))
        if self.statement_timeout_ms is not None:
            settings.append(("statement_timeout", str(int(self.statement_timeout_ms))))
        try:
            if settings:
                # one statement (set_config, session-wide: SET), however many settings
                conn.exec_driver_sql("SELECT " + ", ".join("pg_catalog.set_config('%s', '%s', false)" % kv for kv in settings))
            if self.stepper is None:
                self.stepper = _Stepper(self.ctx, self.kw, self.savepoints)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            if not self.savepoints:
                _rollback_open_transaction(self.ctx)
            return describe_failure(e)
        logging.getLogger("alembic.runtime.migration").info("Running %s", step)
        result = self.stepper.run(step.revision.revision, True)
        return None if result["ok"] else result["error"]


def op_deploy_migrate(req):
    import random

    rid = req.get("id")
    target = req.get("target") or "heads"
    retries = int(req.get("retries", 3))
    backoff_ms = float(req.get("backoff_ms", 1000))
    outcome = {"applied": [], "failed": None, "stopped": False}
    _deploy_watch_parent()

    def answer(expected, before):
        """Wait for alembic-guard: True to go on, False when it says "stop"."""
        msg = receive()
        if msg is None:
            raise ProtocolError("stdin closed before %s" % before)
        if msg.get("op") != expected:
            outcome["stopped"] = True
            return False
        return True

    def handler(ctx, kw):
        conn = ctx.connection
        if conn is None:
            raise RuntimeError("env.py configured no connection in online mode")
        if conn.dialect.name != "postgresql":
            send({"id": rid, "ok": True, "event": "connected", "dialect": conn.dialect.name, "url": _deploy_url(conn)})
            answer("locked", "the migration lock was taken")
            return None
        savepoints = bool(getattr(ctx, "_in_external_transaction", False))
        info = _deploy_context(ctx)
        settings = info["settings"]
        # Ours only where nobody else set one: env.py (SET, connect options), the role, the database.
        lock_ms = req.get("lock_timeout_ms")
        if lock_ms is not None and _deploy_set_by_someone(settings.get("lock_timeout")):
            lock_ms = None
        statement_ms = req.get("statement_timeout_ms")
        if statement_ms is not None and _deploy_set_by_someone(settings.get("statement_timeout")):
            statement_ms = None
        async_commits = not savepoints and not _deploy_set_by_someone(settings.get("synchronous_commit"))
        conn.exec_driver_sql("SET application_name = '%s'" % DEPLOY_APPLICATION)
        if info["server_version_num"] >= 140000:
            # a killed run's statement stops within a second instead of running to its end
            conn.exec_driver_sql("SET client_connection_check_interval = 1000")
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        if not savepoints:
            _commit_open_transaction(ctx)
        send({"id": rid, "ok": True, "event": "connected", "pid": pid, **info})
        if not answer("locked", "the migration lock was taken"):
            return None
        info = _deploy_context(ctx)
        heads = tuple(info["heads"])
        steps = list(S.script._upgrade_revs(target, heads))
        if not savepoints:
            _commit_open_transaction(ctx)
            ctx._transaction_per_migration = True
        info.pop("url", None)
        send({"id": rid, "ok": True, "event": "plan", "pid": pid, "steps": [s.revision.revision for s in steps],
              "lock_timeout_ms": lock_ms, "statement_timeout_ms": statement_ms, "savepoints": savepoints, **info})
        if not answer("go", "the migration started"):
            return None
        runner = _DeployStep(ctx, kw, savepoints, lock_ms, statement_ms, async_commits)
        for index, step in enumerate(steps):
            rev = step.revision.revision
            attempt = 0
            started = time.perf_counter()
            while True:
                attempt += 1
                send({"id": rid, "ok": True, "event": "step", "revision": rev, "attempt": attempt})
                t0 = time.perf_counter()
                err = runner.attempt(step, index == len(steps) - 1)
                ms = round((time.perf_counter() - t0) * 1000.0, 1)
                if err is None:
                    item = {"revision": rev, "ms": ms, "total_ms": round((time.perf_counter() - started) * 1000.0, 1),
                            "attempts": attempt}
                    outcome["applied"].append(item)
                    send({"id": rid, "ok": True, "event": "applied", **item})
                    break
                if err.get("pgcode") == LOCK_NOT_AVAILABLE and attempt <= retries:
                    delay = backoff_ms * (2 ** (attempt - 1)) * random.uniform(0.8, 1.2) / 1000.0
                    send({"id": rid, "ok": True, "event": "retry", "revision": rev, "attempt": attempt, "ms": ms,
                          "delay_ms": round(delay * 1000.0), "error": err})
                    time.sleep(delay)
                    continue
                outcome["failed"] = {"revision": rev, "attempts": attempt, "ms": ms, "error": err}
                send({"id": rid, "ok": True, "event": "failed", **outcome["failed"]})
                break
            if outcome["failed"] is not None:
                break
        try:
            outcome["heads"] = list(ctx.get_current_heads())
        finally:
            if not savepoints:
                _commit_open_transaction(ctx)
        return None

    def fn(heads, context):
        return []

    fn._ag_handler = handler
    try:
        with _UserCode():
            _run_env(fn, starting_rev=None, destination_rev=target, tag=None)
    except ProtocolError:
        raise
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        return {"ok": False, "event": "done", "error": describe_failure(e), **outcome}
    return {"ok": outcome["failed"] is None, "event": "done", **outcome}


OPS = {
    "probe": op_probe,
    "fork": op_fork,
    "revision_data": op_revision_data,
    "models": op_models,
    "initial_schema": op_initial_schema,
    "hello": op_hello,
    "configure": op_configure,
    "upgrade": op_upgrade,
    "downgrade": op_downgrade,
    "session": op_session,
    "drift": op_drift,
    "offline": op_offline,
    "merge": op_merge,
    "deploy_migrate": op_deploy_migrate,
}


def main():
    while True:
        try:
            req = receive()
        except ValueError as e:
            send({"id": None, "ok": False, "error": {"kind": "protocol", "message": "bad request: %s" % e}})
            continue
        if req is None:
            return 0
        rid = req.get("id")
        op = OPS.get(req.get("op"))
        if op is None:
            send({"id": rid, "ok": False, "error": {"kind": "protocol", "message": "unknown op %r" % req.get("op")}})
            continue
        if req.get("op") not in ("probe", "hello") and S.cfg is None:
            send({"id": rid, "ok": False, "error": {"kind": "protocol", "message": "probe (or hello) first"}})
            continue
        try:
            resp = op(req)
            if resp is None:  # the forked child: it answered on its own channel
                continue
        except ProtocolError as e:
            sys.stderr.write("alembic-guard helper: %s\n" % e)
            return 3
        except KeyboardInterrupt:
            return 130
        except BaseException as e:  # a bug in the helper itself
            resp = {"ok": False, "error": {"kind": "internal", "type": type(e).__name__, "message": str(e),
                                           "traceback": _tail(e, 30)}}
        if "id" not in resp or resp.get("id") is None:
            resp["id"] = rid
        send(resp)


def _exit_now(code):
    """Leave without the interpreter's teardown (about 200 ms of freeing SQLAlchemy's and Alembic's
    modules, twice with a second helper): what must outlive us is flushed first (the protocol,
    stderr, the user's logging handlers). Open connections close with the process; the server ends
    their backends (any open transaction is rolled back)."""
    try:
        import logging

        logging.shutdown()
    except BaseException:
        pass
    for f in (_proto_out, sys.stdout, sys.stderr):
        try:
            f.flush()
        except BaseException:
            pass
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
