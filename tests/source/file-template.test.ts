import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileNameFits, templateMatcher } from '../../src/source/file-template.js';

test('the default template fast path agrees with the general matcher', () => {
  const revisions = ['ae1027a6acf', '037', 'a.b', 'x+y', '0002a'];
  const names = (rev: string) => [rev, `${rev}.py`, `${rev}_add_users.py`, `${rev}_`, `${rev}add.py`, `x${rev}_a.py`, `${rev}_a_b_c.pyc`, `${rev.slice(0, -1)}_a.py`, `${rev}-a.py`, `${rev}_\nx.py`];
  for (const rev of revisions) {
    for (const name of names(rev)) {
      const stem = name.replace(/\.py[co]?$/, '');
      assert.equal(fileNameFits('%(rev)s_%(slug)s', rev, name), templateMatcher('%(rev)s_%(slug)s', rev).test(stem), `${rev} / ${JSON.stringify(name)}`);
    }
  }
  assert.equal(fileNameFits('%(rev)s_%(slug)s', '037', '037_add_table.py'), true);
  assert.equal(fileNameFits('%(rev)s_%(slug)s', '037', '038_add_table.py'), false);
});
