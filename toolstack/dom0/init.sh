#!/bin/sh
# dom0's /init (busybox ash, PID 1): brings up pvisor's dom0 userland the
# way Xen's sysvinit scripts and xen-init-dom0 do on a Debian dom0, then
# either runs pvisor.run=PATH (tests) or gives a shell on the console.
#
# Order: filesystems; the kernel modules (/lib/modules/ABI/pvisor.order,
# dependencies first); xenfs on /proc/xen; pvstored as xenstored (it
# attaches dom0's kernel through /proc/xen/xsd_kva); dom0's xenstore nodes
# (what xen-init-dom0 writes); the console daemon when the image has one
# (each domain's output in /var/log/pvisor/console/NAME.log).
#
# pvisor.run=PATH: PATH runs once everything is up (stdout on the console),
# then init prints "PVISOR-RUN-EXIT status=N" (N = PATH's exit status) and
# powers dom0 off. That line is how the status reaches the host: the
# hypervisor's own exit status only says that dom0 powered off.
# Lines: "dom0: ..." progress, "dom0: error: ..." one per failed step,
# "PVISOR-DOM0-UP" once everything is up.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
export PATH HOME
errors=0
say() { echo "dom0: $*"; }
err() { echo "dom0: error: $*"; errors=$((errors + 1)); }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs tmpfs /tmp
# what udev would create: scripts use /dev/stdin and friends
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /run/xenstored /run/lock /var/log/pvisor/console
hostname dom0

run=
for a in $(cat /proc/cmdline); do
  case $a in pvisor.run=*) run=${a#pvisor.run=} ;; esac
done

# ---- kernel modules, dependencies first
abi=$(uname -r)
nmod=0
if [ -f "/lib/modules/$abi/pvisor.order" ]; then
  while read -r ko; do
    if out=$(insmod "/lib/modules/$abi/$ko" 2>&1); then
      nmod=$((nmod + 1))
    else
      err "insmod ${ko##*/}: ${out#insmod: }"
    fi
  done <"/lib/modules/$abi/pvisor.order"
else
  err "no modules for kernel $abi in this image (built for $(ls /lib/modules 2>/dev/null))"
fi

say "$nmod kernel modules loaded"

# ---- xenfs, pvstored, dom0's nodes
mount -t xenfs xenfs /proc/xen || err "cannot mount xenfs on /proc/xen"
grep -q control_d /proc/xen/capabilities 2>/dev/null ||
  err "/proc/xen/capabilities does not say control_d: not the control domain"
# (daemons keep their stdio: into files, or $(...) would wait for them)
if pvstored --pid-file /run/xenstored.pid --log-file /var/log/pvisor/pvstored.log \
     >/run/pvstored.out 2>&1; then
  # xen-init-dom0's nodes; dom0's kernel adds control/feature-* itself
  timeout 10 xenstore-write /local/domain/0/domid 0 /local/domain/0/name Domain-0 \
                               /local/pool/0/name Pool-0 ||
    err "pvstored does not answer xenstore-write (see /var/log/pvisor/pvstored.log)"
else
  err "pvstored did not start: $(tail -n 1 /run/pvstored.out)"
fi

# ---- console daemon (its defaults: one log per domain under
# /var/log/pvisor/console; it detaches itself)
consoled=no
if command -v pvconsoled >/dev/null; then
  if pvconsoled >/run/pvconsoled.out 2>&1; then consoled=yes
  else err "pvconsoled did not start: $(tail -n 1 /run/pvconsoled.out)"; fi
fi
read -r up _ </proc/uptime
echo "PVISOR-DOM0-UP uptime=$up modules=$nmod errors=$errors consoled=$consoled"

stop_daemons() {
  for p in /run/pvconsoled.pid /run/xenstored.pid; do
    [ -f $p ] && kill "$(cat $p)" 2>/dev/null
  done
  sync
}

# ---- pvisor.run=PATH: run it, report its status, power off
if [ -n "$run" ]; then
  if [ -x "$run" ]; then
    say "running $run"
    "$run"
    status=$?
  else
    echo "dom0: error: pvisor.run=$run: no such executable in dom0"
    status=127
  fi
  echo "PVISOR-RUN-EXIT status=$status"
  stop_daemons
  poweroff -f
fi

# ---- the shell. busybox poweroff/reboot/halt signal PID 1 (USR2, TERM,
# USR1): stop the daemons and do it; a shell that exits is started again.
shell=
down() {
  say "$1"
  [ -n "$shell" ] && kill -HUP "$shell" 2>/dev/null
  stop_daemons
  "$1" -f
}
trap 'down poweroff' USR2
trap 'down reboot' TERM
trap 'down halt' USR1
dmesg -n 4   # kernel info lines would land in the middle of the prompt
echo
echo "pvisor dom0 is up ($nmod modules, pvstored$([ $consoled = yes ] && echo ", pvconsoled")$([ $errors != 0 ] && echo "; $errors error(s) above")). Try:"
if command -v pvctl >/dev/null; then
  echo "  pvctl create /etc/pvisor/example.cfg -c    start a Debian guest, on its console"
else
  echo "  (pvctl is not in this image yet: pvctl create /etc/pvisor/example.cfg -c)"
fi
echo "  xenstore-ls                                what pvstored holds"
echo "  poweroff                                   leave (make run exits)"
while :; do
  setsid cttyhack sh -l </dev/console >/dev/console 2>&1 &
  shell=$!
  while kill -0 "$shell" 2>/dev/null; do wait "$shell"; done
  shell=
done
