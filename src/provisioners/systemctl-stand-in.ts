/**
 * A stand-in `systemctl` for containers whose PID 1 is not systemd: tools that assume systemd on
 * Debian (itamae's service resource through specinfra, Ansible's systemd module) start, stop,
 * enable and query services through their init scripts instead.
 *
 * It must never call back into itself. Debian's update-rc.d calls `systemctl --root=/ enable|disable`
 * with SYSTEMCTL_SKIP_SYSV=1 whenever a real systemctl is installed (a package that pulls in
 * systemd puts one in /usr/bin, and this one, in /usr/local/bin, comes first on the PATH); were the
 * stand-in to answer that by calling update-rc.d, the two would call each other without end. So:
 * - once systemd is PID 1, everything goes to the real systemctl;
 * - a call for native units only (`--root`, SYSTEMCTL_SKIP_SYSV) goes to the real systemctl, which
 *   does that offline, or does nothing when there is none: the init scripts are the caller's business;
 * - update-rc.d is called as systemd's own systemd-sysv-install calls it (_SKIP_SYSTEMD_NATIVE=1: it
 *   then calls no systemctl), and with GALLEY_SYSTEMCTL_STAND_IN set: a stand-in that finds it set (a
 *   call made from inside that update-rc.d) edits the rc links itself instead of calling it again.
 */
export const SYSTEMCTL_SHIM = `#!/bin/sh
# Installed by galley: while systemd is not PID 1 here, services go through /etc/init.d.
real=
for r in /usr/bin/systemctl /bin/systemctl; do [ -x "$r" ] && { real=$r; break; }; done
if [ -d /run/systemd/system ] && [ -n "$real" ]; then exec "$real" "$@"; fi
quiet=; cmd=; units=; native=; value=; props=; next=
addprops() { o=$IFS; IFS=,; for p in $1; do props="$props $p"; done; IFS=$o; }
for a; do
  if [ -n "$next" ]; then [ "$next" = prop ] && addprops "$a"; next=; continue; fi
  case $a in
    -q|--quiet) quiet=1 ;;
    --root) native=1; next=skip ;;
    --root=*) native=1 ;;
    --value) value=1 ;;
    -p|--property) next=prop ;;
    --property=*) addprops "\${a#--property=}" ;;
    -t|--type|-s|--signal|-n|--lines|-o|--output|--state) next=skip ;;
    -*) ;;
    *) if [ -z "$cmd" ]; then cmd=$a; else units="$units \${a%.service}"; fi ;;
  esac
done
if [ -n "$native" ] || [ -n "\${SYSTEMCTL_SKIP_SYSV:-}" ]; then
  if [ -n "$real" ]; then exec "$real" "$@"; fi
  exit 0
fi
say() { [ -n "$quiet" ] || echo "$1"; }
enabled() { ls /etc/rc[2345].d/S[0-9][0-9]"$1" >/dev/null 2>&1; }
running() { [ -x "/etc/init.d/$1" ] && "/etc/init.d/$1" status >/dev/null 2>&1; }
links() {
  rm -f /etc/rc[2345].d/[SK][0-9][0-9]"$1"
  for l in 2 3 4 5; do mkdir -p /etc/rc$l.d && ln -s ../init.d/"$1" /etc/rc$l.d/"$2"01"$1"; done
}
toggle() {
  if [ -z "\${GALLEY_SYSTEMCTL_STAND_IN:-}" ] && command -v update-rc.d >/dev/null 2>&1; then
    GALLEY_SYSTEMCTL_STAND_IN=1 _SKIP_SYSTEMD_NATIVE=1 update-rc.d "$1" defaults >/dev/null || return
    GALLEY_SYSTEMCTL_STAND_IN=1 _SKIP_SYSTEMD_NATIVE=1 update-rc.d "$1" "$2" >/dev/null
  elif [ "$2" = enable ]; then links "$1" S
  else links "$1" K
  fi
}
show() {
  if [ -x "/etc/init.d/$1" ]; then load=loaded; else load=not-found; fi
  if [ $load = loaded ] && running "$1"; then active=active; sub=running; else active=inactive; sub=dead; fi
  if enabled "$1"; then file=enabled; else file=disabled; fi
  if grep -q 'reload)' "/etc/init.d/$1" 2>/dev/null; then reload=yes; else reload=no; fi
  for kv in Id="$1.service" Names="$1.service" LoadState=$load ActiveState=$active SubState=$sub UnitFileState=$file SourcePath="/etc/init.d/$1" CanReload=$reload; do
    if [ -n "$props" ]; then case " $props " in *" \${kv%%=*} "*) ;; *) continue ;; esac; fi
    if [ -n "$value" ]; then echo "\${kv#*=}"; else echo "$kv"; fi
  done
}
case $cmd in
  '') echo "systemd 252 (galley's stand-in: services go through /etc/init.d)"; exit 0 ;;
  daemon-reload|daemon-reexec|reset-failed) exit 0 ;;
  is-system-running) say offline; exit 1 ;;
  list-unit-files)
    for s in /etc/init.d/*; do
      n=\${s##*/}; [ -x "$s" ] && [ "$n" != rc ] && [ "$n" != rcS ] || continue
      if enabled "$n"; then echo "$n.service enabled"; else echo "$n.service disabled"; fi
    done
    exit 0 ;;
esac
rc=0
for u in $units; do
  script=/etc/init.d/$u
  case $cmd in
    start|stop|restart|reload|force-reload|status)
      if [ -x "$script" ]; then "$script" "$cmd" || rc=$?; else echo "Unit $u.service could not be found." >&2; rc=5; fi ;;
    try-restart|condrestart) running "$u" && { "$script" restart || rc=$?; } ;;
    reload-or-restart|try-reload-or-restart) "$script" reload || "$script" restart || rc=$? ;;
    show) show "$u" ;;
    is-active) if running "$u"; then say active; else say inactive; rc=3; fi ;;
    is-enabled) if enabled "$u"; then say enabled; else say disabled; rc=1; fi ;;
    enable|disable) toggle "$u" "$cmd" || rc=$? ;;
    *) echo "systemctl (galley's stand-in, no systemd here): \\\`$cmd\\\` is not supported" >&2; exit 1 ;;
  esac
done
exit $rc
`
