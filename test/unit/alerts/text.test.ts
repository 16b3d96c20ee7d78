import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeLine, defang, displayValue, escapeHtml, oneLine, truncate } from '#shared/alerts/text.ts';

describe('escapeHtml', () => {
  it('escapes the characters that open markup or close an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe('&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;amp;&#60;/a&#62;');
  });

  it('leaves no raw < > " \' and round-trips through an HTML decoder', () => {
    const decode = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const escaped = escapeHtml(s);
        expect(/[<>"']/.test(escaped)).toBe(false);
        expect(decode(escaped)).toBe(s);
      }),
    );
  });
});

describe('truncate', () => {
  it('keeps short strings and cuts long ones to max code points with an ellipsis', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
    expect(truncate('😀😀😀😀', 3)).toBe('😀😀…');
  });

  it('marks a cut the caller made earlier', () => {
    expect(truncate('ab', 5, true)).toBe('ab…');
  });

  it('never exceeds max code points nor leaves half a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 50 }), (s, max) => {
        const out = truncate(s, max);
        expect(Array.from(out).length).toBeLessThanOrEqual(max);
        expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(out)).toBe(false);
      }),
    );
  });
});

describe('oneLine and codeLine', () => {
  it('oneLine joins lines, drops controls and bidi overrides, collapses spaces', () => {
    expect(oneLine('  a\r\n\tb\u0000c \u202Ed\u2028e  ', 100)).toBe('a bc d e');
  });

  it('oneLine bounds a huge value cheaply and marks the cut', () => {
    const out = oneLine('x'.repeat(10_000_000), 10);
    expect(out).toBe('xxxxxxxxx…');
  });

  it('oneLine marks a cut even when cleaning shrank the kept part', () => {
    expect(oneLine('\u0000'.repeat(1000) + 'tail', 10)).toBe('…');
  });

  it('codeLine keeps indentation, expands tabs and drops the trailing newline', () => {
    expect(codeLine('\tif x:\n', 80)).toBe('    if x:');
    expect(codeLine('  a\u001b[31mb', 80)).toBe('  a[31mb');
  });

  it('replaces lone surrogates', () => {
    expect(oneLine('a\uD800b', 10)).toBe('a\uFFFDb');
  });
});

describe('defang', () => {
  it('breaks URL schemes and www. so clients do not link them', () => {
    expect(defang('see https://x.example and www.y.example or javascript:alert(1)')).toBe(
      'see https:\u200B//x.example and www\u200B.y.example or javascript:alert(1)',
    );
  });

  it('leaves www inside identifiers alone', () => {
    expect(defang('HelloHTTP2.www.handle_request/2')).toBe('HelloHTTP2.www.handle_request/2');
    expect(defang('www.a.example')).toBe('www\u200B.a.example');
  });
});

describe('displayValue', () => {
  it('shows scalars plainly and structures as bounded JSON', () => {
    expect(displayValue(3, 10)).toBe('3');
    expect(displayValue(null, 10)).toBe('null');
    expect(displayValue({ a: [1, 2] }, 50)).toBe('{"a":[1,2]}');
    expect(displayValue({ a: 'x'.repeat(100) }, 10)).toBe('{"a":"xxx…');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(displayValue(cyclic, 20)).toBe('[object Object]');
  });
});
