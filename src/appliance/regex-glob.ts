// Turns the small regular expressions of device profiles (`productRegex`, `pathRegex`) into udev
// match patterns (udev(7): `*`, `?`, `[…]`, alternatives separated by `|`). Only the subset the
// profiles use is understood; anything else is refused with the reason, so a new profile with a
// richer pattern is noticed when the rules are generated instead of matching the wrong devices.
// The glob may match a little more than the regex (`\b` is dropped, `x+` becomes `x*`): udev then
// grants access to a few more devices of the same name, and the gateway's own matching still
// decides what it attaches.

export class UnsupportedPattern extends Error {}

/**
 * Glob alternatives equivalent to (or slightly wider than) `source`. `caseInsensitive` turns every
 * letter into a `[xX]` class, as the gateway matches product names case-insensitively.
 */
export function regexToGlobs(source: string, caseInsensitive: boolean): string[] {
  const p = new Parser(source, caseInsensitive);
  const out = p.alternation();
  if (p.pos < source.length) p.fail(`unexpected '${source[p.pos]}'`);
  return [...new Set(out)];
}

class Parser {
  pos = 0;
  constructor(
    readonly src: string,
    readonly ci: boolean,
  ) {}

  fail(why: string): never {
    throw new UnsupportedPattern(`/${this.src}/ at ${this.pos}: ${why}`);
  }

  /** alt ('|' alt)* — each alternative is anchored by `^`/`$` or floats (`*…*`). */
  alternation(nested = false): string[] {
    const out: string[] = [];
    for (;;) {
      out.push(...this.sequence(nested));
      if (this.src[this.pos] !== '|') return out;
      this.pos++;
    }
  }

  sequence(nested: boolean): string[] {
    let prefix = nested ? '' : '*';
    if (!nested && this.src[this.pos] === '^') {
      this.pos++;
      prefix = '';
    }
    let parts: string[] = [prefix];
    let suffix = nested ? '' : '*';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '|' || c === ')') break;
      if (c === '$' && !nested) {
        this.pos++;
        suffix = '';
        if (this.pos < this.src.length && this.src[this.pos] !== '|') this.fail('`$` before the end');
        break;
      }
      let atom = this.atom();
      const q = this.src[this.pos];
      if (q === '?') {
        this.pos++;
        atom = [...atom, ''];
      } else if (q === '+' || q === '*') {
        this.pos++;
        atom = atom.map((a) => (q === '+' ? `${a}*` : '*'));
      }
      parts = parts.flatMap((p) => atom.map((a) => p + a));
    }
    return parts.map((p) => (p + suffix).replace(/\*\*+/g, '*'));
  }

  atom(): string[] {
    const c = this.src[this.pos++]!;
    if (c === '(') {
      if (this.src[this.pos] === '?') this.fail('group flags are not supported');
      const inner = this.alternation(true);
      if (this.src[this.pos] !== ')') this.fail('unclosed group');
      this.pos++;
      return inner;
    }
    if (c === '[') {
      const end = this.src.indexOf(']', this.pos);
      if (end < 0) this.fail('unclosed class');
      const body = this.src.slice(this.pos, end);
      this.pos = end + 1;
      if (body.startsWith('^') || /[\\[]/.test(body))
        this.fail('negated or escaped classes are not supported');
      if (this.ci && /[A-Za-z]/.test(body)) this.fail('letters in a class of a case-insensitive pattern');
      return [`[${body}]`];
    }
    if (c === '\\') {
      const e = this.src[this.pos++];
      if (e === 'b') return ['']; // a word boundary: wider, see the header
      if (e !== undefined && /[.\-/\\+?*()[\]|^$ ]/.test(e)) return [this.literal(e)];
      this.fail(`escape \\${e} is not supported`);
    }
    if (c === '.') return ['?'];
    if ('{}^$'.includes(c)) this.fail(`'${c}' is not supported here`);
    return [this.literal(c)];
  }

  literal(c: string): string {
    if ('*?[]|"'.includes(c)) this.fail(`'${c}' cannot be matched literally by a udev pattern`);
    const lower = c.toLowerCase();
    const upper = c.toUpperCase();
    return this.ci && lower !== upper ? `[${lower}${upper}]` : c;
  }
}
