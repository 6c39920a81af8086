/*
 * vsnprintf for the hypervisor: the C99 conversions the code uses (d i u x
 * X o c s p %), flags - 0 + space #, width and precision (also '*'), and
 * length modifiers hh h l ll z t j. Always NUL-terminates when size > 0 and
 * returns the length the full output would have had.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#ifdef UNIT_TEST
#define vsnprintf pv_vsnprintf
#define snprintf  pv_snprintf
#endif
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...);

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_n(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16, F_UPPER = 32 };

static void put_number(struct out *o, uint64_t v, bool negative, unsigned base,
                       int flags, int width, int prec)
{
    const char *digits = (flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, sign = 0, prefix = 0;

    if (prec == 0 && v == 0) {
        /* "%.0d" of 0 prints no digits */
    } else {
        do {
            tmp[n++] = digits[v % base];
            v /= base;
        } while (v);
    }
    if (negative)
        sign = '-';
    else if (flags & F_PLUS)
        sign = '+';
    else if (flags & F_SPACE)
        sign = ' ';
    if ((flags & F_ALT) && base == 16 && n)
        prefix = 2;
    if ((flags & F_ALT) && base == 8 && (n == 0 || tmp[n - 1] != '0'))
        tmp[n++] = '0';

    int zeros = prec > n ? prec - n : 0;
    int total = n + zeros + (sign != 0) + prefix;

    if (prec < 0 && (flags & F_ZERO) && !(flags & F_LEFT) && width > total) {
        zeros += width - total;
        total = width;
    }
    if (!(flags & F_LEFT))
        put_n(o, ' ', width - total);
    if (sign)
        put(o, (char)sign);
    if (prefix) {
        put(o, '0');
        put(o, (flags & F_UPPER) ? 'X' : 'x');
    }
    put_n(o, '0', zeros);
    while (n)
        put(o, tmp[--n]);
    if (flags & F_LEFT)
        put_n(o, ' ', width - total);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        int flags = 0, width = 0, prec = -1, lmod = 0;

        for (;;) {
            char f = *++fmt;
            if (f == '-') flags |= F_LEFT;
            else if (f == '0') flags |= F_ZERO;
            else if (f == '+') flags |= F_PLUS;
            else if (f == ' ') flags |= F_SPACE;
            else if (f == '#') flags |= F_ALT;
            else break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                if (prec < 0)
                    prec = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }
        /* lmod: 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t/ptrdiff/intmax */
        for (;;) {
            if (*fmt == 'l') lmod = lmod == 1 ? 2 : 1;
            else if (*fmt == 'h') lmod = lmod == -1 ? -2 : -1;
            else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') lmod = 3;
            else break;
            fmt++;
        }

        uint64_t u;
        int64_t s;
        switch (*fmt) {
        case 'd':
        case 'i':
            if (lmod >= 1) s = (lmod == 1) ? va_arg(ap, long) : va_arg(ap, long long);
            else s = va_arg(ap, int);
            if (lmod == -1) s = (short)s;
            if (lmod == -2) s = (signed char)s;
            put_number(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0, 10, flags, width, prec);
            break;
        case 'u': case 'x': case 'X': case 'o':
            if (lmod >= 1) u = (lmod == 1) ? va_arg(ap, unsigned long) : va_arg(ap, unsigned long long);
            else u = va_arg(ap, unsigned int);
            if (lmod == -1) u = (unsigned short)u;
            if (lmod == -2) u = (unsigned char)u;
            if (*fmt == 'X')
                flags |= F_UPPER;
            put_number(&o, u, false, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
                       flags & ~(F_PLUS | F_SPACE), width, prec);
            break;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            put_number(&o, u, false, 16, (flags | F_ALT | F_ZERO) & ~F_LEFT,
                       width ? width : 18, -1);
            break;
        case 'c':
            if (!(flags & F_LEFT))
                put_n(&o, ' ', width - 1);
            put(&o, (char)va_arg(ap, int));
            if (flags & F_LEFT)
                put_n(&o, ' ', width - 1);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            int len = 0;
            if (!str)
                str = "(null)";
            while (str[len] && (prec < 0 || len < prec))
                len++;
            if (!(flags & F_LEFT))
                put_n(&o, ' ', width - len);
            for (int i = 0; i < len; i++)
                put(&o, str[i]);
            if (flags & F_LEFT)
                put_n(&o, ' ', width - len);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
