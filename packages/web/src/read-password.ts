import type { Readable, Writable } from 'node:stream';

/**
 * A password from stdin, never from the command line (where `ps` and shell
 * history would show it). Piped: the first line. A terminal: typed without
 * echo, asked twice when `confirm`. Null when the two differ or stdin ended
 * before a line.
 */
export async function readPassword(
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void },
  output: Writable,
  confirm: boolean,
): Promise<string | null> {
  if (input.isTTY === true && input.setRawMode !== undefined) {
    const first = await readHidden(input, output, 'Password: ');
    if (!confirm) return first;
    const again = await readHidden(input, output, 'Again: ');
    return first === again ? first : null;
  }
  return readFirstLine(input);
}

async function readFirstLine(input: Readable): Promise<string | null> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    const nl = text.indexOf('\n');
    if (nl >= 0) return text.slice(0, nl).replace(/\r$/, '');
  }
  return text === '' ? null : text;
}

function readHidden(
  input: Readable & { setRawMode?: (raw: boolean) => void },
  output: Writable,
  prompt: string,
): Promise<string> {
  output.write(prompt);
  input.setRawMode?.(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (err === undefined) resolve(typed);
      else reject(err);
    };
    const onData = (s: string) => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('interrupted'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}
