/**
 * Makes a closed reader on `stream` (stdout of `./run_lars.sh status | head -1`)
 * end the process quietly with exit status `code`, instead of an unhandled
 * 'error' event and a stack trace: the reader has all it wanted. Any other
 * error on the stream is rethrown, so it still ends the process loudly.
 */
export function exitQuietlyOnEpipe(stream: NodeJS.WritableStream = process.stdout, code = 0): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(code);
    throw err;
  });
}
