import { describe, expect, it } from 'vitest';
import { displayValue, visibleText } from './format.ts';

describe('visibleText', () => {
  it('names C0 and C1 controls by code point and keeps tab and line breaks', () => {
    expect(visibleText('bell\u0007 nul\u0000 esc\u001b[31m del\u007f nel\u0085')).toBe(
      'bell[U+0007] nul[U+0000] esc[U+001B][31m del[U+007F] nel[U+0085]',
    );
    expect(visibleText('a\tb\nc\r\n')).toBe('a\tb\nc\r\n');
  });

  it('names bidirectional overrides and isolates so they cannot reorder the text around them', () => {
    const shown = visibleText('rtl\u202eevil \u2066x\u2069 \u200f');
    expect(shown).toBe('rtl[U+202E]evil [U+2066]x[U+2069] [U+200F]');
    expect(shown).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
  });

  it('leaves ordinary text, markup and non-Latin scripts as written', () => {
    const text = '<script>alert(1)</script> שלום مرحبا 日本 😀';
    expect(visibleText(text)).toBe(text);
  });
});

describe('displayValue', () => {
  it('makes hidden characters visible in strings and in JSON of objects', () => {
    expect(displayValue('x\u202ey')).toBe('x[U+202E]y');
    expect(displayValue({ k: 'x\u202ey' })).toContain('"x[U+202E]y"');
  });
});
