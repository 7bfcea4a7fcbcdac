import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nulCharacterErrors } from './nul-character.ts';

describe('nulCharacterErrors', () => {
  it('finds none in input without one', () => {
    assert.deepEqual(nulCharacterErrors({ name: 'Lyon store', tags: ['retail'], devices: [{ serial: 'BLS0000001', port: 830 }], note: null }), []);
    assert.deepEqual(nulCharacterErrors(undefined), []);
  });

  it('names every string that carries one, in the order the fields came, by its path', () => {
    const errors = nulCharacterErrors({ name: 'Ly\u0000on', devices: [{ serial: 'ok' }, { hostname: '\u0000' }], tags: ['a', 'b\u0000'] });
    assert.deepEqual(errors.map((error) => error.path), ['name', 'devices.1.hostname', 'tags.1']);
    assert.match(errors[0]!.message, /NUL character/);
  });

  it('names a field whose own name carries one', () => {
    assert.deepEqual(nulCharacterErrors({ parameters: { 'site\u0000Id': 'x' } }).map((error) => error.path), ['parameters.site\u0000Id']);
  });

  it('names twenty at most', () => {
    assert.equal(nulCharacterErrors(Array.from({ length: 100 }, () => '\u0000')).length, 20);
  });

  it('walks input nested deeper than the stack would allow', () => {
    let deep: unknown = '\u0000';
    for (let level = 0; level < 200_000; level++) deep = [deep];
    assert.equal(nulCharacterErrors(deep)[0]!.path, Array.from({ length: 200_000 }, () => '0').join('.'));
  });
});
