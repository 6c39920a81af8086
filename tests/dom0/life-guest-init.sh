#!/bin/sh
# /init of tests/dom0/pvctl-life.sh's Linux domU (the example guest's
# initramfs with this /init over its own): prints a marker, then does what
# life= on its command line says, so dom0's test sees a real guest crash,
# power off or reboot from the inside:
#   life=crash      echo c > /proc/sysrq-trigger (Linux panics: SHUTDOWN_crash)
#   life=poweroff   poweroff -f;   life=reboot   reboot -f;   else idle
PATH=/bin
export PATH
mount -t proc proc /proc
mode=idle
for w in $(cat /proc/cmdline); do
  case $w in life=*) mode=${w#life=} ;; esac
done
read -r up _ </proc/uptime
echo "LIFE-GUEST-UP mode=$mode uptime=$up"
case $mode in
crash) echo "LIFE-GUEST-CRASHING"; echo c >/proc/sysrq-trigger ;;
poweroff) poweroff -f ;;
reboot) reboot -f ;;
esac
while :; do sleep 3600; done
