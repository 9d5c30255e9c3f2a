/**
 * A stand-in `systemctl` for containers whose PID 1 is not systemd: tools that assume systemd on
 * Debian (itamae's service resource through specinfra, Ansible's systemd module) start, stop,
 * enable and query services through their init scripts instead.
 */
export const SYSTEMCTL_SHIM = `#!/bin/sh
# Installed by galley: systemd is not running in this container, so services go through /etc/init.d.
quiet=; cmd=; units=
for a; do
  case $a in
    -q|--quiet) quiet=1 ;;
    -*) ;;
    *) if [ -z "$cmd" ]; then cmd=$a; else units="$units \${a%.service}"; fi ;;
  esac
done
say() { [ -n "$quiet" ] || echo "$1"; }
enabled() { ls /etc/rc[2345].d/S[0-9][0-9]"$1" >/dev/null 2>&1; }
case $cmd in
  '') echo "systemd 252 (galley's stand-in: services go through /etc/init.d)"; exit 0 ;;
  daemon-reload|daemon-reexec|reset-failed) exit 0 ;;
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
    start|stop|restart|reload|force-reload|status) "$script" "$cmd" || rc=$? ;;
    try-restart|condrestart) "$script" status >/dev/null 2>&1 && { "$script" restart || rc=$?; } ;;
    reload-or-restart|try-reload-or-restart) "$script" reload || "$script" restart || rc=$? ;;
    show)
      if [ -x "$script" ]; then load=loaded; else load=not-found; fi
      if [ $load = loaded ] && "$script" status >/dev/null 2>&1; then active=active; sub=running; else active=inactive; sub=dead; fi
      if enabled "$u"; then file=enabled; else file=disabled; fi
      printf 'Id=%s.service\nNames=%s.service\nLoadState=%s\nActiveState=%s\nSubState=%s\nUnitFileState=%s\n' "$u" "$u" $load $active $sub $file ;;
    is-active) if "$script" status >/dev/null 2>&1; then say active; else say inactive; rc=3; fi ;;
    is-enabled) if enabled "$u"; then say enabled; else say disabled; rc=1; fi ;;
    enable) if command -v update-rc.d >/dev/null 2>&1; then update-rc.d "$u" defaults >/dev/null && update-rc.d "$u" enable >/dev/null || rc=$?; else for l in 2 3 4 5; do mkdir -p /etc/rc$l.d && ln -sf ../init.d/"$u" /etc/rc$l.d/S01"$u"; done; fi ;;
    disable) if command -v update-rc.d >/dev/null 2>&1; then update-rc.d "$u" disable >/dev/null || rc=$?; else rm -f /etc/rc[2345].d/S[0-9][0-9]"$u"; fi ;;
    *) echo "systemctl (galley's stand-in, no systemd here): \\\`$cmd\\\` is not supported" >&2; exit 1 ;;
  esac
done
exit $rc
`
