"""Writes the graph-* fixture projects under tests/fixtures/ (run from anywhere; idempotent).

    python3 tests/graph/make_fixtures.py

Each fixture is a small real Alembic project (alembic.ini, env.py, script.py.mako, revision files
in the shape `alembic revision` writes) with an expected.json. The files are committed; this
script documents how they were made and rewrites them identically.
"""
import hashlib
import json
import os
import shutil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')

INI = """[alembic]
script_location = %(here)s/migrations
path_separator = os
{extra}sqlalchemy.url = postgresql://app@localhost/app

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

ENV = '''from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = None


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    """Upgrade schema."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    ${downgrades if downgrades else "pass"}
'''

# Lines of the identifier variables in every generated revision file.
REV_LINE, DOWN_LINE, LABEL_LINE, DEPS_LINE = 15, 16, 17, 18


def pyrepr(v):
    if v is None:
        return 'None'
    if isinstance(v, str):
        return repr(v)
    return '(' + ', '.join(repr(x) for x in v) + (',' if len(v) == 1 else '') + ')'


def module(rev, down, message, table=None, labels=None, deps=None):
    revises = '' if down is None else (down if isinstance(down, str) else ', '.join(down))
    if table:
        up = f'op.create_table(\n        "{table}",\n        sa.Column("id", sa.BigInteger(), primary_key=True),\n    )'
        dn = f'op.drop_table("{table}")'
    else:
        up = dn = 'pass'
    return f'''"""{message}

Revision ID: {rev}
Revises: {revises}
Create Date: 2024-05-02 10:14:03.125512

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = {rev!r}
down_revision: Union[str, Sequence[str], None] = {pyrepr(down)}
branch_labels: Union[str, Sequence[str], None] = {pyrepr(labels)}
depends_on: Union[str, Sequence[str], None] = {pyrepr(deps)}


def upgrade() -> None:
    """Upgrade schema."""
    {up}


def downgrade() -> None:
    """Downgrade schema."""
    {dn}
'''


def hexid(fixture, slug):
    return hashlib.sha1(f'{fixture}/{slug}'.encode()).hexdigest()[:12]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def fixture(name, revisions, description, findings=None, extra_ini='', pyproject=None, hex_ids=True):
    """revisions: dicts {slug, down (slugs), labels, deps (slugs, or '@label'), table, dir, rev, merge}.

    hex_ids: ids are hashes and files are named <id>_<slug>.py; otherwise the id is the slug's
    number (or `rev`) and the file is <slug>.py.
    """
    d = os.path.join(ROOT, name)
    if os.path.exists(d):
        shutil.rmtree(d)
    write(f'{d}/alembic.ini', INI.format(extra=extra_ini))
    write(f'{d}/migrations/env.py', ENV)
    write(f'{d}/migrations/script.py.mako', MAKO)
    ids = {}
    for r in revisions:
        ids[r['slug']] = r.get('rev') or (hexid(name, r['slug']) if hex_ids else r['slug'].split('_')[0])

    def res(x):
        if x is None:
            return None
        if isinstance(x, str):
            return ids.get(x, x[1:] if x.startswith('@') else x)
        return [res(y) for y in x]

    files = {}
    for r in revisions:
        rev = ids[r['slug']]
        slug = (r['slug'].split('_', 1)[1] if r['slug'][:4].isdigit() else r['slug']) if hex_ids else r['slug']
        fname = f'{rev}_{slug}.py' if hex_ids else f"{r['slug']}.py"
        folder = r.get('dir', 'migrations/versions')
        words = r['slug'].split('_', 1)[-1]
        table = r.get('table', None if r.get('merge') else words.replace('create_', '').replace('add_', ''))
        text = module(rev, res(r.get('down')), r.get('message', words.replace('_', ' ')), table, r.get('labels'), res(r.get('deps')))
        write(f'{d}/{folder}/{fname}', text)
        files[r['slug']] = (f'{folder}/{fname}', rev)
    if pyproject:
        write(f'{d}/pyproject.toml', pyproject)
    exp = {'description': description, 'args': ['--static'], 'findings': []}
    for f in findings or []:
        path, rev = files[f['slug']]
        exp['findings'].append({'rule': f['rule'], 'severity': f['severity'], 'file': path, 'line': f['line'], 'revision': rev})
    with open(f'{d}/expected.json', 'w') as fh:
        json.dump(exp, fh, indent=2)
        fh.write('\n')


def R(slug, down=None, **kw):
    d = {'slug': slug, 'down': down}
    d.update(kw)
    return d


# Clean: a straight chain.
fixture('graph-linear-chain', [
    R('0001_create_users'), R('0002_create_orders', '0001_create_users'), R('0003_create_invoices', '0002_create_orders'),
    R('0004_create_payments', '0003_create_invoices'), R('0005_create_shipments', '0004_create_payments'), R('0006_create_returns', '0005_create_shipments'),
], 'a straight chain of six revisions (hex ids, so load order is not history order): one head, one base, clean')

# Clean: branches merged back, a two-way and a three-way merge.
fixture('graph-branch-merge', [
    R('0001_create_users'), R('0002_create_orders', '0001_create_users'),
    R('0003_create_invoices', '0002_create_orders'), R('0003_create_payments', '0002_create_orders'),
    R('0004_create_invoice_lines', '0003_create_invoices'),
    R('0005_merge_invoices_and_payments', ['0004_create_invoice_lines', '0003_create_payments'], merge=True),
    R('0006_create_shipments', '0005_merge_invoices_and_payments'),
    R('0007_create_refunds', '0006_create_shipments'), R('0007_create_coupons', '0006_create_shipments'), R('0007_create_reviews', '0006_create_shipments'),
    R('0008_merge_refunds_coupons_reviews', ['0007_create_refunds', '0007_create_coupons', '0007_create_reviews'], merge=True),
    R('0009_create_tags', '0008_merge_refunds_coupons_reviews'),
], 'branches merged back, a two-way and a three-way merge point: one head, clean')

# Clean: several labelled bases, depends_on an id and a label, an effective head.
fixture('graph-multibase-labels', [
    R('core_create_accounts', labels='core'), R('core_create_sessions', 'core_create_accounts'), R('core_create_tokens', 'core_create_sessions'),
    R('net_create_hosts', labels='networking'), R('net_create_links', 'net_create_hosts'), R('net_create_routes', 'net_create_links', deps='core_create_sessions'),
    R('plugin_create_widgets', labels='plugin', deps='@core'), R('plugin_create_gadgets', 'plugin_create_widgets', deps='core_create_tokens'),
], 'three labelled bases (core, networking, plugin), depends_on an id and a branch label, core head only depended on (effective head); allowed_heads = true: clean',
    pyproject='[tool.alembic-guard]\nallowed_heads = true\n')

# Clean: three version locations.
fixture('graph-version-locations', [
    R('0001_create_users'), R('0002_create_orders', '0001_create_users'), R('0003_create_invoices', '0002_create_orders'),
    R('audit_create_audit_log', labels='audit', deps='0002_create_orders', dir='migrations/audit'),
    R('audit_create_audit_index', 'audit_create_audit_log', dir='migrations/audit', table='audit_index'),
    R('reports_create_reports', 'audit_create_audit_index', dir='migrations/reports', labels='reports'),
], 'three version locations; a labelled audit branch depending on the main line, continued in a third folder whose head inherits the audit label; allowed_heads = ["audit"]: clean',
    extra_ini='version_locations = %(here)s/migrations/versions:%(here)s/migrations/audit:%(here)s/migrations/reports\n',
    pyproject='[tool.alembic-guard]\nallowed_heads = ["audit"]\n')

# Clean: 200 revisions, a two-way branch every 10 revisions merged back 3 revisions later.
revs = []
prev = None
i = 0
while len(revs) < 200:
    i += 1
    if i % 10 == 0 and prev is not None:
        a = f'b{i:03d}a_create_left_{i}'
        b = f'b{i:03d}b_create_right_{i}'
        revs.append(R(a, prev, table=f'left_{i}'))
        revs.append(R(b, prev, table=f'right_{i}'))
        a2 = f'b{i:03d}c_create_left_more_{i}'
        revs.append(R(a2, a, table=f'left_more_{i}'))
        m = f'm{i:03d}_merge_{i}'
        revs.append(R(m, [a2, b], merge=True))
        prev = m
    else:
        s = f'r{i:03d}_create_table_{i}'
        revs.append(R(s, prev, table=f'table_{i}'))
        prev = s
fixture('graph-long-chain', revs, 'a long history: 200 revisions, a two-way branch every 10 revisions merged back: clean')

# multiple-heads.
fixture('graph-multiple-heads', [
    R('0001_create_users'), R('0002_create_orders', '0001_create_users'),
    R('0003_add_email_table', '0002_create_orders', table='emails'), R('0003_add_phone_table', '0002_create_orders', table='phones'),
], 'two branches each added a migration on top of the same parent: two heads', findings=[
    {'slug': '0003_add_email_table', 'rule': 'multiple-heads', 'severity': 'error', 'line': REV_LINE},
    {'slug': '0003_add_phone_table', 'rule': 'multiple-heads', 'severity': 'error', 'line': REV_LINE},
])

# missing-down-revision: a parent deleted in the middle of the chain.
fixture('graph-missing-down-revision', [
    R('0001_create_users'), R('0002_create_orders', '0001_create_users'),
    R('0004_create_invoices', '0003'), R('0005_create_payments', '0004_create_invoices'),
], 'revision 0003 was deleted: 0004 revises a revision no file declares', hex_ids=False, findings=[
    {'slug': '0004_create_invoices', 'rule': 'missing-down-revision', 'severity': 'error', 'line': DOWN_LINE},
])

# missing-dependency: a misspelt branch label.
fixture('graph-missing-dependency', [
    R('0001_create_users', labels='core', rev='0001'), R('0002_create_orders', '0001_create_users', rev='0002'),
    R('0100_create_widgets', labels='plugin', deps='@cor', rev='0100'),
], 'depends_on names "cor", neither a revision id nor a branch label; labelled heads are allowed', hex_ids=False,
    pyproject='[tool.alembic-guard]\nallowed_heads = true\n', findings=[
    {'slug': '0100_create_widgets', 'rule': 'missing-dependency', 'severity': 'error', 'line': DEPS_LINE},
])

# duplicate-revision: two branches picked the same numbered id.
fixture('graph-duplicate-revision', [
    R('0001_create_users', rev='0001'), R('0002_add_email_table', '0001_create_users', rev='0002', table='emails'),
    R('0002_add_phone_table', '0001_create_users', rev='0002', table='phones'),
], 'two branches both created revision 0002 (hand-picked numbered ids): both files are named, Alembic keeps the last loaded', hex_ids=False, findings=[
    {'slug': '0002_add_email_table', 'rule': 'duplicate-revision', 'severity': 'error', 'line': REV_LINE},
    {'slug': '0002_add_phone_table', 'rule': 'duplicate-revision', 'severity': 'error', 'line': REV_LINE},
])

# revision-cycle: three revisions in a loop.
fixture('graph-revision-cycle', [
    R('0001_create_users'), R('0002_create_orders', '0004_create_payments'), R('0003_create_invoices', '0002_create_orders'),
    R('0004_create_payments', '0003_create_invoices'),
], '0002 revises 0004, which leads back to 0002 through 0003: a cycle', hex_ids=False, findings=[
    {'slug': '0002_create_orders', 'rule': 'revision-cycle', 'severity': 'error', 'line': DOWN_LINE},
])

# revision-cycle: a self-reference.
fixture('graph-self-reference', [
    R('0001_create_users'), R('0002_create_orders', '0001_create_users'), R('0003_create_invoices', '0003_create_invoices'),
], '0003 names itself as its down_revision', hex_ids=False, findings=[
    {'slug': '0003_create_invoices', 'rule': 'revision-cycle', 'severity': 'error', 'line': DOWN_LINE},
])

# multiple-bases: an accidental second base, merged in later.
fixture('graph-multiple-bases', [
    R('0001_create_users'), R('0002_create_orders', '0001_create_users'), R('0003_create_invoices', '0002_create_orders'),
    R('0004_create_audit_log'), R('0005_merge_audit_log', ['0003_create_invoices', '0004_create_audit_log'], merge=True),
], '0004 was written with down_revision = None and later merged in: a second, unlabelled base (warning)', hex_ids=False, findings=[
    {'slug': '0004_create_audit_log', 'rule': 'multiple-bases', 'severity': 'warning', 'line': DOWN_LINE},
])
