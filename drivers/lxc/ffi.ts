/**
 * liblxc (and the libc calls its attach and its layers need) through koffi. This is the only file that touches
 * the FFI; names match the C names one to one. The struct layouts follow lxccontainer.h and
 * attach_options.h of liblxc 5.0.
 *
 * As go-lxc does, each wrapper checks what must hold before the call, calls C, and turns a failure
 * (`false`, -1) into a named error that says which call failed on which container, with what liblxc
 * said (its error string or its log's last warnings) or the errno as `cause`.
 */
import {readFileSync} from 'node:fs'
import {constants} from 'node:os'
import {getSystemErrorName} from 'node:util'
import {createRequire} from 'node:module'
import type {LibraryHandle} from 'koffi'
import {EngineError, type ErrorOptions} from '../../src/errors.js'

// Required, not imported: as an ES import the CommonJS package is first scanned for its exports (10 ms).
const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi')

// liblxc's start through an async call hung on koffi's default 128 KiB worker stack.
koffi.config({...koffi.config(), async_stack_size: 8 << 20})

let lib: LibraryHandle
let libc: LibraryHandle
try {
  lib = koffi.load('liblxc.so.1')
  libc = koffi.load('libc.so.6')
} catch (error) {
  throw new Error('liblxc.so.1 could not be loaded; install the lxc package', {cause: error})
}

/** Anything the LXC driver cannot do because of LXC or the machine: exit code 3. */
export class LxcError extends EngineError {}

/** A liblxc (or libc) call failed; `call` is the C function's name. */
export class LxcCallError extends LxcError {
  constructor(
    readonly call: string,
    /** The container it was called on, if any. */
    readonly container: string | undefined,
    message: string,
    options: ErrorOptions = {},
  ) {
    super(message, options)
  }
}

/** lxc_container_new: the container could not be opened (its config did not load). */
export class LxcOpenError extends LxcCallError {}
export class LxcStartError extends LxcCallError {}
export class LxcStopError extends LxcCallError {}
/** shutdown: the container's init did not halt within the time given (it still runs). */
export class LxcShutdownError extends LxcCallError {}
/** freeze or unfreeze. */
export class LxcFreezeError extends LxcCallError {}
/** attach_run_wait could not run the program (not: the program failed). */
export class LxcAttachError extends LxcCallError {}
/** The call needs a running container and this one is not. */
export class LxcNotRunningError extends LxcCallError {}

/** A failed libc call's errno, shaped like Node's own system errors. */
class ErrnoError extends Error {
  readonly code: string
  constructor(
    readonly syscall: string,
    readonly errno: number,
  ) {
    const code = getSystemErrorName(-errno)
    super(`${syscall} failed: ${code} (errno ${errno})`)
    this.code = code
  }
}

/** What liblxc wrote about a container: its log's last errors and warnings. */
class LxcLog extends Error {
  override name = 'liblxc log'
}

export type LxcContainerPtr = unknown

const lxc_container = koffi.opaque('lxc_container')
const lxc_container_ptr = koffi.pointer(lxc_container)

const lxc_groups_t = koffi.struct('lxc_groups_t', {size: 'size_t', list: 'void *'})
const lxc_attach_options_t = koffi.struct('lxc_attach_options_t', {
  attach_flags: 'int',
  namespaces: 'int',
  personality: 'long',
  initial_cwd: 'const char *',
  uid: 'uint32_t',
  gid: 'uint32_t',
  env_policy: 'int',
  extra_env_vars: 'const char **',
  extra_keep_env: 'const char **',
  stdin_fd: 'int',
  stdout_fd: 'int',
  stderr_fd: 'int',
  log_fd: 'int',
  lsm_label: 'const char *',
  groups: lxc_groups_t,
})

export const LXC_ATTACH_DEFAULT = 0x0000ffff
export const LXC_ATTACH_CLEAR_ENV = 1
export const LXC_ATTACH_DETECT_PERSONALITY = -1

export interface lxc_attach_options {
  attach_flags: number
  namespaces: number
  personality: number
  initial_cwd: string | null
  uid: number
  gid: number
  env_policy: number
  extra_env_vars: (string | null)[] | null
  extra_keep_env: (string | null)[] | null
  stdin_fd: number
  stdout_fd: number
  stderr_fd: number
  log_fd: number
  lsm_label: string | null
  groups: {size: number; list: null}
}

const lxc_container_new_fn = lib.func('lxc_container_new', lxc_container_ptr, ['const char *', 'const char *'])
const lxc_container_put_fn = lib.func('lxc_container_put', 'int', [lxc_container_ptr])
const lxc_get_version_fn = lib.func('const char *lxc_get_version()')
const pipe2_fn = libc.func('int pipe2(_Out_ int *pipefd, int flags)')
const close_fn = libc.func('int close(int fd)')
const lgetxattr_fn = libc.func('long lgetxattr(const char *path, const char *name, void *value, size_t size)')
const socket_fn = libc.func('int socket(int domain, int type, int protocol)')
const ioctl_fn = libc.func('int ioctl(int fd, unsigned long request, ...)')

// The data members that precede the function pointers in struct lxc_container.
const lxc_container_head = koffi.struct('lxc_container_head', {
  name: 'char *',
  configfile: 'char *',
  pidfile: 'char *',
  slock: 'void *',
  privlock: 'void *',
  numthreads: 'int',
  lxc_conf: 'void *',
  error_string: 'char *',
  error_num: 'int',
  daemonize: 'bool',
  config_path: 'char *',
})

// Function pointer members in declaration order, up to the last one Galley calls.
const members = [
  'is_defined', 'state', 'is_running', 'freeze', 'unfreeze', 'init_pid', 'load_config', 'start', 'startl', 'stop',
  'want_daemonize', 'want_close_all_fds', 'config_file_name', 'wait', 'set_config_item', 'destroy', 'save_config',
  'create', 'createl', 'rename', 'reboot', 'shutdown', 'clear_config', 'clear_config_item', 'get_config_item',
  'get_running_config_item', 'get_keys', 'get_interfaces', 'get_ips', 'get_cgroup_item', 'set_cgroup_item',
  'get_config_path', 'set_config_path', 'clone', 'console_getfd', 'console', 'attach', 'attach_run_wait',
] as const

const protos = {
  is_running: koffi.proto('bool lxc_is_running(lxc_container *c)'),
  freeze: koffi.proto('bool lxc_freeze(lxc_container *c)'),
  unfreeze: koffi.proto('bool lxc_unfreeze(lxc_container *c)'),
  init_pid: koffi.proto('int lxc_init_pid(lxc_container *c)'),
  start: koffi.proto('bool lxc_start(lxc_container *c, int useinit, const char **argv)'),
  stop: koffi.proto('bool lxc_stop(lxc_container *c)'),
  shutdown: koffi.proto('bool lxc_shutdown(lxc_container *c, int timeout)'),
  want_daemonize: koffi.proto('bool lxc_want_daemonize(lxc_container *c, bool state)'),
  get_config_item: koffi.proto('int lxc_get_config_item(lxc_container *c, const char *key, void *retv, int inlen)'),
  attach_run_wait: koffi.proto('int lxc_attach_run_wait(lxc_container *c, lxc_attach_options_t *options, const char *program, const char **argv)'),
} as const

type Member = keyof typeof protos & (typeof members)[number]
const headSize = koffi.sizeof(lxc_container_head)
const pointerSize = koffi.sizeof('void *')

type KoffiFn = ((...args: any[]) => any) & {async: (...args: any[]) => void}

function member(c: LxcContainerPtr, name: Member): KoffiFn {
  const offset = headSize + pointerSize * members.indexOf(name)
  const fp = koffi.decode(c, offset, 'void *')
  return koffi.decode(fp, protos[name]) as KoffiFn
}

function callAsync<T>(fn: KoffiFn, ...args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => fn.async(...args, (err: unknown, res: T) => (err ? reject(err) : resolve(res))))
}

/**
 * How many attaches may hold a thread of libuv's pool at once. Each holds one until its program
 * exits, and file reads and the other calls here need threads of that same pool: with every thread
 * held the process would stall. Two stay free; attaches beyond the rest wait their turn. The other
 * calls (open, start, freeze, stop …) end on their own and are not counted: queued behind attaches,
 * the kill that ends one of them, or a check of its limits, would wait for it forever.
 */
export const MAX_BLOCKING_CALLS = Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 2)
let blocking = 0
const waiting: (() => void)[] = []

/** Waits for a free slot; false when `signal` aborts first, and the slot is then not taken. */
function takeSlot(signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  if (blocking < MAX_BLOCKING_CALLS) {
    blocking++
    return Promise.resolve(true)
  }
  return new Promise((resolve) => {
    const turn = () => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }
    const onAbort = () => {
      waiting.splice(waiting.indexOf(turn), 1)
      resolve(false)
    }
    waiting.push(turn)
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}

function releaseSlot(): void {
  // The slot passes straight to the next waiter, so no new call can take it in between.
  const next = waiting.shift()
  if (next) next()
  else blocking--
}

function head(c: LxcContainerPtr): {name: string; error_string: string | null} {
  return koffi.decode(c, lxc_container_head)
}

/** The errno of the libc call just made, as the cause of an error. */
function errnoCause(syscall: string): ErrnoError | undefined {
  const errno = koffi.errno()
  return errno ? new ErrnoError(syscall, errno) : undefined
}

/** liblxc's version, for doctor. */
export function lxc_get_version(): string {
  return lxc_get_version_fn() as string
}

/**
 * A new reference to the container `name` in `lxcpath`, loading its config file if present;
 * release it with lxc_container_put. Throws LxcOpenError when liblxc cannot make one.
 */
export function lxc_container_new(name: string, lxcpath: string): LxcContainerPtr {
  koffi.errno(0)
  const c = lxc_container_new_fn(name, lxcpath) as LxcContainerPtr | null
  if (!c) throw new LxcOpenError('lxc_container_new', name, `liblxc could not open container ${name} in ${lxcpath}`, {cause: errnoCause('lxc_container_new')})
  return c
}

/** Drops the reference lxc_container_new made. */
export function lxc_container_put(c: LxcContainerPtr): void {
  lxc_container_put_fn(c)
}

/**
 * Opens the container for as long as `fn` runs, and releases it after. Opening reads and parses its
 * config files, so it runs on libuv's pool, off the event loop, as does the release.
 */
export async function withContainer<T>(name: string, lxcpath: string, fn: (c: LxcContainerPtr) => T | Promise<T>): Promise<T> {
  koffi.errno(0)
  const c = (await callAsync<LxcContainerPtr | null>(lxc_container_new_fn as unknown as KoffiFn, name, lxcpath)) ?? undefined
  if (!c) throw new LxcOpenError('lxc_container_new', name, `liblxc could not open container ${name} in ${lxcpath}`, {cause: errnoCause('lxc_container_new')})
  try {
    return await fn(c)
  } finally {
    await callAsync<number>(lxc_container_put_fn as unknown as KoffiFn, c)
  }
}

/** liblxc's error string of the container's last failed call, if it set one. */
export function error_string(c: LxcContainerPtr): string | null {
  return head(c).error_string ?? null
}

/** A config item's value, or undefined when the container has none. */
function get_config_item(c: LxcContainerPtr, key: string): string | undefined {
  const value = Buffer.alloc(4096)
  const n = member(c, 'get_config_item')(c, key, value, value.length) as number
  return n > 0 && n < value.length ? value.subarray(0, n).toString() : undefined
}

/** The last errors and warnings of the container's log file (lxc.log.file), or '' when there are none. */
export function logTail(c: LxcContainerPtr): string {
  const file = get_config_item(c, 'lxc.log.file')
  if (!file) return ''
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter((l) => /ERROR|WARN/.test(l)).slice(-6).join('\n')
  } catch {
    return ''
  }
}

/** What liblxc said about the container's last failure, as the cause of an error. */
function liblxcCause(c: LxcContainerPtr): LxcLog | undefined {
  const said = error_string(c) ?? logTail(c)
  return said ? new LxcLog(said) : undefined
}

/** Whether the container is running (or frozen). */
export const is_running = (c: LxcContainerPtr): boolean => member(c, 'is_running')(c)
/** is_running off the event loop: it asks the container's monitor over a socket, which may be slow to answer when busy. */
export const is_running_async = (c: LxcContainerPtr): Promise<boolean> => callAsync<boolean>(member(c, 'is_running'), c)
/** The container's init pid on the host, or -1 when it is not running. */
export const init_pid = (c: LxcContainerPtr): number => member(c, 'init_pid')(c)

/** Freezes every process of the container, off the main thread (a busy container takes a while); throws LxcFreezeError. */
export async function freeze(c: LxcContainerPtr): Promise<void> {
  if (!(await callAsync<boolean>(member(c, 'freeze'), c))) {
    const {name} = head(c)
    throw new LxcFreezeError('freeze', name, `could not freeze container ${name}`, {cause: liblxcCause(c)})
  }
}

/** Thaws a frozen container, off the main thread; throws LxcFreezeError. */
export async function unfreeze(c: LxcContainerPtr): Promise<void> {
  if (!(await callAsync<boolean>(member(c, 'unfreeze'), c))) {
    const {name} = head(c)
    throw new LxcFreezeError('unfreeze', name, `could not thaw container ${name}; it stays frozen`, {cause: liblxcCause(c), hint: 'Destroy it: galley destroy'})
  }
}

/** Whether start forks the container off as a daemon; throws LxcCallError. */
export function want_daemonize(c: LxcContainerPtr, on: boolean): void {
  if (!member(c, 'want_daemonize')(c, on)) {
    const {name} = head(c)
    throw new LxcCallError('want_daemonize', name, `could not set whether container ${name} daemonizes`, {cause: liblxcCause(c)})
  }
}

/** Starts the container with argv as its init; runs off the main thread. */
export async function start(c: LxcContainerPtr, useinit: number, argv: string[]): Promise<void> {
  const {name} = head(c)
  if (await is_running_async(c)) throw new LxcStartError('start', name, `container ${name} is already running`)
  if (await callAsync<boolean>(member(c, 'start'), c, useinit, [...argv, null])) return
  const tail = logTail(c)
  throw new LxcStartError('start', name, `container ${name} failed to start` + (tail ? `:\n${tail}` : ''), {
    cause: tail ? new LxcLog(tail) : undefined,
    hint: 'Run galley doctor to check the LXC setup.',
  })
}

/** Stops the container and waits until it has; runs off the main thread. */
export async function stop(c: LxcContainerPtr): Promise<void> {
  if (await callAsync<boolean>(member(c, 'stop'), c)) return
  const {name} = head(c)
  const cause = liblxcCause(c)
  throw new LxcStopError('stop', name, `container ${name} could not be stopped: ${cause?.message ?? ''}`, {cause})
}

/**
 * Asks the container's init to halt (lxc.signal.halt) and waits up to `timeoutSeconds` for it to
 * stop; off the main thread. Throws LxcShutdownError when it still runs then.
 */
export async function shutdown(c: LxcContainerPtr, timeoutSeconds: number): Promise<void> {
  if (await callAsync<boolean>(member(c, 'shutdown'), c, timeoutSeconds)) return
  const {name} = head(c)
  throw new LxcShutdownError('shutdown', name, `container ${name} did not shut down within ${timeoutSeconds} s`, {cause: liblxcCause(c)})
}

/** The wait status of a process killed by SIGKILL. */
const KILLED_STATUS = 9

/**
 * Runs `program` inside the running container and waits for it; resolves to its wait status.
 * Off the main thread, once an attach slot is free. Aborting `signal` while it waits for one
 * leaves the program unstarted (its kill found nothing to kill): it resolves as killed.
 */
export async function attach_run_wait(c: LxcContainerPtr, options: lxc_attach_options, program: string, argv: string[], signal?: AbortSignal): Promise<number> {
  const {name} = head(c)
  const notRunning = () =>
    new LxcNotRunningError('attach_run_wait', name, `could not run ${program} in ${name}: the container is not running`, {
      hint: 'Start afresh: galley destroy, then run the command again.',
    })
  // Not asked before the call (a round trip to the monitor, every exec): a stopped container fails
  // the attach, and the check below says why.
  if (!(await takeSlot(signal))) return KILLED_STATUS
  let status: number
  try {
    status = await callAsync<number>(member(c, 'attach_run_wait'), c, options, program, [...argv, null])
  } finally {
    releaseSlot()
  }
  if (status >= 0) return status
  // It may have stopped meanwhile; otherwise attaching itself failed.
  if (!is_running(c)) throw notRunning()
  throw new LxcAttachError('attach_run_wait', name, `could not run ${program} in ${name}`, {cause: liblxcCause(c)})
}

const O_CLOEXEC = 0o2000000

/** A close-on-exec pipe: [read end, write end]. */
export function pipe2(): [number, number] {
  const fds = [0, 0]
  if (pipe2_fn(fds, O_CLOEXEC) !== 0) throw new LxcCallError('pipe2', undefined, 'could not make a pipe', {cause: errnoCause('pipe2')})
  return [fds[0], fds[1]]
}

/** Closes a file descriptor of this process; throws LxcCallError. */
export function close(fd: number): void {
  if (close_fn(fd) !== 0) throw new LxcCallError('close', undefined, `could not close file descriptor ${fd}`, {cause: errnoCause('close')})
}

/**
 * An extended attribute of `path` (not following a symlink), or undefined when it has none by
 * that name or its filesystem keeps no extended attributes.
 */
export function lgetxattr(path: string, name: string): string | undefined {
  const value = Buffer.alloc(256)
  const n = lgetxattr_fn(path, name, value, value.length) as number
  if (n >= 0) return value.subarray(0, n).toString()
  const errno = koffi.errno()
  if (errno === constants.errno.ENODATA || errno === constants.errno.ENOTSUP) return undefined
  throw new LxcCallError('lgetxattr', undefined, `could not read the extended attribute ${name} of ${path}`, {cause: new ErrnoError('lgetxattr', errno)})
}

const AF_INET = 2
const SOCK_DGRAM = 2
const SIOCGIFADDR = 0x8915
const SIOCGIFNETMASK = 0x891b
/** struct ifreq: the name (16 bytes), then a union whose sockaddr_in holds the IPv4 address at byte 20. */
const IFREQ_SIZE = 40

/**
 * The IPv4 address and netmask of the network interface `name` (SIOCGIFADDR, SIOCGIFNETMASK), or
 * undefined when it has none or does not exist. Unlike os.networkInterfaces(), it sees a bridge
 * with no carrier (one no container is attached to yet), without running `ip`.
 */
export function interfaceIPv4(name: string): {address: string; netmask: string} | undefined {
  const fd = socket_fn(AF_INET, SOCK_DGRAM | O_CLOEXEC, 0) as number
  if (fd < 0) throw new LxcCallError('socket', undefined, 'could not open a socket to read network interfaces', {cause: errnoCause('socket')})
  try {
    const ask = (request: number): string | undefined => {
      const ifreq = Buffer.alloc(IFREQ_SIZE)
      ifreq.write(name, 0, 15)
      return ioctl_fn(fd, request, 'void *', ifreq) === 0 ? [...ifreq.subarray(20, 24)].join('.') : undefined
    }
    const address = ask(SIOCGIFADDR)
    const netmask = address ? ask(SIOCGIFNETMASK) : undefined
    return address && netmask ? {address, netmask} : undefined
  } finally {
    close_fn(fd)
  }
}
