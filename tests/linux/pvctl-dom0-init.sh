#!/bin/bash
# dom0 script of tests/system/linux/pvctl-domu.sh, in one of two dom0s:
#  - the reference stack's (as its /init: Debian's 6.1 kernel, C xenstored,
#    xenconsoled logging each guest to /var/log/xen/console/guest-NAME.log);
#  - make dom0's image, the product's own (run by its init through
#    pvisor.run= once pvstored and pvconsoled are up; consoles in
#    /var/log/pvisor/console/NAME.log; the test adds /guest/* and
#    /etc/xen/anchor-min.cfg from the reference stack).
# pvctl doing what xl does, the same script on Xen 4.17 and on pvisor.
# Lines for the test:
#   PV-BEGIN <name> ... PV-END <name> rc=<status> t=<seconds>
#   PV-MARK <what> <value>      (facts the test judges)
#   PV-DONE                     then power-off
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
export HOME=/root TERM=dumb
# make dom0's image: its init has set everything up and runs us
if [ $$ != 1 ] && [ -f /run/xenstored.pid ] && command -v pvstored >/dev/null; then
    PRODUCT_DOM0=1
else
    PRODUCT_DOM0=
fi
if [ -z "$PRODUCT_DOM0" ]; then
. /etc/ref-dom0-bringup.sh   # tests/linux/ref-dom0-bringup.sh: PATH, /proc, /sys, /dev, /run, /tmp
mkdir -p /run/lock /run/xen /run/xenstored /var/log/xen/console /var/lib/xen \
         /var/lib/xenstored /var/log/pvisor
fi

note() { echo "PV-NOTE $*"; }
mark() { echo "PV-MARK $*"; }
# seconds: bash's clock, or busybox sh's (make dom0's image has no bash)
t_now() { echo "${EPOCHREALTIME:-$(cut -d' ' -f1 /proc/uptime)}"; }
section() {   # section NAME SECONDS COMMAND...
    local name=$1 secs=$2 rc t0 t1
    shift 2
    echo "PV-BEGIN $name"
    t0=$(t_now)
    timeout "$secs" "$@" </dev/null >/tmp/out 2>&1
    rc=$?
    t1=$(t_now)
    cat /tmp/out
    echo "PV-END $name rc=$rc t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
    return $rc
}
finish() {
    echo "PV-DONE"
    [ -n "$PRODUCT_DOM0" ] && exit 0    # its init powers off
    sync
    echo o > /proc/sysrq-trigger
    sleep 5
    poweroff -f
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds; prints the seconds
wait_for() {
    local secs=$1 t0
    t0=$(t_now)
    shift
    while ! "$@" >/dev/null 2>&1; do
        awk -v a="$t0" -v b="$(t_now)" -v s="$secs" 'BEGIN { exit !(b - a > s) }' && { echo timeout; return 1; }
        sleep 0.05
    done
    awk -v a="$t0" -v b="$(t_now)" 'BEGIN { printf "%.3f\n", b - a }'
}
free_mib() { pvctl info --json | sed 's/.*"free_memory": \([0-9]*\).*/\1/'; }
# Domain-0 and no other domain that is not dying
only_dom0() { [ "$(pvctl list --json | grep '"domid"' | grep -vc '"state": "[-a-z]*d"')" = 1 ]; }
gone() { ! pvctl list --json | grep -q "\"name\": \"$1\""; }

clog() { echo "$CL/guest-$1.log"; }
if [ -n "$PRODUCT_DOM0" ]; then
    CL=/var/log/pvisor/console
    clog() { echo "$CL/$1.log"; }
    note "in make dom0's image: pvstored, pvconsoled"
else
ref_insmod xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs
ref_xenstored
xen-init-dom0 >/dev/null 2>&1 || note "xen-init-dom0 failed"
ref_xenconsoled
CL=/var/log/xen/console
fi

section info 30 pvctl info --json
free0=$(free_mib)
mark free-before "$free0"
section list-empty 30 pvctl list --json

# 1. a PV test kernel ELF: prints its RESULT and powers off, kept
# (on_poweroff="preserve") until xenconsoled has its output, then destroyed
cat >/tmp/tk.cfg <<CFG
name = "tk"
kernel = "/pvctl/shutdown.elf"
memory = 32
cmdline = "reason=poweroff"
on_poweroff = "preserve"
CFG
section create-elf 60 pvctl -v create /tmp/tk.cfg
mark elf-result-after "$(wait_for 60 grep -q '^RESULT' $(clog tk))"
mark elf-result "$(grep -a '^RESULT' $(clog tk) | head -1)"
section destroy-elf 30 pvctl destroy tk
mark elf-gone "$(wait_for 30 gone tk)"

# 2. the same kernel crashing, on_crash=preserve: stays until destroyed
section create-crash 60 pvctl create /tmp/tk.cfg 'name="tkc"' 'cmdline="reason=crash"' 'on_crash="preserve"'
wait_for 30 sh -c "pvctl list --json | grep '\"tkc\"' | grep -q '\"shutdown_reason\": 3'" >/dev/null
section list-crashed 30 pvctl list
section destroy-crashed 30 pvctl destroy tkc
mark crash-gone "$(wait_for 30 gone tkc)"

# 2b. on_reboot="restart": the monitor destroys and creates it again (the
# test kernel reboots every time; its monitor's log says so), until destroyed
section create-restart 60 pvctl create /tmp/tk.cfg 'name="tkr"' 'cmdline="reason=reboot"' 'on_reboot="restart"'
mark restarted "$(wait_for 60 sh -c '[ "$(grep -c "^restarted tkr" /var/log/pvisor/pvctl-tkr.log)" -ge 2 ]')"
mark restart-gone "$(wait_for 30 sh -c 'pvctl destroy tkr >/dev/null 2>&1; sleep 1; ! pvctl list --json | grep -q "\"tkr\""')"
sleep 2
mark restart-stays-gone "$(only_dom0 && echo 0 || echo "a domain is there: $(pvctl list | tail -n +2 | tr '\n' ';')")"
section restart-log 30 tail -3 /var/log/pvisor/pvctl-tkr.log

# 3. Debian's stock kernel (bzImage) with the busybox initramfs: marker, poweroff
section create-linux 60 pvctl -v create /etc/xen/anchor-min.cfg 'name="lin"' 'extra="console=hvc0 xa.mode=poweroff"'
mark linux-marker "$(wait_for 120 grep -q GUEST-MARKER-UP $(clog lin))"
mark linux-gone "$(wait_for 60 gone lin)"

# 4. an idle one: list --json, xenstore, destroy
section create-idle 60 pvctl -v create /etc/xen/anchor-min.cfg 'name="idle"'
mark idle-marker "$(wait_for 120 grep -q GUEST-MARKER-UP $(clog idle))"
# two domUs at once: the test kernel beside the idle Linux
section create-second 60 pvctl create /tmp/tk.cfg 'name="tk2"'
section list-json 30 pvctl list --json
section destroy-second 30 pvctl destroy tk2
section xenstore-ls 30 xenstore-ls -fp /local/domain/$(xenstore-list /local/domain | sort -n | tail -1)
# the busybox guest's /init is a shell that ignores the poweroff request
# (no init to signal): the request is written, then the domain destroyed
section shutdown 30 pvctl shutdown idle
section destroy-idle 30 pvctl destroy idle
mark idle-gone "$(wait_for 30 gone idle)"

# 5. hostile configs: one line each, nothing left behind
printf 'name = "bad"\nkernel = "/nonexistent"\n' >/tmp/bad1.cfg
printf 'name = "bad"\nkernel = "/pvctl/shutdown.elf"\nmemroy = 64\n' >/tmp/bad2.cfg
head -c 3000000 /guest/vmlinuz >/tmp/trunc.vmlinuz
printf 'name = "bad"\nkernel = "/tmp/trunc.vmlinuz"\n' >/tmp/bad3.cfg
printf 'name = "bad"\nkernel = "/pvctl/shutdown.elf"\nmemory = 99999999\n' >/tmp/bad4.cfg
printf 'name = "bad"\nkernel = "/pvctl/shutdown.elf"\nramdisk = "/guest/vmlinuz"\nmemory = 8\n' >/tmp/bad5.cfg
printf 'name = "bad"\nkernel = "/etc/xen/xl.conf"\n' >/tmp/bad6.cfg
for i in 1 2 3 4 5 6; do section hostile-$i 30 pvctl create /tmp/bad$i.cfg; done
section destroy-missing 30 pvctl destroy nosuch

# 6. create/destroy cycles: memory back where it began
for i in 1 2 3 4 5; do
    pvctl create /tmp/tk.cfg 'name="cyc"' 'cmdline="reason=crash"' 'on_crash="preserve"' >/dev/null 2>&1
    pvctl destroy cyc >/dev/null 2>&1
done
mark cycles-gone "$(wait_for 30 only_dom0)"
section list-cycles 30 pvctl list
sleep 1
section list-end 30 pvctl list
mark free-after "$(free_mib)"
section dmesg 30 sh -c 'pvctl dmesg | tail -3'
# who holds a dying domain: list again once xenconsoled is gone
if [ -z "$PRODUCT_DOM0" ]; then
    kill "$(cat /run/xenconsoled.pid)"; sleep 2
    section list-no-xenconsoled 30 pvctl list
fi
finish
