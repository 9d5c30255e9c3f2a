/**
 * A command's output cut into lines as a terminal leaves them. `\n` and `\r\n` end a line. A lone
 * `\r` is how a progress meter (dpkg's `(Reading database ... 5%`, download counters) rewrites its
 * line in place: only the last state of such a line is kept, or every state lands on one line.
 */
export class LineSplitter {
  private partial = ''

  /** The lines `text` completes; the rest waits for the next chunk or for `flush`. */
  push(text: string): string[] {
    const lines = (this.partial + text).split('\n')
    this.partial = lines.pop() ?? ''
    // States already rewritten are dropped at once, so a meter that never ends its line costs no
    // memory; a CR at the very end is kept, as it may be the first half of a CRLF.
    const cut = this.partial.replace(/\r+$/, '').lastIndexOf('\r')
    if (cut >= 0) this.partial = this.partial.slice(cut + 1)
    return lines.map(lastState)
  }

  /** The unfinished last line, when the output ended without a line end. */
  flush(): string[] {
    const rest = this.partial
    this.partial = ''
    return rest.replace(/\r+$/, '') ? [lastState(rest)] : []
  }
}

/** A line rewritten by CRs as a terminal shows it when each state covers the one before, as a meter's does: its last state that is not empty. */
function lastState(line: string): string {
  if (!line.includes('\r')) return line
  return line.split('\r').filter(Boolean).at(-1) ?? ''
}
