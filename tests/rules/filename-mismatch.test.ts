/**
 * filename-mismatch against file_template: the default, hand-picked --rev-id names, every date and
 * epoch token, subdirectories, and the legacy hex-name rule. Runs on parsed files with real names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/filename-mismatch.js';
import { fileAt, moduleFor, projectWith, runRule } from '../source/shape-helpers.js';

interface Case {
  template?: string;
  revision: string;
  name: string;
}

const DATE = '%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s';
const valid: Case[] = [
  { revision: '1a2b3c4d5e6f', name: '1a2b3c4d5e6f_add_users_table.py' },
  { revision: '037', name: '037_add_table.py' },
  { revision: '037', name: '037_.py' },
  { revision: '037', name: '037.py' },
  { revision: 'ab12', name: 'ab12_Hand-Written Slug.py' },
  { template: DATE, revision: 'ae1027a6acf', name: '2024_05_02_1014-ae1027a6acf_add_users.py' },
  { template: '%(epoch)s_%(rev)s_%(slug)s', revision: 'f00d', name: '1714644843_f00d_add.py' },
  { template: '%(year)d/%(month).2d/%(rev)s_%(slug)s', revision: 'c0ffee', name: '2024/05/c0ffee_add.py' },
  { template: '%(rev)s', revision: 'r1', name: 'r1.py' },
  { template: '%%%(rev)s_%(slug)s', revision: 'r1', name: '%r1_x.py' },
  { template: '%(second)02d_%(rev)s', revision: 'r2', name: '07_r2.py' },
];
const invalid: Case[] = [
  { revision: '5d4c3b2a1f0e', name: '3f2a1c9d8e7b_add_paid_at.py' },
  { revision: 'ab', name: 'abc_foo.py' },
  { revision: '037', name: 'add_table_037.py' },
  { template: DATE, revision: 'ae1027a6acf', name: 'ae1027a6acf_add_users.py' },
  { template: DATE, revision: 'ae1027a6acf', name: '2024_5_02_1014-ae1027a6acf_add_users.py' },
  { template: '%(epoch)s_%(rev)s_%(slug)s', revision: 'f00d', name: 'now_f00d_add.py' },
  { template: '%(year)d/%(month).2d/%(rev)s_%(slug)s', revision: 'c0ffee', name: 'c0ffee_add.py' },
  { template: '%(rev)s', revision: 'r1', name: 'r1_extra.py' },
];

valid.forEach((c, i) => {
  test(`filename-mismatch valid #${i + 1}: ${c.template ?? 'default'} ${c.name}`, () => {
    const f = fileAt(c.name, moduleFor(c.revision));
    assert.deepEqual(runRule(rule, [f], projectWith({ fileTemplate: c.template ?? '%(rev)s_%(slug)s' })), []);
  });
});
invalid.forEach((c, i) => {
  test(`filename-mismatch invalid #${i + 1}: ${c.template ?? 'default'} ${c.name}`, () => {
    const f = fileAt(c.name, moduleFor(c.revision));
    const got = runRule(rule, [f], projectWith({ fileTemplate: c.template ?? '%(rev)s_%(slug)s' }));
    assert.equal(got.length, 1, JSON.stringify(got));
    assert.deepEqual([got[0]!.line, got[0]!.column], [2, 1], 'on the `revision =` line');
    assert.ok(got[0]!.message.includes(`"${c.name}"`), got[0]!.message);
    assert.equal(got[0]!.revision, c.revision);
    assert.equal(got[0]!.file, f.path);
    assert.ok(got[0]!.fix?.startsWith('Rename the file to "'), got[0]!.fix);
  });
});

test('filename-mismatch: the legacy hex-name rule always fits; unknown revisions are skipped', () => {
  const legacy = fileAt('ae1027a6acf.py', '"""doc"""\ndown_revision = None\n');
  const unknown = fileAt('0001_x.py', '"""doc"""\nrevision = NAME\ndown_revision = None\n');
  assert.deepEqual(runRule(rule, [legacy, unknown], projectWith({ fileTemplate: DATE })), []);
});

test('filename-mismatch: the fix names the file the template would give', () => {
  const f = fileAt('wrong.py', moduleFor('1a2b'));
  const [got] = runRule(rule, [f], projectWith({ fileTemplate: DATE }));
  assert.equal(got?.message, 'Revision 1a2b is in "wrong.py", which does not fit file_template "' + DATE + '" (expected a name like "<year>_<month>_<day>_<hour><minute>-1a2b_<slug>.py").');
});

test('filename-mismatch: names are taken below the version location that holds the file', () => {
  const other = '/project/other/versions';
  const f = fileAt('sub/1a2b_x.py', moduleFor('1a2b'), other);
  const project = projectWith({ versionLocations: ['/project/migrations/versions', other], fileTemplate: 'sub/%(rev)s_%(slug)s' });
  assert.deepEqual(runRule(rule, [f], project), []);
  assert.equal(runRule(rule, [f], projectWith({ versionLocations: [other] })).length, 1, 'sub/ is not part of the default template');
});
