import { describe, expect, it } from 'vitest';
import { createOutputTail } from '../../../src/gates/output-tail.js';

describe('output tail', () => {
  it('keeps everything when the output is short', () => {
    const tail = createOutputTail(10, 1000);
    tail.push('one\n');
    tail.push(Buffer.from('two\nthree\n'));
    expect(tail.text()).toBe('one\ntwo\nthree');
    expect(tail.bytes).toBe(14);
  });

  it('keeps the last lines of a long output and says how much there was', () => {
    const tail = createOutputTail(5, 10_000);
    for (let i = 1; i <= 1000; i++) tail.push(`line ${i}\n`);
    const lines = tail.text().split('\n');
    expect(lines[0]).toMatch(/^\[… \d+ KiB of output; last lines:\]$/);
    expect(lines.slice(1)).toEqual(['line 996', 'line 997', 'line 998', 'line 999', 'line 1000']);
  });

  it('bounds the size of one huge line', () => {
    const tail = createOutputTail(5, 100);
    tail.push('x'.repeat(10_000));
    expect(tail.text().length).toBeLessThan(160);
    expect(tail.text().endsWith('x')).toBe(true);
  });
});
