/**
 * liblxc (and the libc calls its attach and its layers need) through koffi. This is the only file that touches
 * the FFI; names match the C names one to one. The struct layouts follow lxccontainer.h and
 * attach_options.h of liblxc 5.0.
 */
import koffi, {type LibraryHandle} from 'koffi'

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
  is_defined: koffi.proto('bool lxc_is_defined(lxc_container *c)'),
  state: koffi.proto('const char *lxc_state(lxc_container *c)'),
  is_running: koffi.proto('bool lxc_is_running(lxc_container *c)'),
  freeze: koffi.proto('bool lxc_freeze(lxc_container *c)'),
  unfreeze: koffi.proto('bool lxc_unfreeze(lxc_container *c)'),
  init_pid: koffi.proto('int lxc_init_pid(lxc_container *c)'),
  start: koffi.proto('bool lxc_start(lxc_container *c, int useinit, const char **argv)'),
  stop: koffi.proto('bool lxc_stop(lxc_container *c)'),
  want_daemonize: koffi.proto('bool lxc_want_daemonize(lxc_container *c, bool state)'),
  wait: koffi.proto('bool lxc_wait(lxc_container *c, const char *state, int timeout)'),
  set_config_item: koffi.proto('bool lxc_set_config_item(lxc_container *c, const char *key, const char *value)'),
  attach_run_wait: koffi.proto('int lxc_attach_run_wait(lxc_container *c, lxc_attach_options_t *options, const char *program, const char **argv)'),
} as const

type Member = keyof typeof protos
const headSize = koffi.sizeof(lxc_container_head)
const pointerSize = koffi.sizeof('void *')

type KoffiFn = ((...args: any[]) => any) & {async: (...args: any[]) => void}

function member(c: LxcContainerPtr, name: Member): KoffiFn {
  const offset = headSize + pointerSize * members.indexOf(name)
  const fp = koffi.decode(c, offset, 'void *')
  return koffi.decode(fp, protos[name]) as KoffiFn
}

function callAsync<T>(fn: KoffiFn, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => fn.async(...args, (err: unknown, res: T) => (err ? reject(err) : resolve(res))))
}

export function lxc_get_version(): string {
  return lxc_get_version_fn() as string
}

/** Returns a new reference to the container `name` in `lxcpath`, loading its config file if present. */
export function lxc_container_new(name: string, lxcpath: string): LxcContainerPtr | null {
  return lxc_container_new_fn(name, lxcpath) as LxcContainerPtr | null
}

export function lxc_container_put(c: LxcContainerPtr): number {
  return lxc_container_put_fn(c) as number
}

export function error_string(c: LxcContainerPtr): string | null {
  return (koffi.decode(c, lxc_container_head).error_string as string | null) ?? null
}

export const is_defined = (c: LxcContainerPtr): boolean => member(c, 'is_defined')(c)
export const state = (c: LxcContainerPtr): string => member(c, 'state')(c)
export const is_running = (c: LxcContainerPtr): boolean => member(c, 'is_running')(c)
export const freeze = (c: LxcContainerPtr): boolean => member(c, 'freeze')(c)
export const unfreeze = (c: LxcContainerPtr): boolean => member(c, 'unfreeze')(c)
export const init_pid = (c: LxcContainerPtr): number => member(c, 'init_pid')(c)
export const want_daemonize = (c: LxcContainerPtr, on: boolean): boolean => member(c, 'want_daemonize')(c, on)
export const set_config_item = (c: LxcContainerPtr, key: string, value: string): boolean => member(c, 'set_config_item')(c, key, value)
/** Blocks until the container is stopped; runs off the main thread. */
export const stop = (c: LxcContainerPtr): Promise<boolean> => callAsync(member(c, 'stop'), c)
export const wait = (c: LxcContainerPtr, st: string, timeout: number): Promise<boolean> => callAsync(member(c, 'wait'), c, st, timeout)

/** Starts the container with argv as its init; runs off the main thread. */
export function start(c: LxcContainerPtr, useinit: number, argv: string[]): Promise<boolean> {
  return callAsync(member(c, 'start'), c, useinit, [...argv, null])
}

/** Runs `program` inside the container and waits for it; resolves to the wait status. Off the main thread. */
export function attach_run_wait(c: LxcContainerPtr, options: lxc_attach_options, program: string, argv: string[]): Promise<number> {
  return callAsync(member(c, 'attach_run_wait'), c, options, program, [...argv, null])
}

const O_CLOEXEC = 0o2000000

/** A close-on-exec pipe: [read end, write end]. */
export function pipe2(): [number, number] {
  const fds = [0, 0]
  if (pipe2_fn(fds, O_CLOEXEC) !== 0) throw new Error(`pipe2 failed (errno ${koffi.errno()})`)
  return [fds[0], fds[1]]
}

export function close(fd: number): number {
  return close_fn(fd) as number
}

/** An extended attribute of `path` (not following a symlink), or undefined when it has none by that name. */
export function lgetxattr(path: string, name: string): string | undefined {
  const value = Buffer.alloc(256)
  const n = lgetxattr_fn(path, name, value, value.length) as number
  return n < 0 ? undefined : value.subarray(0, n).toString()
}
