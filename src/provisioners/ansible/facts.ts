/**
 * Facts gathered once per container: every ansible-playbook run in an instance (each playbook of
 * converge, the idempotence pass, a verifier's playbook) reads the facts the first run gathered
 * from a cache inside the instance instead of gathering them again (a second or more each time).
 */

/**
 * Where the cache lives: the container's /dev/shm, a tmpfs on LXC and Docker alike, so it lasts as
 * long as the container and never enters a step snapshot. A container made from a snapshot gathers
 * its own facts: cached ones would describe the container the snapshot was taken from.
 */
export const FACT_CACHE_DIR = '/dev/shm/galley-ansible-facts'

/**
 * The environment that makes ansible-playbook keep and reuse facts in FACT_CACHE_DIR. A run as
 * another `user` keeps its own: root's facts say who runs (ansible_user_id, ansible_env), and a
 * user could not write root's folder.
 */
export function factCacheEnv(user?: string): Record<string, string> {
  return {
    // smart: gather only for a host whose facts are not in the cache yet.
    ANSIBLE_GATHERING: 'smart',
    ANSIBLE_CACHE_PLUGIN: 'jsonfile',
    ANSIBLE_CACHE_PLUGIN_CONNECTION: user === undefined ? FACT_CACHE_DIR : `${FACT_CACHE_DIR}-${user}`,
    ANSIBLE_CACHE_PLUGIN_TIMEOUT: '86400',
  }
}
