/** The processes of an instance, to tell a step that left a service running from one that did not. */
import type {ContainerHandle, Driver} from '../../drivers/driver.js'

/** The container's process ids, read from /proc by the shell alone (no forks, no ps needed). */
export async function listProcesses(driver: Driver, handle: ContainerHandle): Promise<Set<string>> {
  let out = ''
  const script = 'echo "self $$"; for p in /proc/[0-9]*; do echo "${p#/proc/}"; done'
  await driver.exec(handle, ['/bin/sh', '-c', script], {onStdout: (b) => (out += b)})
  const lines = out.trim().split('\n')
  const self = lines.find((l) => l.startsWith('self '))?.slice(5)
  return new Set(lines.filter((l) => !l.startsWith('self ') && l !== self))
}
