/*
 * A PV kernel image built in memory by a unit test: an ELF64 x86-64 header,
 * a PT_LOAD (file LOADOFF, vaddr 0xffffffff81000000, paddr 16 MiB, 8 KiB in
 * a 20 KiB segment) and a PT_NOTE of the Xen notes the test adds. Static
 * state: one including file per test program.
 */
#ifndef TESTS_UNIT_PV_ELF_IMAGE_H
#define TESTS_UNIT_PV_ELF_IMAGE_H

#include <string.h>

#define ELF_IMG_SIZE 16384
#define PHOFF 64
#define NOTEOFF 0x200
#define LOADOFF 0x1000

static unsigned char img[ELF_IMG_SIZE];
static size_t notes_len;

static inline void put16(size_t o, unsigned v) { memcpy(img + o, &(unsigned short){ (unsigned short)v }, 2); }
static inline void put32(size_t o, unsigned v) { memcpy(img + o, &v, 4); }
static inline void put64(size_t o, unsigned long v) { memcpy(img + o, &v, 8); }

static inline void add_note(unsigned type, const void *desc, unsigned len)
{
    size_t o = NOTEOFF + notes_len;

    put32(o, 4);
    put32(o + 4, len);
    put32(o + 8, type);
    memcpy(img + o + 12, "Xen", 4);
    memcpy(img + o + 16, desc, len);
    notes_len += 16 + ((len + 3) & ~3u);
}

static inline void add_str(unsigned type, const char *s) { add_note(type, s, (unsigned)strlen(s) + 1); }
static inline void add_u64(unsigned type, unsigned long v) { add_note(type, &v, 8); }

/* The headers and the PT_LOAD; no notes yet. */
static inline void elf_image_start(unsigned long entry)
{
    memset(img, 0, sizeof(img));
    notes_len = 0;
    memcpy(img, "\177ELF", 4);
    img[4] = 2; img[5] = 1; img[6] = 1;
    put16(16, 2);                      /* ET_EXEC */
    put16(18, 62);                     /* EM_X86_64 */
    put32(20, 1);
    put64(24, entry);
    put64(32, PHOFF);
    put16(52, 64);
    put16(54, 56);
    put16(56, 2);                      /* phnum */
    put32(PHOFF, 1); put32(PHOFF + 4, 7);       /* PT_LOAD, RWX */
    put64(PHOFF + 8, LOADOFF);
    put64(PHOFF + 16, 0xffffffff81000000ul);
    put64(PHOFF + 24, 0x1000000);
    put64(PHOFF + 32, 0x2000);
    put64(PHOFF + 40, 0x5000);
}

/* The PT_NOTE over the notes added so far. */
static inline void finish_notes(void)
{
    size_t ph = PHOFF + 56;

    put32(ph, 4);
    put64(ph + 8, NOTEOFF);
    put64(ph + 32, notes_len);
    put64(ph + 40, notes_len);
}

#endif
