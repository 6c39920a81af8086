#!/usr/bin/env python3
"""Write storms for crash.sh: socket clients and simulated guests (pvstored
--sim DIR) write unique keys and record each write once it is
acknowledged; `check` reads them all back after a restart.

  crash-storm.py storm SOCKET SIMDIR ROUND SECONDS ACKDIR
  crash-storm.py check SOCKET ACKDIR
"""
import mmap, os, socket, struct, sys, time

XS_WRITE, XS_INTRODUCE, XS_MKDIR, XS_SET_PERMS, XS_READ, XS_ERROR = 11, 8, 12, 14, 2, 16
RING = 1024


def msg(t, payload, req=0, tx=0):
    return struct.pack('<IIII', t, req, tx, len(payload)) + payload


def recv_exact(s, n):
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError
        b += c
    return b


def call(s, t, payload):
    s.sendall(msg(t, payload))
    while True:
        typ, req, tx, ln = struct.unpack('<IIII', recv_exact(s, 16))
        body = recv_exact(s, ln)
        if typ != 15:
            return typ, body


def sock_writer(path, prefix, ack, depth):
    """Pipelines `depth` writes; a key is acknowledged by its reply."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    out = open(ack, 'a', buffering=1)
    i, inflight = 0, {}
    try:
        while True:
            while len(inflight) < depth:
                key = '%s/n%d' % (prefix, i)
                s.sendall(msg(XS_WRITE, key.encode() + b'\0' + b'v%d' % i, req=i))
                inflight[i] = key
                i += 1
            typ, req, tx, ln = struct.unpack('<IIII', recv_exact(s, 16))
            body = recv_exact(s, ln)
            if typ == XS_WRITE and body == b'OK\0':
                out.write(inflight.pop(req) + '\n')
    except (EOFError, OSError):
        pass


class Guest:
    """A domain's store ring in a page file, kicks over datagrams."""

    def __init__(self, simdir, domid, mfn, port):
        self.simdir, self.domid, self.port = simdir, domid, port
        path = '%s/page-%d' % (simdir, mfn)
        with open(path, 'wb') as f:
            f.write(b'\0' * 4096)
        fd = os.open(path, os.O_RDWR)
        self.page = mmap.mmap(fd, 4096)
        os.close(fd)
        self.kick_sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        kp = '%s/guest-%d' % (simdir, domid)
        if os.path.exists(kp):
            os.unlink(kp)
        self.kick_sock.bind(kp)
        self.kick_sock.settimeout(0.05)

    def idx(self, i):
        return struct.unpack_from('<I', self.page, 2048 + 4 * i)[0]

    def set_idx(self, i, v):
        struct.pack_into('<I', self.page, 2048 + 4 * i, v & 0xffffffff)

    def kick(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            s.sendto(struct.pack('<II', self.domid, self.port), '%s/evtchn' % self.simdir)
        except OSError:
            pass
        s.close()

    def send(self, data):
        while data:
            cons, prod = self.idx(0), self.idx(1)
            room = RING - (prod - cons)
            if room <= 0:
                self.wait()
                continue
            n = min(room, len(data), RING - prod % RING)
            o = prod % RING
            self.page[o:o + n] = data[:n]
            self.set_idx(1, prod + n)
            data = data[n:]
            self.kick()

    def wait(self):
        try:
            self.kick_sock.recv(16)
        except socket.timeout:
            pass

    def recv(self, n, deadline):
        b = b''
        while len(b) < n:
            cons, prod = self.idx(2), self.idx(3)
            if prod == cons:
                if time.time() > deadline:
                    raise EOFError
                self.wait()
                continue
            k = min(prod - cons, n - len(b), RING - cons % RING)
            o = 1024 + cons % RING
            b += self.page[o:o + k]
            self.set_idx(2, cons + k)
            self.kick()
        return b


def guest_writer(g, prefix, ack):
    out = open(ack, 'a', buffering=1)
    i = 0
    try:
        while True:
            key = '%s/n%d' % (prefix, i)
            g.send(msg(XS_WRITE, key.encode() + b'\0' + b'v%d' % i, req=i))
            while True:
                typ, req, tx, ln = struct.unpack('<IIII', g.recv(16, time.time() + 1))
                body = g.recv(ln, time.time() + 1)
                if typ != 15:
                    break
            if typ == XS_WRITE and req == i and body == b'OK\0':
                out.write(key + '\n')
            i += 1
    except EOFError:
        pass


def storm(path, simdir, rnd, seconds, ackdir):
    rnd = int(rnd)
    kids = []
    d0 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    d0.connect(path)
    for j in range(2):
        domid = 10 + rnd * 2 + j
        mfn, port = 1000 + domid, 7
        home = b'/local/domain/%d' % domid
        g = Guest(simdir, domid, mfn, port)
        assert call(d0, XS_MKDIR, home + b'\0')[0] == XS_MKDIR
        assert call(d0, XS_SET_PERMS, home + b'\0n%d\0' % domid)[0] == XS_SET_PERMS
        r = call(d0, XS_INTRODUCE, b'%d\0%d\0%d\0' % (domid, mfn, port))
        assert r[0] == XS_INTRODUCE, r
        pid = os.fork()
        if not pid:
            guest_writer(g, home.decode() + '/r%d' % rnd, '%s/guest-%d' % (ackdir, domid))
            os._exit(0)
        kids.append(pid)
    for j in range(2):
        pid = os.fork()
        if not pid:
            sock_writer(path, '/storm/r%d/s%d' % (rnd, j), '%s/sock-%d-%d' % (ackdir, rnd, j),
                        1 if j == 0 else 16)
            os._exit(0)
        kids.append(pid)
    d0.close()
    time.sleep(float(seconds))
    # the caller kills the daemon now; writers end when it is gone
    print('storm running', flush=True)
    for pid in kids:
        os.waitpid(pid, 0)


def check(path, ackdir):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    total = missing = 0
    for f in sorted(os.listdir(ackdir)):
        for line in open(os.path.join(ackdir, f)):
            key = line.strip()
            if not key:
                continue
            total += 1
            typ, body = call(s, XS_READ, key.encode() + b'\0')
            want = b'v' + key.rsplit('/n', 1)[1].encode()
            if typ != XS_READ or body != want:
                if missing < 5:
                    print('lost acknowledged write: %s (%s)' % (key, body[:40]))
                missing += 1
    print('%d acknowledged writes, %d lost' % (total, missing))
    return 1 if missing or not total else 0


if __name__ == '__main__':
    if sys.argv[1] == 'storm':
        storm(*sys.argv[2:7])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3]))
