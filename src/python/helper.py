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
            yield step
        S.current_step = None

    return tracked


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
            return {"ok": False, "error": describe_failure(e), "version_table": S.version_table}
        return {"ok": True, "version_table": S.version_table}

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


def _session_handler(session_id, snapshot_sql):
    def handler(ctx, kw):
        # env.py owns a transaction around the migrations (engine.begin(), connection.begin()):
        # SQLAlchemy forbids committing it from inside, so each step gets a SAVEPOINT instead.
        # Otherwise the transaction Alembic opened is committed and each step gets its own.
        savepoints = bool(getattr(ctx, "_in_external_transaction", False))
        if not savepoints:
            _commit_open_transaction(ctx)
            ctx._in_external_transaction = False
            ctx._transaction_per_migration = True
        stepper = _Stepper(ctx, kw, savepoints)
        snap = _Snapshotter(ctx, snapshot_sql, savepoints)
        send({"id": session_id, "ok": True, "event": "ready",
              "version_table": [ctx.version_table, ctx.version_table_schema]})
        while True:
            req = receive()
            if req is None:
                raise ProtocolError("stdin closed during a session")
            op = req.get("op")
            if op == "end":
                S.session_end_id = req.get("id")
                S.session_profile = {"snapshot_ms": round(S.snapshot_ms, 1), "step_ms": round(S.step_ms, 1)}
                return None
            if op == "step":
                resp = _timed(lambda: _session_step(stepper, req))
            elif op == "cycle":
                resp = _timed(lambda: _session_cycle(stepper, snap, req))
            else:
                resp = {"ok": False, "error": {"kind": "protocol", "message": "unexpected %r inside a session" % op}}
            resp["id"] = req.get("id")
            send(resp)

    return handler


class _Stepper:
    """Runs single migration steps inside one MigrationContext, each in its own transaction, the
    way MigrationContext.run_migrations() runs each of its steps, without re-reading the version
    table before every step (the heads are tracked here, and re-read after a failure)."""

    def __init__(self, ctx, kw, savepoints=False):
        self.ctx = ctx
        self.kw = kw
        self.savepoints = savepoints
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

    def _apply(self, step):
        ctx = self.ctx
        step.migration_fn(**self.kw)
        self.heads.update_to_step(step)
        for callback in ctx.on_version_apply_callbacks:
            callback(ctx=ctx, step=step.info, heads=set(self.heads.heads), run_args=self.kw)

    def run(self, revision, up):
        t0 = time.perf_counter()
        try:
            return self._run(revision, up)
        finally:
            S.step_ms += (time.perf_counter() - t0) * 1000.0

    def _run(self, revision, up):
        ctx = self.ctx
        try:
            step = _single_step(revision, up)
            _fresh_memo(ctx)
            ctx.impl.start_migrations()
            S.current_step = step
            if self.savepoints:
                savepoint = ctx.connection.begin_nested()
                try:
                    self._apply(step)
                except BaseException:
                    savepoint.rollback()
                    raise
                savepoint.commit()
            else:
                with ctx.begin_transaction(_per_migration=True):
                    self._apply(step)
                _commit_open_transaction(ctx)
        except BaseException as e:
            err = describe_failure(e)
            S.current_step = None
            if not self.savepoints:
                _rollback_open_transaction(ctx)
            if isinstance(e, KeyboardInterrupt):
                raise
            try:
                self._reset()
            except BaseException as e2:  # the connection itself is gone
                return {"ok": False, "error": describe_failure(e2)}
            return {"ok": False, "error": err}
        S.current_step = None
        return {"ok": True}


class _Snapshotter:
    """SNAPSHOT_SQL on the session's own connection, as text (compared here; sent only when two
    differ). Prepared once, with a generic plan: planning the big catalog query costs more than
    running it on a small schema."""

    def __init__(self, ctx, sql, savepoints=False):
        self.ctx = ctx
        self.sql = sql
        self.savepoints = savepoints
        self.prepared = False

    def take(self):
        t0 = time.perf_counter()
        try:
            return self._take()
        finally:
            S.snapshot_ms += (time.perf_counter() - t0) * 1000.0

    def _take(self):
        conn = self.ctx.connection
        if not self.prepared:
            conn.exec_driver_sql("SELECT pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', false)")
            conn.exec_driver_sql(
                "PREPARE alembic_guard_snapshot_text AS SELECT (q.snapshot)::text FROM (%s) AS q" % self.sql.strip().rstrip(";"))
            self.prepared = True
        value = conn.exec_driver_sql("EXECUTE alembic_guard_snapshot_text").scalar()
        if not self.savepoints:
            _commit_open_transaction(self.ctx)
        return value


def _session_cycle(stepper, snap, req):
    """One revision: [snapshot], upgrade, downgrade, snapshot and compare, upgrade again."""
    rev = req["revision"]
    test_down = bool(req.get("test_down"))
    out = {"ok": True}
    try:
        pre = snap.take() if test_down and snap.sql else None
    except BaseException as e:
        return {"ok": False, "error": describe_failure(e)}
    up = stepper.run(rev, True)
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
    """One revision of the upgrade, each attempt in its own transaction (or SAVEPOINT)."""

    def __init__(self, ctx, kw, savepoints, lock_timeout_ms, statement_timeout_ms, async_commits):
        self.ctx = ctx
        self.kw = kw
        self.savepoints = savepoints
        self.lock_timeout_ms = lock_timeout_ms
        self.statement_timeout_ms = statement_timeout_ms
        self.async_commits = async_commits
        self.heads = None

    def _apply(self, step):
        """What MigrationContext.run_migrations does for one step, with the heads kept across steps
        (read again only after a failure) instead of read from the version table before each."""
        import logging

        _, migration, _, _ = _alembic()
        ctx = self.ctx
        _fresh_memo(ctx)
        if self.heads is None:
            ctx.impl.start_migrations()
            heads = ctx.get_current_heads()
            if not heads:
                ctx._ensure_version_table()
            self.heads = migration.HeadMaintainer(ctx, heads)
        S.current_step = step
        try:
            with ctx.begin_transaction(_per_migration=True):
                logging.getLogger("alembic.runtime.migration").info("Running %s", step)
                step.migration_fn(**self.kw)
                self.heads.update_to_step(step)
                for callback in ctx.on_version_apply_callbacks:
                    callback(ctx=ctx, step=step.info, heads=set(self.heads.heads), run_args=self.kw)
        except BaseException:
            self.heads = None
            raise
        S.current_step = None

    def attempt(self, step, last):
        ctx = self.ctx
        conn = ctx.connection
        savepoint = None
        try:
            settings = []
            if self.async_commits:
                # Each revision commits without waiting for its WAL flush, the last one waits: once
                # it has committed, so are the ones before (the WAL is written in order).
                settings.append(("synchronous_commit", "on" if last else "off"))
            if self.lock_timeout_ms is not None:
                settings.append(("lock_timeout", str(int(self.lock_timeout_ms))))
            if self.statement_timeout_ms is not None:
                settings.append(("statement_timeout", str(int(self.statement_timeout_ms))))
            if settings:
                # one statement (set_config, session-wide: SET), however many settings
                conn.exec_driver_sql("SELECT " + ", ".join("pg_catalog.set_config('%s', '%s', false)" % kv for kv in settings))
            if self.savepoints:
                savepoint = conn.begin_nested()
            self._apply(step)
            if savepoint is not None:
                savepoint.commit()
            else:
                _commit_open_transaction(ctx)
            return None
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            err = describe_failure(e)
            S.current_step = None
            if savepoint is not None:
                try:
                    savepoint.rollback()
                except Exception:
                    pass
            else:
                _rollback_open_transaction(ctx)
            return err


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


if __name__ == "__main__":
    sys.exit(main())
