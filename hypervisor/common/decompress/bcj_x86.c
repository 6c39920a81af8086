/*
 * The x86 BCJ filter, decoding direction: the encoder turned the relative
 * targets of E8 (call) and E9 (jmp) rel32 operands into absolute ones to make
 * them compress better; this turns them back. Only operands whose top byte
 * is 0x00 or 0xFF (plausible near targets) were converted, and a small
 * history of recently seen E8/E9 bytes in the previous three positions
 * decides, as in the encoder, whether a candidate counts.
 *
 * Run once over a whole xz block's output (single-call mode), so no state
 * is carried between calls; the last four bytes can never start an operand.
 */
#include "decomp_internal.h"

/* An operand's high byte that the filter converts. */
DC_INLINE bool bcj_near(uint8_t b)
{
    return b == 0x00 || b == 0xff;
}

void bcj_x86_decode(uint8_t *buf, size_t len, uint32_t start)
{
    /* For each 3-bit history of E8/E9 bytes in the last three positions:
     * may an opcode be converted, and which operand byte to test. */
    static const bool hist_ok[8] = { true, true, true, false, true, false, false, false };
    static const uint8_t hist_byte[8] = { 0, 1, 2, 2, 3, 3, 3, 3 };
    uint32_t hist = 0;
    size_t last = (size_t)0 - 5;    /* position of the previous E8/E9, "long ago" */

    if (len < 5)
        return;
    for (size_t i = 0; i <= len - 5; i++) {
        size_t gap;
        uint32_t v;

        /* Skip eight bytes at a time while none of them is E8 or E9
         * (zero-byte test on the word with those values cleared). */
        while (len - 5 - i >= 8) {
            uint64_t w = get_le64(buf + i) & 0xfefefefefefefefeull;
            w ^= 0xe8e8e8e8e8e8e8e8ull;
            if ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if ((buf[i] & 0xfe) != 0xe8)
            continue;
        gap = i - last;
        if (gap > 3) {
            hist = 0;
        } else {
            hist = (hist << (gap - 1)) & 7;
            if (hist && (!hist_ok[hist] || bcj_near(buf[i + 4 - hist_byte[hist]]))) {
                last = i;
                hist = (hist << 1) | 1;
                continue;
            }
        }
        last = i;
        if (!bcj_near(buf[i + 4])) {
            hist = (hist << 1) | 1;
            continue;
        }
        v = get_le32(buf + i + 1);
        for (;;) {
            uint32_t shift;
            v -= start + (uint32_t)i + 5;   /* absolute back to relative */
            if (!hist)
                break;
            shift = 24 - hist_byte[hist] * 8;
            if (!bcj_near((uint8_t)(v >> shift)))
                break;
            /* The encoder saw an earlier conversion's output here: undo it too. */
            v ^= ((uint32_t)1 << (shift + 8)) - 1;
        }
        /* Sign-extend bit 24 into the top byte: the result is near again. */
        v &= 0x01ffffffu;
        v |= 0u - (v & 0x01000000u);
        put_le32(buf + i + 1, v);
        i += 4;
    }
}
