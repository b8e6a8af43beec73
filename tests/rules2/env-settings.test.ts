/**
 * env.py timeouts (read statically with tree-sitter) and the per-revision timeline of settings.
 * The env.py texts are the shapes real projects use: Alembic's generic and async templates with
 * the timeout added in the places teams put it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDisabledTimeout, readEnvSettings, readEnvTimeouts, settingChangesInSql, settingsInLibpqOptions, sqlTokens } from '../../src/ops/env-settings.js';

const GENERIC = (connectExtra: string, online: string) => `from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool, text

from alembic import context

config = context.config
target_metadata = None


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,${connectExtra}
    )
    with connectable.connect() as connection:
${online}


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;

const PLAIN_ONLINE = `        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()`;

test('the generic template sets no timeout', () => {
  assert.deepEqual(readEnvTimeouts(GENERIC('', PLAIN_ONLINE)), {});
  assert.equal(readEnvSettings(GENERIC('', PLAIN_ONLINE)).transactionPerMigration, false);
});

test('libpq options in connect_args', () => {
  const src = GENERIC(`\n        connect_args={"options": "-c lock_timeout=5s -c statement_timeout=60s"},`, PLAIN_ONLINE);
  const t = readEnvTimeouts(src);
  assert.equal(t.lockTimeout?.value, '5s');
  assert.equal(t.lockTimeout?.line, 23);
  assert.equal(t.statementTimeout?.value, '60s');
});

test('options written as -clock_timeout and --lock_timeout, and as a keyword in dict(...)', () => {
  assert.equal(readEnvTimeouts(GENERIC(`\n        connect_args=dict(options="-clock_timeout=3000"),`, PLAIN_ONLINE)).lockTimeout?.value, '3000');
  assert.equal(readEnvTimeouts(GENERIC(`\n        connect_args={"options": "--lock_timeout=2s"},`, PLAIN_ONLINE)).lockTimeout?.value, '2s');
  assert.equal(readEnvTimeouts(GENERIC(`\n        connect_args={"options": "-c " "lock_timeout=4s"},`, PLAIN_ONLINE)).lockTimeout?.value, '4s');
});

test('a connect_args dict built before the engine', () => {
  const src = `from alembic import context
from sqlalchemy import create_engine

CONNECT_ARGS = {"options": "-c lock_timeout=10s"}


def run_migrations_online():
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"), connect_args=CONNECT_ARGS)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
`;
  assert.deepEqual(readEnvTimeouts(src).lockTimeout, { value: '10s', line: 4, column: 28, via: 'connect', local: false });
});

test('asyncpg server_settings', () => {
  const src = `import asyncio
from sqlalchemy.ext.asyncio import async_engine_from_config
from alembic import context


async def run_async_migrations():
    connectable = async_engine_from_config(
        context.config.get_section(context.config.config_ini_section, {}),
        prefix="sqlalchemy.",
        connect_args={"server_settings": {"lock_timeout": "5s", "statement_timeout": 60000}},
    )
    async with connectable.connect() as connection:
        await connection.run_sync(do_run_migrations)
`;
  const t = readEnvTimeouts(src);
  assert.equal(t.lockTimeout?.value, '5s');
  assert.equal(t.statementTimeout?.value, '60000');
});

test('an options parameter in a literal database URL', () => {
  const src = `from sqlalchemy import create_engine
engine = create_engine("postgresql+psycopg2://app@db/app?options=-c%20lock_timeout%3D5s")
`;
  assert.equal(readEnvTimeouts(src).lockTimeout?.value, '5s');
});

test('SET executed on the connection before run_migrations', () => {
  const online = `        connection.execute(text("SET lock_timeout = '5s'"))
        connection.exec_driver_sql("SET SESSION statement_timeout TO 60000")
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()`;
  const t = readEnvTimeouts(GENERIC('', online));
  assert.deepEqual(t.lockTimeout, { value: '5s', line: 25, column: 9, via: 'sql', local: false });
  assert.equal(t.statementTimeout?.value, '60000');
});

test('context.execute("SET LOCAL ...") inside the transaction is local', () => {
  const online = `        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.execute("SET LOCAL lock_timeout = '5s'")
            context.run_migrations()`;
  const t = readEnvTimeouts(GENERIC('', online));
  assert.equal(t.lockTimeout?.value, '5s');
  assert.equal(t.lockTimeout?.local, true);
});

test('a SET after run_migrations does not count; a later RESET falls back to the connect value', () => {
  const after = `        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        connection.execute(text("SET lock_timeout = '5s'"))`;
  assert.deepEqual(readEnvTimeouts(GENERIC('', after)), {});
  const reset = `        connection.execute(text("SET lock_timeout = '9s'"))
        connection.execute(text("RESET lock_timeout"))
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()`;
  assert.equal(readEnvTimeouts(GENERIC(`\n        connect_args={"options": "-c lock_timeout=3s"},`, reset)).lockTimeout?.value, '3s');
  assert.deepEqual(readEnvTimeouts(GENERIC('', reset)), {});
});

test('a connect event listener that runs SET on the DBAPI cursor', () => {
  const src = `from sqlalchemy import event
from alembic import context


def run_migrations_online():
    connectable = make_engine()

    @event.listens_for(connectable, "connect")
    def set_timeouts(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET lock_timeout TO '4s'")
        cursor.close()

    with connectable.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
`;
  assert.equal(readEnvTimeouts(src).lockTimeout?.value, '4s');
});

test('f-strings and variables are not read as SQL', () => {
  const online = `        connection.execute(text(f"SET lock_timeout = '{LOCK}'"))
        connection.execute(text(SQL))
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()`;
  assert.deepEqual(readEnvTimeouts(GENERIC('', online)), {});
});

test('transaction_per_migration=True', () => {
  const online = `        context.configure(connection=connection, target_metadata=target_metadata, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()`;
  assert.equal(readEnvSettings(GENERIC('', online)).transactionPerMigration, true);
});

test('settingChangesInSql reads SET, SET LOCAL, SET ... TO DEFAULT, RESET, RESET ALL and set_config', () => {
  assert.deepEqual(settingChangesInSql("SET lock_timeout = '5s'"), [{ name: 'lock_timeout', value: '5s', local: false }]);
  assert.deepEqual(settingChangesInSql('set local LOCK_TIMEOUT to 5000;'), [{ name: 'lock_timeout', value: '5000', local: true }]);
  assert.deepEqual(settingChangesInSql('SET SESSION statement_timeout = DEFAULT'), [{ name: 'statement_timeout', value: null, local: false }]);
  assert.deepEqual(settingChangesInSql('-- a comment\nRESET lock_timeout; RESET ALL'), [
    { name: 'lock_timeout', value: null, local: false },
    { name: 'all', value: null, local: false },
  ]);
  assert.deepEqual(settingChangesInSql("SELECT set_config('lock_timeout', '2s', true)"), [{ name: 'lock_timeout', value: '2s', local: true }]);
  assert.deepEqual(settingChangesInSql("SELECT pg_catalog.set_config('statement_timeout', '1min', false)"), [{ name: 'statement_timeout', value: '1min', local: false }]);
  assert.deepEqual(settingChangesInSql("UPDATE t SET lock_timeout = '5s'"), []);
  assert.deepEqual(settingChangesInSql('SET SESSION AUTHORIZATION bob'), []);
  assert.deepEqual(settingChangesInSql("SET \"lock_timeout\" = '1s'"), [{ name: 'lock_timeout', value: '1s', local: false }]);
});

test('settingsInLibpqOptions', () => {
  assert.deepEqual([...settingsInLibpqOptions('-c lock_timeout=5s  -cstatement_timeout=1min --search-path=app')], [
    ['lock_timeout', '5s'],
    ['statement_timeout', '1min'],
    ['search_path', 'app'],
  ]);
  assert.deepEqual([...settingsInLibpqOptions('-c')], []);
});

test('isDisabledTimeout: zero in any unit turns the timeout off', () => {
  for (const v of ['0', '0ms', '0s', "'0'", '0min']) assert.equal(isDisabledTimeout(v), true, v);
  for (const v of ['5s', '5000', '1min', "'2s'"]) assert.equal(isDisabledTimeout(v), false, v);
});

test('sqlTokens: strings are decoded, comments skipped, qualified names split', () => {
  assert.deepEqual(
    sqlTokens(`ALTER TYPE public."Order Status" ADD VALUE 'it''s' -- a comment\n; SELECT E'a\\'b', $$x 'y'$$, $q$z$q$ /* c */ 42`),
    [
      { kind: 'word', text: 'alter' },
      { kind: 'word', text: 'type' },
      { kind: 'word', text: 'public' },
      { kind: 'punct', text: '.' },
      { kind: 'word', text: 'Order Status' },
      { kind: 'word', text: 'add' },
      { kind: 'word', text: 'value' },
      { kind: 'string', text: "it's" },
      { kind: 'punct', text: ';' },
      { kind: 'word', text: 'select' },
      { kind: 'string', text: "a'b" },
      { kind: 'punct', text: ',' },
      { kind: 'string', text: "x 'y'" },
      { kind: 'punct', text: ',' },
      { kind: 'string', text: 'z' },
      { kind: 'number', text: '42' },
    ],
  );
});
