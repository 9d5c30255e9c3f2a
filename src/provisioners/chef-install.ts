/**
 * The step that installs Cinc (or Chef Infra Client) into the instance with the vendor's install
 * script (the omnitruck script: `install.sh -P <product> -v <version>`), unless the image already
 * has cinc-solo or chef-solo. The script needs a downloader (curl or wget) and, for https, the CA
 * certificates: apt installs them first when the image lacks them.
 */
import type {InstanceSpec} from '../config/types.js'
import type {Verdict} from '../model.js'
import type {ProvisionStep} from './step.js'

/** Cinc's omnitruck install script: the default of `install_url` for `install: cinc`. */
export const CINC_INSTALL_SCRIPT = 'https://omnitruck.cinc.sh/install.sh'

export type ChefProduct = 'cinc' | 'chef'

const NO_APT = 100
const NO_DOWNLOAD = 41
const SCRIPT_FAILED = 42
const NOTHING_INSTALLED = 43

export function judgeChefInstall(spec: InstanceSpec, product: ChefProduct, url: string, code: number): Verdict {
  if (code === 0) return {ok: true}
  const messages: Record<number, string> = {
    [NO_APT]: `platform \`${spec.platform.name}\` has neither curl nor wget to download ${product}'s install script, and no apt-get to install one with`,
    [NO_DOWNLOAD]: `could not download ${product}'s install script from ${url}: installing ${product} needs the network (or install_url: a copy of the script the instance can reach)`,
    [SCRIPT_FAILED]: `${product}'s install script (${url}) failed; see the output`,
    [NOTHING_INSTALLED]: `${product}'s install script (${url}) ran, but there is no ${product === 'cinc' ? 'cinc-solo or chef-solo' : 'chef-solo'} afterwards`,
  }
  return {ok: false, message: messages[code] ?? `installing curl and ca-certificates with apt-get failed (exit ${code}); see the output`}
}

/** The install step of `install: cinc|chef`. */
export function chefInstallStep(spec: InstanceSpec, product: ChefProduct, version: string | undefined, url: string): ProvisionStep {
  const script = [
    'product=$1 version=$2 url=$3',
    'if bin=$(command -v cinc-solo || command -v chef-solo); then echo "galley: $bin is already installed"; exit 0; fi',
    'need=',
    'command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 || need=curl',
    'case $url in https:*) [ -s /etc/ssl/certs/ca-certificates.crt ] || need="$need ca-certificates" ;; esac',
    'if [ -n "$need" ]; then',
    `  command -v apt-get >/dev/null 2>&1 || exit ${NO_APT}`,
    '  export DEBIAN_FRONTEND=noninteractive; { apt-get update -q && apt-get install -y -q --no-install-recommends $need && apt-get clean; } || exit 1',
    'fi',
    'mkdir -p /tmp/galley-chef',
    'if command -v curl >/dev/null 2>&1; then fetch="curl -fsSL -o /tmp/galley-chef/install.sh"; else fetch="wget -q -O /tmp/galley-chef/install.sh"; fi',
    `$fetch "$url" || exit ${NO_DOWNLOAD}`,
    `sh /tmp/galley-chef/install.sh -P "$product" \${version:+-v "$version"} || exit ${SCRIPT_FAILED}`,
    `command -v cinc-solo >/dev/null 2>&1 || command -v chef-solo >/dev/null 2>&1 || exit ${NOTHING_INSTALLED}`,
  ].join('\n')
  const what = version ? `${product} ${version}` : product
  return {
    kind: 'step',
    name: `install ${what}`,
    argv: ['/bin/sh', '-c', script, 'galley', product, version ?? '', url],
    env: {},
    expected: 0,
    command: `curl -fsSL ${url} | sh -s -- -P ${product}${version ? ` -v ${version}` : ''}`,
    judge: (code) => judgeChefInstall(spec, product, url, code),
    // Every suite on a platform shares one install.
    cache: {env: {}, settings: {install: product, version: version ?? null, url}, paths: []},
  }
}
