#!/usr/bin/python3
"""gen-symbols.py NM_OUTPUT > symbols.S

Turns `nm -n` output of a first-pass hypervisor link into a sorted table of
code symbols that the panic path uses to name backtrace addresses. The table
lives after .data in the image, so adding it does not move any code.
"""
import sys

syms = []
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) != 3 or parts[1] not in "tTwW":
        continue
    addr, name = int(parts[0], 16), parts[2]
    if name.startswith(".L") or name.startswith("__"):
        continue
    syms.append((addr, name))
syms.sort()

print('    .section .data.symbols, "a"')
print("    .balign 8")
print("    .globl pv_symbols, pv_symbol_count, pv_symbol_names")
print("pv_symbol_count:")
print(f"    .quad {len(syms)}")
print("pv_symbols:")
off = 0
for addr, name in syms:
    print(f"    .quad {addr:#x}, {off}")
    off += len(name) + 1
print("pv_symbol_names:")
for _, name in syms:
    print(f'    .asciz "{name}"')
