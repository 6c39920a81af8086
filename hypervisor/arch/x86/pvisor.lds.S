/*
 * pvisor.elf: one ELF64 image with one PT_LOAD segment, so the file bytes
 * are laid out exactly like physical memory from PVISOR_LOAD_PHYS on. That
 * lets QEMU's multiboot1 loader (which refuses ELF64) load it through the
 * a.out-kludge addresses, while GRUB2's multiboot2 loader reads the ELF
 * program header. Virtual addresses are in the hypervisor's reserved range;
 * load addresses (AT) are physical.
 */
#include <asm/layout.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(boot32_entry)

PHDRS
{
    image PT_LOAD FILEHDR PHDRS FLAGS(7);
}

SECTIONS
{
    /* The ELF headers are part of the loaded segment, so file offset 0 is
     * physical PVISOR_LOAD_PHYS and the multiboot headers sit right after. */
    _start = PVISOR_VIRT_BASE + PVISOR_LOAD_PHYS;
    . = PVISOR_VIRT_BASE + PVISOR_LOAD_PHYS + SIZEOF_HEADERS;

    .text : AT(ADDR(.text) - PVISOR_VIRT_BASE) {
        KEEP(*(.multiboot))
        *(.text.boot32)
        . = ALIGN(16);
        _stext = .;
        *(.text.entry)
        *(.text .text.*)
        _etext = .;
    } :image

    . = ALIGN(4096);
    .rodata : AT(ADDR(.rodata) - PVISOR_VIRT_BASE) {
        *(.rodata .rodata.*)
        . = ALIGN(8);
        __param_start = .;
        KEEP(*(.data.params))
        __param_end = .;
        . = ALIGN(8);
        __initcall_start = .;
        KEEP(*(.initcall))
        __initcall_end = .;
        . = ALIGN(8);
        __ex_table_start = .;
        KEEP(*(.ex_table))
        __ex_table_end = .;
    } :image

    . = ALIGN(4096);
    .data : AT(ADDR(.data) - PVISOR_VIRT_BASE) {
        *(.data.page_aligned)
        *(EXCLUDE_FILE(*.sym.o) .data .data.*)
    } :image

    /* Symbol table for backtraces: last, so its size moves no code. */
    .data.symbols : AT(ADDR(.data.symbols) - PVISOR_VIRT_BASE) {
        *(.data.symbols)
    } :image

    . = ALIGN(4096);
    _edata = .;

    .bss (NOLOAD) : AT(ADDR(.bss) - PVISOR_VIRT_BASE) {
        *(.bss.stack_aligned)
        *(.bss.page_aligned)
        *(.bss .bss.*)
        *(COMMON)
    } :image
    . = ALIGN(4096);
    _end = .;

    /DISCARD/ : {
        *(.note.GNU-stack) *(.note.gnu.property) *(.comment)
        *(.eh_frame) *(.interp) *(.dynsym) *(.dynstr) *(.dynamic)
        *(.gnu.hash) *(.hash)
    }
}

pvisor_entry_phys = boot32_entry - PVISOR_VIRT_BASE;
ASSERT(_end - PVISOR_VIRT_BASE < PVISOR_IMAGE_MAX, "image too large for its boot mapping")
