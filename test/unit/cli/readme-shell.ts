/**
 * The shell commands a README shows, read the way a user copies them: every line of its fenced
 * ```sh blocks, and the inline code spans that start with a runnable tool (`npx`, `npm`, `node`)
 * and are more than a name (`npx kretry`) or a form with a `…` placeholder. A small POSIX-ish tokenizer is enough: quotes, backslashes, comments, line
 * continuations, `&&`/`||`/`|`/`;`, redirections and leading `NAME=value` assignments. Anything it
 * cannot read (an unterminated quote) throws, so the README cannot hide a command from the test.
 */

export interface ShellCommand {
  /** Where it is: `README.md:42`. */
  readonly where: string;
  /** The simple command as written (one of several on a line joined with `&&` or `|`). */
  readonly text: string;
  /** Its words after quote removal, without assignments and redirections. */
  readonly words: readonly string[];
}

type Token = { readonly word: string } | { readonly op: string };

const INLINE_TOOLS = /^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?:npx|npm|node)\s/;
const OPERATOR = /^(?:&&|\|\||[0-9]*>>|[0-9]*>&[0-9]+|&>|[0-9]*>|<|\||;|&)/;
const SEPARATORS = new Set(['&&', '||', '|', ';', '&']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Words and operators of one logical line. */
export function shellTokens(line: string): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let inWord = false;
  const flush = (): void => {
    if (inWord) tokens.push({ word });
    word = '';
    inWord = false;
  };
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      while (i < line.length && line.charAt(i) !== '"') {
        const next = line.charAt(i + 1);
        if (line.charAt(i) === '\\' && '"\\$`'.includes(next) && next !== '') {
          word += next;
          i += 2;
        } else {
          word += line.charAt(i);
          i++;
        }
      }
      if (i >= line.length) throw new Error(`unterminated " in: ${line}`);
      i++;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line.charAt(i + 1);
      inWord = true;
      i += 2;
    } else if (/\s/.test(c)) {
      flush();
      i++;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      const op = '|&;<>'.includes(c) || !inWord ? OPERATOR.exec(line.slice(i))?.[0] : undefined;
      if (op === undefined) {
        word += c;
        inWord = true;
        i++;
      } else {
        flush();
        tokens.push({ op });
        i += op.length;
      }
    }
  }
  flush();
  return tokens;
}

/** The simple commands of one logical line, as word lists. */
export function simpleCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  const tokens = shellTokens(line);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if ('word' in token) {
      commands.at(-1)!.push(token.word);
    } else if (SEPARATORS.has(token.op)) {
      commands.push([]);
    } else if (!/>&[0-9]+$/.test(token.op)) {
      i++; // a redirection's target: `> sent.jsonl`, `< in.json`
    }
  }
  return commands
    .map((words) => {
      const program = words.findIndex((w) => !ASSIGNMENT.test(w));
      return program < 0 ? [] : words.slice(program);
    })
    .filter((words) => words.length > 0);
}

/** Every command of the README's ```sh blocks and runnable inline spans, with its line. */
export function readmeCommands(markdown: string, file = 'README.md'): ShellCommand[] {
  const lines = markdown.split('\n');
  const found: { line: number; text: string }[] = [];
  let fence: string | undefined;
  let pending: { line: number; text: string } | undefined;
  let prose: { line: number; text: string }[] = [];

  const flushProse = (): void => {
    // Inline spans may wrap across lines within a paragraph, so read them paragraph by paragraph.
    const text = prose.map((p) => p.text).join('\n');
    for (const match of text.matchAll(/`([^`]+)`/g)) {
      const span = match[1]!.replace(/\s+/g, ' ').trim();
      // In prose, `npx kretry` and `npx kretry …` name the form; they are not commands to run.
      if (!INLINE_TOOLS.test(span) || span.includes('…') || /^npx \S+$/.test(span)) continue;
      const line = prose[0]!.line + text.slice(0, match.index).split('\n').length - 1;
      found.push({ line, text: span });
    }
    prose = [];
  };

  lines.forEach((raw, index) => {
    const line = index + 1;
    const opening = /^\s*```\s*([\w-]*)/.exec(raw);
    if (fence === undefined && opening !== null) {
      flushProse();
      fence = opening[1] ?? '';
      return;
    }
    if (fence !== undefined) {
      if (/^\s*```\s*$/.test(raw)) {
        fence = undefined;
        return;
      }
      if (!['sh', 'bash', 'shell'].includes(fence)) return;
      const joined = pending === undefined ? { line, text: raw } : { ...pending, text: pending.text + raw };
      if (/\\$/.test(raw)) {
        pending = { ...joined, text: joined.text.slice(0, -1) };
      } else {
        pending = undefined;
        found.push(joined);
      }
      return;
    }
    if (raw.trim() === '') flushProse();
    else prose.push({ line, text: raw });
  });
  flushProse();

  return found.flatMap(({ line, text }) =>
    simpleCommands(text).map((words) => ({ where: `${file}:${line}`, text: words.join(' '), words })),
  );
}
