/**
 * A small shell-form tokenizer for RUN/CMD/ENTRYPOINT arguments. It knows just enough
 * sh to find simple commands (split on && || ; | & and newlines), their words with the
 * offsets they have in the Dockerfile, quotes, Dockerfile line continuations and the
 * comment lines Docker strips from inside a continued instruction.
 */

export interface Word {
  /** The word with quotes removed. */
  value: string;
  start: number;
  end: number;
}

export interface SimpleCommand {
  words: Word[];
  start: number;
  end: number;
}

/**
 * Tokenize `text` (the file text) between `from` and `to`.
 * `escape` is the Dockerfile escape character (\ or `).
 */
export function tokenizeShell(text: string, from: number, to: number, escape = '\\'): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let words: Word[] = [];
  let cur: { value: string; start: number } | null = null;
  let atLineStart = false;
  const endWord = (end: number) => {
    if (cur) words.push({ value: cur.value, start: cur.start, end });
    cur = null;
  };
  const endCommand = () => {
    if (words.length) commands.push({ words, start: words[0].start, end: words[words.length - 1].end });
    words = [];
  };
  let i = from;
  while (i < to) {
    const ch = text[i];
    // Dockerfile line continuation: escape char, optional blanks, newline.
    if (ch === escape) {
      const m = /^[ \t]*\r?\n/.exec(text.slice(i + 1, Math.min(to, i + 200)));
      if (m) {
        endWord(i);
        i += 1 + m[0].length;
        atLineStart = true;
        continue;
      }
    }
    if (atLineStart) {
      // Comment lines and empty lines inside a continuation are dropped by Docker.
      let j = i;
      while (j < to && (text[j] === ' ' || text[j] === '\t')) j++;
      if (text[j] === '#') {
        const nl = text.indexOf('\n', j);
        i = nl < 0 || nl >= to ? to : nl + 1;
        continue;
      }
      atLineStart = false;
    }
    if (ch === ' ' || ch === '\t') {
      endWord(i);
      i++;
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      endWord(i);
      endCommand();
      i++;
      continue;
    }
    if (!cur && (ch === '&' || ch === '|' || ch === ';')) {
      endCommand();
      i += text[i + 1] === ch ? 2 : 1;
      continue;
    }
    if (cur && (ch === '&' || ch === '|' || ch === ';') && escape !== ch) {
      endWord(i);
      endCommand();
      i += text[i + 1] === ch ? 2 : 1;
      continue;
    }
    if (!cur && ch === '#') {
      // A shell comment: the rest of the physical line.
      const nl = text.indexOf('\n', i);
      i = nl < 0 || nl >= to ? to : nl;
      continue;
    }
    if (!cur) cur = { value: '', start: i };
    if (ch === "'") {
      const close = text.indexOf("'", i + 1);
      const stop = close < 0 || close >= to ? to : close;
      cur.value += text.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < to && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < to) {
          cur.value += text[j + 1];
          j += 2;
          continue;
        }
        cur.value += text[j];
        j++;
      }
      i = Math.min(to, j + 1);
      continue;
    }
    if (ch === '\\' && i + 1 < to) {
      cur.value += text[i + 1];
      i += 2;
      continue;
    }
    cur.value += ch;
    i++;
  }
  endWord(Math.min(i, to));
  endCommand();
  return commands;
}
