/**
 * Addresses for LXC instances on lxc-net's NAT bridge. Debian minbase has no DHCP client, so each
 * instance gets a static address from a lease file that any Galley process on the machine respects.
 */
import {closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync} from 'node:fs'
import path from 'node:path'
import {EngineError} from '../../src/errors.js'
import {storeDir} from '../../src/images/store.js'
import * as lxc from './ffi.js'

export interface Bridge {
  name: string
  /** The bridge's own address: gateway and DNS (lxc-net's dnsmasq) for the instances. */
  address: string
  prefix: number
}

/** Bridges found by this process: doctor (for driver auto) and the first create both ask. */
const found = new Map<string, Bridge>()

export function findBridge(name: string): Bridge {
  const known = found.get(name)
  if (known) return known
  const bridge = lookUpBridge(name)
  found.set(name, bridge)
  return bridge
}

function lookUpBridge(name: string): Bridge {
  // Asked of the kernel directly: os.networkInterfaces() omits a bridge with no carrier, which is
  // how it looks while no instance is attached to it, and running iproute2 costs a fork.
  const found = lxc.interfaceIPv4(name)
  if (!found) {
    throw new EngineError(`the LXC bridge ${name} has no IPv4 address, so instances would have no network`, {
      hint: 'Start LXC networking: /usr/libexec/lxc/lxc-net start (or systemctl start lxc-net), then run galley again.',
    })
  }
  const prefix = found.netmask.split('.').reduce((bits, octet) => bits + (Number(octet).toString(2).match(/1/g)?.length ?? 0), 0)
  return {name, address: found.address, prefix}
}

// Leases stay above the low hosts of the /24 that lxc-net's dnsmasq tends to hand out first.
const FIRST_HOST = 100
const LAST_HOST = 254
const STALE_MS = 60_000

function leaseDir(bridge: Bridge): string {
  return storeDir('net', bridge.name)
}

/** Claims a free address on the bridge for `owner` (a container directory). */
export function leaseAddress(bridge: Bridge, owner: string): string {
  if (bridge.prefix !== 24) throw new EngineError(`the LXC bridge ${bridge.name} is a /${bridge.prefix}; Galley expects a /24 such as lxc-net's default 10.0.3.0/24`)
  const base = bridge.address.split('.').slice(0, 3).join('.')
  const dir = leaseDir(bridge)
  for (let attempt = 0; attempt < 2; attempt++) {
    for (let host = FIRST_HOST; host <= LAST_HOST; host++) {
      const ip = `${base}.${host}`
      if (ip === bridge.address) continue
      try {
        const fd = openSync(path.join(dir, ip), 'wx')
        writeSync(fd, owner)
        closeSync(fd)
        return ip
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
    }
    reclaimStaleLeases(bridge)
  }
  throw new EngineError(`no free address left on ${bridge.name} (${LAST_HOST - FIRST_HOST + 1} instances at once)`, {hint: 'Destroy instances you no longer need: galley destroy'})
}

export function releaseAddress(bridge: Bridge, ip: string, owner: string): void {
  const file = path.join(leaseDir(bridge), ip)
  try {
    if (readFileSync(file, 'utf8') === owner) unlinkSync(file)
  } catch {
    // Already released.
  }
}

/** A lease whose container directory is gone (a killed run) is freed after a grace period. */
function reclaimStaleLeases(bridge: Bridge): void {
  const dir = leaseDir(bridge)
  for (const ip of readdirSync(dir)) {
    const file = path.join(dir, ip)
    try {
      const owner = readFileSync(file, 'utf8')
      if (!existsSync(owner) && Date.now() - statSync(file).mtimeMs > STALE_MS) unlinkSync(file)
    } catch {
      // Raced with another process; fine.
    }
  }
}
