import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrometheusText, samplesOf } from './prometheus-text.ts';

describe('parsePrometheusText', () => {
  it('reads families, their labels (escapes included) and values', () => {
    const families = parsePrometheusText([
      '# HELP x_total Things',
      '# TYPE x_total counter',
      'x_total{kind="a \\"b\\"",path="c\\\\d"} 3',
      '# TYPE h histogram',
      'h_bucket{le="1"} 1',
      'h_bucket{le="+Inf"} 2',
      'h_sum 1.5e0',
      'h_count 2 1700000000000',
      '',
    ].join('\n'));
    assert.deepEqual(samplesOf(families, 'x_total'), [{ name: 'x_total', labels: { kind: 'a "b"', path: 'c\\d' }, value: 3 }]);
    assert.equal(families.get('x_total')?.help, 'Things');
    assert.equal(samplesOf(families, 'h_bucket', { le: '+Inf' })[0]?.value, 2);
    assert.equal(samplesOf(families, 'h_count')[0]?.value, 2);
  });

  it('refuses a line that is not the format, naming it', () => {
    for (const text of ['# TYPE g gauge\ng{a=b} 1', '# TYPE g gauge\ng 1 2 3', '# TYPE g gauge\ng one', 'orphan 1', '# TYPE g gauge\ng{a="1",a="2"} 1']) {
      assert.throws(() => parsePrometheusText(text), Error, text);
    }
  });
});
