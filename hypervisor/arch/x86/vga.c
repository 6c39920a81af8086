/* VGA text mode 80x25: a second console sink when console=vga is given. */
#include <pvisor/console.h>
#include <asm/page.h>
#include <string.h>
#include <asm/io.h>

#define COLS 80
#define ROWS 25
#define ATTR 0x07

static volatile u16 *screen;
static unsigned row, col;

static void vga_cursor(void)
{
    unsigned pos = row * COLS + col;
    outb(0x0e, 0x3d4);
    outb(pos >> 8, 0x3d5);
    outb(0x0f, 0x3d4);
    outb(pos & 0xff, 0x3d5);
}

void vga_init(void)
{
    screen = (volatile u16 *)__va(0xb8000);
    for (unsigned i = 0; i < COLS * ROWS; i++)
        screen[i] = (ATTR << 8) | ' ';
    row = col = 0;
    vga_cursor();
}

static void vga_scroll(void)
{
    for (unsigned i = 0; i < COLS * (ROWS - 1); i++)
        screen[i] = screen[i + COLS];
    for (unsigned i = COLS * (ROWS - 1); i < COLS * ROWS; i++)
        screen[i] = (ATTR << 8) | ' ';
    row = ROWS - 1;
}

void vga_putc(char c)
{
    if (!screen)
        return;
    if (c == '\n') {
        col = 0;
        if (++row == ROWS)
            vga_scroll();
    } else if (c == '\r') {
        col = 0;
    } else if (c == '\t') {
        col = (col + 8) & ~7u;
    } else {
        screen[row * COLS + col] = (ATTR << 8) | (u8)c;
        col++;
    }
    if (col >= COLS) {
        col = 0;
        if (++row == ROWS)
            vga_scroll();
    }
    vga_cursor();
}
