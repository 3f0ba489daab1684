// Where a JSON text goes wrong, as line and column. JSON.parse in Node 20 often names no
// position ("Unexpected token 'a', ... is not valid JSON"), so after it fails this small
// scanner walks the text again (only on the error path) to find the first bad character.

export interface JsonSyntaxError {
  /** 1-based line and column of the offending character (or of the end of the text). */
  line: number;
  column: number;
  problem: string;
}

class ScanError extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

class Scanner {
  private offset = 0;
  constructor(private readonly text: string) {}

  scanDocument(): void {
    this.skipSpace();
    this.scanValue();
    this.skipSpace();
    if (this.offset < this.text.length) this.fail('unexpected content after the top-level value');
  }

  private fail(problem: string, offset = this.offset): never {
    throw new ScanError(offset, problem);
  }

  private describeHere(): string {
    if (this.offset >= this.text.length) return 'end of file';
    return JSON.stringify(this.text[this.offset]);
  }

  private expected(what: string): never {
    this.fail(`expected ${what}, got ${this.describeHere()}`);
  }

  private skipSpace(): void {
    while (this.offset < this.text.length && ' \t\n\r'.includes(this.text[this.offset]!)) this.offset++;
  }

  private scanValue(): void {
    const c = this.text[this.offset];
    if (c === '{') this.scanObject();
    else if (c === '[') this.scanArray();
    else if (c === '"') this.scanString();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.scanNumber();
    else this.scanWord();
  }

  private scanWord(): void {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.offset)) {
        this.offset += word.length;
        return;
      }
    }
    this.expected('a value');
  }

  private scanObject(): void {
    this.offset++; // {
    this.skipSpace();
    if (this.text[this.offset] === '}') {
      this.offset++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.offset] !== '"') this.expected('a property name in double quotes');
      this.scanString();
      this.skipSpace();
      if (this.text[this.offset] !== ':') this.expected("':' after a property name");
      this.offset++;
      this.skipSpace();
      this.scanValue();
      this.skipSpace();
      const c = this.text[this.offset];
      if (c === '}') {
        this.offset++;
        return;
      }
      if (c !== ',') this.expected("',' or '}' after a property value");
      this.offset++;
    }
  }

  private scanArray(): void {
    this.offset++; // [
    this.skipSpace();
    if (this.text[this.offset] === ']') {
      this.offset++;
      return;
    }
    for (;;) {
      this.skipSpace();
      this.scanValue();
      this.skipSpace();
      const c = this.text[this.offset];
      if (c === ']') {
        this.offset++;
        return;
      }
      if (c !== ',') this.expected("',' or ']' after an array element");
      this.offset++;
    }
  }

  private scanString(): void {
    this.offset++; // opening quote
    for (;;) {
      if (this.offset >= this.text.length) this.fail('unterminated string');
      const c = this.text.charCodeAt(this.offset);
      if (c === 0x22) {
        this.offset++;
        return;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c === 0x5c) {
        const escaped = this.text[this.offset + 1];
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.offset + 2, this.offset + 6)))
            this.fail('invalid \\u escape');
          this.offset += 6;
          continue;
        }
        if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) this.fail('invalid escape in string');
        this.offset += 2;
        continue;
      }
      this.offset++;
    }
  }

  private scanNumber(): void {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(
      this.text.slice(this.offset, this.offset + 400),
    );
    if (!match || match[0] === '-') this.expected('a number');
    this.offset += match[0].length;
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The first syntax error in `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Scanner(text).scanDocument();
    return undefined;
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    return { ...lineAndColumn(text, error.offset), problem: error.problem };
  }
}
