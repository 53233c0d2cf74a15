// A strict reader for the plain YAML the deploy manifests are written in (no YAML package is
// installed): block mappings and sequences, `- key: value` items, quoted and plain scalars,
// one-line flow lists, `{}`, `|` literal blocks, comments and `---` documents. Anything else
// (anchors, tags, multi-line plain scalars, tabs, YAML 1.1 traps such as unquoted yes/no or
// 80:80) is refused with its line number, so what this reads is what a real YAML parser reads.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  number: number;
  indent: number;
  text: string;
}

export function parseYamlDocuments(source: string, file = 'yaml'): YamlValue[] {
  const raw = source.split('\n');
  const documents: YamlValue[] = [];
  let start = 0;
  for (let i = 0; i <= raw.length; i++) {
    if (i === raw.length || raw[i].trimEnd() === '---') {
      const parsed = new Reader(raw.slice(start, i), start, file).document();
      if (parsed !== undefined) documents.push(parsed);
      start = i + 1;
    }
  }
  return documents;
}

class Reader {
  private index = 0;

  constructor(
    private readonly raw: string[],
    private readonly offset: number,
    private readonly file: string,
  ) {}

  document(): YamlValue | undefined {
    const first = this.peek();
    if (!first) return undefined;
    const value = this.block(first.indent);
    const rest = this.peek();
    if (rest) this.fail(rest.number, `unexpected indentation or content: ${rest.text}`);
    return value;
  }

  private fail(line: number, message: string): never {
    throw new Error(`${this.file}:${line}: ${message}`);
  }

  /** The next structural line (comments and blank lines skipped), not consumed. */
  private peek(): Line | undefined {
    while (this.index < this.raw.length) {
      const text = this.raw[this.index];
      const number = this.offset + this.index + 1;
      if (/^\s*\t/.test(text)) this.fail(number, 'tabs are not allowed for indentation');
      const content = stripComment(text);
      if (content.trim() === '') {
        this.index++;
        continue;
      }
      return { number, indent: content.length - content.trimStart().length, text: content.trim() };
    }
    return undefined;
  }

  private block(indent: number): YamlValue {
    const line = this.peek();
    if (!line || line.indent !== indent) this.fail(line?.number ?? 0, 'expected a block');
    if (line.text.startsWith('[')) return this.flowList(line.text, line.number);
    return isItem(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  /** A flow list from the current line, over as many lines as it takes (formatters wrap long ones). */
  private flowList(first: string, number: number): YamlValue {
    let text = first;
    this.index++;
    while (!balanced(text)) {
      const next = this.peek();
      if (!next) this.fail(number, 'unterminated flow list');
      text += ` ${next.text}`;
      this.index++;
    }
    return scalar(text, number, this.file);
  }

  private sequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (let line = this.peek(); line && line.indent === indent && isItem(line.text); line = this.peek()) {
      const rest = line.text === '-' ? '' : line.text.slice(2).trim();
      if (rest === '') {
        this.index++;
        const next = this.peek();
        if (!next || next.indent <= indent) this.fail(line.number, 'empty sequence item');
        items.push(this.block(next.indent));
      } else if (keyOf(rest)) {
        // `- key: value`: a mapping whose keys line up two columns in.
        this.raw[this.index] = `${' '.repeat(indent + 2)}${rest}`;
        items.push(this.mapping(indent + 2));
      } else {
        this.index++;
        items.push(scalar(rest, line.number, this.file));
      }
    }
    return items;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (let line = this.peek(); line && line.indent === indent; line = this.peek()) {
      if (isItem(line.text)) this.fail(line.number, 'a sequence item where a key was expected');
      const found = keyOf(line.text);
      if (!found) this.fail(line.number, `expected "key: value", got ${line.text}`);
      const { key, rest } = found;
      if (key in map) this.fail(line.number, `duplicate key ${key}`);
      this.index++;
      if (rest === '|' || rest === '|-') {
        map[key] = this.literal(indent, rest === '|-');
      } else if (rest === '') {
        const next = this.peek();
        if (next && next.indent > indent) map[key] = this.block(next.indent);
        else if (next && next.indent === indent && isItem(next.text)) map[key] = this.sequence(indent);
        else map[key] = null;
      } else if (rest.startsWith('[')) {
        this.index--;
        map[key] = this.flowList(rest, line.number);
      } else {
        map[key] = scalar(rest, line.number, this.file);
      }
    }
    return map;
  }

  /** A `|` block: the lines indented deeper than its key, comments and all. */
  private literal(indent: number, strip: boolean): string {
    const lines: string[] = [];
    let blockIndent: number | undefined;
    while (this.index < this.raw.length) {
      const text = this.raw[this.index];
      if (text.trim() !== '') {
        const own = text.length - text.trimStart().length;
        if (own <= indent) break;
        blockIndent ??= own;
        if (own < blockIndent) this.fail(this.offset + this.index + 1, 'literal block line indented less than its first');
      }
      lines.push(text);
      this.index++;
    }
    while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
    const body = lines.map((text) => text.slice(blockIndent ?? 0)).join('\n');
    return strip ? body : `${body}\n`;
  }
}

/** Brackets closed, outside quotes. */
function balanced(text: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[') depth++;
    else if (char === ']') depth--;
  }
  return depth === 0 && !quote;
}

function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** `key: rest` with a plain or quoted key; undefined when the text is not a mapping entry. */
function keyOf(text: string): { key: string; rest: string } | undefined {
  const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'):(?:\s+(.*))?$/.exec(text);
  if (quoted) return { key: unquote(quoted[1]), rest: (quoted[2] ?? '').trim() };
  if (/^["'[{]/.test(text)) return undefined;
  const plain = /^([^\s:#][^:#]*?):(?:\s+(.*))?$/.exec(text);
  return plain ? { key: plain[1], rest: (plain[2] ?? '').trim() } : undefined;
}

function scalar(text: string, line: number, file: string): YamlValue {
  const fail = (message: string): never => {
    throw new Error(`${file}:${line}: ${message}: ${text}`);
  };
  if (text.startsWith('"') || text.startsWith("'")) {
    const match = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')$/.exec(text);
    if (!match) fail('unterminated or trailing text after a quoted scalar');
    return unquote(text);
  }
  if (text === '{}') return {};
  if (text === '[]') return [];
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) fail('a flow list must close on its line');
    return splitFlow(text.slice(1, -1), fail).map((item) => scalar(item, line, file));
  }
  if (/^[&*!%@`|>{}\]]/.test(text)) fail('anchors, aliases, tags, folded blocks and flow mappings are not in the subset');
  if (/:\s|\s#/.test(text)) fail('quote a value holding ": " or " #"');
  if (/^(y|n|yes|no|on|off)$/i.test(text)) fail('quote it: YAML 1.1 reads it as a boolean');
  if (/^\d+(:\d+)+$/.test(text)) fail('quote it: YAML 1.1 reads digits:digits as a base-60 number');
  if (/^(true|false)$/.test(text)) return text === 'true';
  if (/^(null|~)$/.test(text)) return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) return Number(text);
  if (/^[-+.\d]/.test(text) && !Number.isNaN(Number(text))) fail('quote a number-like value in an unusual form');
  return text;
}

function splitFlow(body: string, fail: (message: string) => never): string[] {
  const items: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (quote) {
      current += char;
      if (char === '\\' && quote === '"') current += body[++i] ?? '';
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
      current += char;
    } else if (char === ',') {
      items.push(current.trim());
      current = '';
    } else if (char === '[' || char === '{') {
      fail('nested flow collections are not in the subset');
    } else {
      current += char;
    }
  }
  if (quote) fail('unterminated quote in a flow list');
  if (current.trim()) items.push(current.trim());
  return items;
}

function unquote(text: string): string {
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  return JSON.parse(text) as string;
}

/** The text before a comment: `#` at the start or after a blank, outside quotes. */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      // A quote opens a scalar only at its start (after ": ", "- ", "[", "," or a blank).
      if (i === 0 || /[\s[,]/.test(text[i - 1])) quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      return text.slice(0, i).trimEnd();
    }
  }
  return text.trimEnd();
}
