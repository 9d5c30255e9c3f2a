/** The process table the probe prints (pid, uid, command, command line), shared by service and process. */

export interface Proc {
  pid: string
  uid: string
  comm: string
  cmdline: string
}

export function parseProcs(text: string | undefined): Proc[] {
  return (text ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, uid, comm, ...rest] = line.split('\t')
      return {pid, uid, comm, cmdline: rest.join('\t').trim()}
    })
}

/** A name matches a process's command (comm, truncated by the kernel to 15 bytes) or argv[0]'s basename; /regex/ matches its command line. */
export function matchesProcess(target: string, p: Proc): boolean {
  const re = /^\/(.+)\/$/.exec(target)
  if (re) return new RegExp(re[1]).test(p.cmdline || p.comm)
  const argv0 = (p.cmdline.split(' ')[0] ?? '').split('/').pop()
  return p.comm === target || p.comm === target.slice(0, 15) || argv0 === target
}
