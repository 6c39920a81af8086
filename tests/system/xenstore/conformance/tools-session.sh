# Debian's xenstore-* tools in a session whose transcript must be the same
# against any xenstore daemon (run with bash; XENSTORED_PATH set).
x() {
	echo "\$ $*"
	"$@" 2>&1
	echo "[rc=$?]"
}
x xenstore-write /ts/a 1 /ts/b 2 /ts/c/d "hello world"
x xenstore-read /ts/a /ts/c/d
x xenstore-read -p /ts/c/d
x xenstore-read /ts/missing
x xenstore-read /ts
x xenstore-exists /ts/a
x xenstore-exists /ts/nope
x xenstore-list /ts
x xenstore-list -p /ts
x xenstore-ls /ts
x xenstore-ls -f /ts
x xenstore-ls -p /ts
x xenstore-chmod /ts/a n0 r5 w6
x xenstore-ls -p /ts
x xenstore-chmod -r /ts b3
x xenstore-ls -fp /ts
x xenstore-chmod /ts/nope n0
x xenstore-chmod /ts/a x0
x xenstore-write /ts/e ""
x xenstore-read /ts/e
x xenstore-write "/ts/bad key" 1
x xenstore-write /ts/c/ 1
x xenstore-write ts-relative yes
x xenstore-read ts-relative /local/domain/0/ts-relative
x xenstore-rm ts-relative
x xenstore-rm /ts/c
x xenstore-rm /ts/c
x xenstore-rm /ts/q/r/s
x xenstore-write /ts/x/y/z 1
x xenstore-rm -t /ts/x/y/z
x xenstore-list /ts
x xenstore-write /ts/w/0 0
(xenstore-watch -n 4 /ts/w > "$WATCH_OUT" 2>&1; echo "[watch rc=$?]" >> "$WATCH_OUT") &
wpid=$!
sleep 0.5
xenstore-write /ts/w/1 1
sleep 0.1
xenstore-write /ts/other 1
xenstore-rm /ts/w/0
sleep 0.1
xenstore-write /ts/w 2
wait $wpid
echo "\$ xenstore-watch -n 4 /ts/w"
cat "$WATCH_OUT"
x xenstore-ls -f /ts
x xenstore-rm /ts
x xenstore-list /ts
