#!/usr/bin/python3
"""gen_seeds.py DIR: starting inputs for fuzz_evtchn (the op encoding of
fuzz_evtchn.c's one_op): channels offered and bound across domains and in
loopback, sends, VIRQs, closes from either end, reset and a dying domain."""
import os
import sys

SELF = 4          # dom_of() index of DOMID_SELF


def alloc(caller, dom, remote):
    return bytes([0, caller, dom, remote])


def bind(caller, rdom, rport):
    return bytes([2, caller, rdom, rport])


def close(caller, port):
    return bytes([6, caller, port])


def send(caller, port):
    return bytes([8, caller, port])


def virq(caller, v, vcpu):
    return bytes([4, caller, v, vcpu])


seeds = {
    "pair": alloc(1, SELF, 2) + bind(2, 1, 1) + send(1, 1) + send(2, 1) + close(2, 1) +
            bind(2, 1, 1) + close(1, 1),
    "many": b"".join(alloc(1, SELF, 2) + bind(2, 1, i) for i in range(1, 9)) +
            b"".join(close(1 + i % 2, i) for i in range(1, 9)),
    "toolstack": alloc(0, 1, 0) + alloc(0, 1, 0) + bind(0, 1, 1) + bind(0, 1, 2) +
                 send(0, 1) + bytes([14, 1, 202]) + send(0, 2),
    "loopback": alloc(0, SELF, SELF) + bind(0, SELF, 1) + send(0, 2) + close(0, 1),
    "virq": virq(0, 3, 0) + virq(0, 0, 1) + virq(0, 3, 0) + bytes([14, 0, 10, 3, 0]) +
            close(0, 1) + bytes([13, 0, 0, 0, 4]),
    "reset": alloc(1, SELF, 2) + bind(2, 1, 1) + alloc(1, SELF, 3) +
             bytes([13, 0, 3, 1, 1]) + bytes([13, 0, 2, 1, 1]),
}
os.makedirs(sys.argv[1], exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(data)
