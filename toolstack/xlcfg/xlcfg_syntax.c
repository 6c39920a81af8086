/*
 * xl.cfg syntax, token for token as libxlutil 4.17 reads it:
 *   IDENT  [a-z][._0-9a-z]*      NUMBER [0-9][0-9a-fx]*  (kept as text)
 *   STRING '...' or "..." on one line, escapes \' \" \\ \a \b \f \n \r \t \v
 *   = += , [ ] ;   blanks and tabs between tokens
 *   NEWLINE: \n, or # up to and including \n (a comment must end its line)
 * Grammar: settings `IDENT = value` or `IDENT += value`, each ended by a
 * newline or `;` (the last one may end the file); a value is an atom or
 * [ value, ... ] with newlines allowed inside and one trailing comma.
 * A key set twice: the last setting wins; += appends to the previous
 * setting (string to string, list to list).
 *
 * Where libxlutil misreads, we refuse instead of copying: \x escapes
 * (always an error there), octal escapes (libxlutil drops the bytes), NUL
 * bytes (libxlutil asserts), a stray last byte (libxlutil drops it), lists
 * nested deeper than XLCFG_NEST_MAX.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg_syntax.h"

enum tok {
    T_EOF, T_NEWLINE, T_IDENT, T_NUMBER, T_STRING,
    T_EQ, T_ADD, T_COMMA, T_LBRACK, T_RBRACK, T_SEMI,
};

struct lexer {
    const char *start, *p, *end;
    int line;               /* line of the next character */
    int override;
    struct xlcfg_error *err;
    /* the current token */
    enum tok tok;
    int tok_line;
    char *text;             /* IDENT, NUMBER, STRING: malloc'd, owned until taken */
};

void xlcfg_fail(struct xlcfg_error *err, int line, int override,
                const char *fmt, ...)
{
    va_list ap;

    if (err->message[0])
        return;         /* the first error is the one reported */
    err->line = override ? 0 : line;
    err->override = override;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

static int lex_fail(struct lexer *lx, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lex_fail(struct lexer *lx, int line, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    xlcfg_fail(lx->err, line, lx->override, "%s", msg);
    return -1;
}

static bool is_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
}

static bool is_number_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x';
}

static char *dup_range(const char *s, size_t n)
{
    char *r = malloc(n + 1);

    if (r) {
        memcpy(r, s, n);
        r[n] = 0;
    }
    return r;
}

/* A quoted string starting at lx->p (the quote). */
static int lex_string(struct lexer *lx)
{
    char q = *lx->p;
    const char *s = lx->p + 1;
    const char *e;
    char *out, *o;

    /* find the closing quote: a newline or the end first is an error */
    for (e = s; e < lx->end && *e != q; e++) {
        if (*e == '\n')
            break;
        if (*e == '\\') {
            if (e + 1 >= lx->end || e[1] == '\n')
                break;
            e++;
        }
    }
    if (e >= lx->end || *e != q)
        return lex_fail(lx, lx->line, "unterminated string (strings end on the line they start)");
    if ((size_t)(e - s) > 4 * (size_t)XLCFG_STRING_MAX)
        return lex_fail(lx, lx->line, "string longer than %u bytes", XLCFG_STRING_MAX);

    out = o = malloc((size_t)(e - s) + 1);
    if (!out)
        return lex_fail(lx, lx->line, "out of memory");
    for (const char *p = s; p < e; p++) {
        unsigned char c = (unsigned char)*p;

        if (c == '\\') {
            char n = *++p;

            switch (n) {
            case '"': case '\'': case '\\': *o++ = n; break;
            case 'a': *o++ = '\a'; break;
            case 'b': *o++ = '\b'; break;
            case 'f': *o++ = '\f'; break;
            case 'n': *o++ = '\n'; break;
            case 'r': *o++ = '\r'; break;
            case 't': *o++ = '\t'; break;
            case 'v': *o++ = '\v'; break;
            case 'x':
                free(out);
                return lex_fail(lx, lx->line, "\\x escapes are refused (xl rejects every one)");
            default:
                free(out);
                if (n >= '0' && n <= '7')
                    return lex_fail(lx, lx->line, "octal escapes are refused (xl drops their bytes)");
                return lex_fail(lx, lx->line, "invalid escape \\%c in a quoted string", n);
            }
        } else {
            *o++ = (char)c;
        }
    }
    *o = 0;
    if ((size_t)(o - out) > XLCFG_STRING_MAX) {
        free(out);
        return lex_fail(lx, lx->line, "string longer than %u bytes", XLCFG_STRING_MAX);
    }
    lx->text = out;
    lx->p = e + 1;
    return 0;
}

/* Reads the next token into lx->tok (and lx->text). */
static int lex(struct lexer *lx)
{
    free(lx->text);
    lx->text = NULL;
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
        lx->p++;
    lx->tok_line = lx->line;
    if (lx->p >= lx->end) {
        lx->tok = T_EOF;
        return 0;
    }

    char c = *lx->p;
    const char *s = lx->p;

    if (c == '\n') {
        lx->p++;
        lx->line++;
        lx->tok = T_NEWLINE;
        return 0;
    }
    /* A character no token starts with, as the very last byte: libxlutil's
     * error rule needs one more byte, so xl drops it silently.  Refused. */
    if (s + 1 == lx->end && !strchr(",[];=", c) && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) {
        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
            return lex_fail(lx, lx->line, "stray '%c' at the end of the file (xl ignores it)", c);
        return lex_fail(lx, lx->line, "stray byte 0x%02x at the end of the file (xl ignores it)", (unsigned char)c);
    }
    if (c == '#') {
        const char *nl = memchr(s, '\n', (size_t)(lx->end - s));

        if (!nl)
            return lex_fail(lx, lx->line, "comment on the last line without a newline (xl refuses it)");
        lx->p = nl + 1;
        lx->line++;
        lx->tok = T_NEWLINE;
        return 0;
    }
    if (c >= 'a' && c <= 'z') {
        while (lx->p < lx->end && is_ident_char(*lx->p))
            lx->p++;
        if (lx->p - s > 64)
            return lex_fail(lx, lx->line, "key longer than 64 characters");
        lx->text = dup_range(s, (size_t)(lx->p - s));
        lx->tok = T_IDENT;
        return lx->text ? 0 : lex_fail(lx, lx->line, "out of memory");
    }
    if (c >= '0' && c <= '9') {
        while (lx->p < lx->end && is_number_char(*lx->p))
            lx->p++;
        if (lx->p - s > 64)
            return lex_fail(lx, lx->line, "number longer than 64 characters");
        lx->text = dup_range(s, (size_t)(lx->p - s));
        lx->tok = T_NUMBER;
        return lx->text ? 0 : lex_fail(lx, lx->line, "out of memory");
    }
    if (c == '"' || c == '\'') {
        lx->tok = T_STRING;
        return lex_string(lx);
    }
    lx->p++;
    switch (c) {
    case ',': lx->tok = T_COMMA; return 0;
    case '[': lx->tok = T_LBRACK; return 0;
    case ']': lx->tok = T_RBRACK; return 0;
    case ';': lx->tok = T_SEMI; return 0;
    case '=': lx->tok = T_EQ; return 0;
    case '+':
        if (lx->p < lx->end && *lx->p == '=') {
            lx->p++;
            lx->tok = T_ADD;
            return 0;
        }
        break;
    }
    if (c == '\r')
        return lex_fail(lx, lx->line, "carriage return (DOS line ending): xl refuses it");
    if (c >= 'A' && c <= 'Z' && s > lx->start && s[-1] >= '0' && s[-1] <= '9')
        return lex_fail(lx, lx->line, "unexpected '%c' after a number (memory is a plain number of MiB)", c);
    if (c >= 'A' && c <= 'Z')
        return lex_fail(lx, lx->line, "unexpected '%c': keys are lower case, values are \"quoted\" strings or numbers", c);
    if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
        return lex_fail(lx, lx->line, "unexpected byte 0x%02x", (unsigned char)c);
    return lex_fail(lx, lx->line, "unexpected '%c' (values are \"quoted\" strings, numbers or [lists])", c);
}

static const char *tok_name(enum tok t)
{
    switch (t) {
    case T_EOF: return "end of file";
    case T_NEWLINE: return "end of line";
    case T_IDENT: return "a bare word";
    case T_NUMBER: return "a number";
    case T_STRING: return "a string";
    case T_EQ: return "'='";
    case T_ADD: return "'+='";
    case T_COMMA: return "','";
    case T_LBRACK: return "'['";
    case T_RBRACK: return "']'";
    case T_SEMI: return "';'";
    }
    return "?";
}

static void value_free(struct xlcfg_value *v)
{
    if (!v)
        return;
    if (v->is_list) {
        for (size_t i = 0; i < v->n_items; i++)
            value_free(v->items[i]);
        free(v->items);
    }
    free(v->str);
    free(v);
}

static int skip_newlines(struct lexer *lx)
{
    while (lx->tok == T_NEWLINE)
        if (lex(lx))
            return -1;
    return 0;
}

/* value: atom | '[' nlok valuelist ']'; on entry lx->tok is its first token. */
static struct xlcfg_value *parse_value(struct lexer *lx, int depth)
{
    struct xlcfg_value *v = calloc(1, sizeof(*v));

    if (!v) {
        lex_fail(lx, lx->tok_line, "out of memory");
        return NULL;
    }
    v->line = lx->tok_line;
    if (lx->tok == T_STRING || lx->tok == T_NUMBER) {
        v->str = lx->text;
        lx->text = NULL;
        return v;
    }
    if (lx->tok != T_LBRACK) {
        if (lx->tok == T_IDENT)
            lex_fail(lx, lx->tok_line, "bare word %s as a value: quote it (\"%s\")", lx->text, lx->text);
        else
            lex_fail(lx, lx->tok_line, "expected a value, found %s", tok_name(lx->tok));
        free(v);
        return NULL;
    }
    v->is_list = true;
    if (depth >= XLCFG_NEST_MAX) {
        lex_fail(lx, lx->tok_line, "lists nested deeper than %d", XLCFG_NEST_MAX);
        goto fail;
    }
    if (lex(lx) || skip_newlines(lx))
        goto fail;
    while (lx->tok != T_RBRACK) {
        struct xlcfg_value *item;

        if (v->n_items >= XLCFG_LIST_MAX) {
            lex_fail(lx, lx->tok_line, "list longer than %u items", XLCFG_LIST_MAX);
            goto fail;
        }
        item = parse_value(lx, depth + 1);
        if (!item)
            goto fail;
        struct xlcfg_value **n = realloc(v->items, (v->n_items + 1) * sizeof(*n));
        if (!n) {
            value_free(item);
            lex_fail(lx, lx->tok_line, "out of memory");
            goto fail;
        }
        v->items = n;
        v->items[v->n_items++] = item;
        if (lex(lx) || skip_newlines(lx))
            goto fail;
        if (lx->tok == T_COMMA) {
            if (lex(lx) || skip_newlines(lx))
                goto fail;
        } else if (lx->tok != T_RBRACK) {
            lex_fail(lx, lx->tok_line, "expected ',' or ']' in a list, found %s", tok_name(lx->tok));
            goto fail;
        }
    }
    return v;
fail:
    value_free(v);
    return NULL;
}

const struct xlcfg_setting *xlcfg_doc_find(const struct xlcfg_doc *doc, const char *key)
{
    const struct xlcfg_setting *found = NULL;

    for (const struct xlcfg_setting *s = doc->first; s; s = s->next)
        if (!strcmp(s->key, key))
            found = s;
    return found;
}

/* libxlutil's += : the new value is the previous one with this appended. */
static int concat(struct lexer *lx, const struct xlcfg_value *prev, struct xlcfg_value *v)
{
    if (prev->is_list != v->is_list)
        return lex_fail(lx, v->line, "can't add [list] to \"string\" or vice versa");
    if (!v->is_list) {
        size_t a = strlen(prev->str), b = strlen(v->str);
        char *s;

        if (a + b > XLCFG_STRING_MAX)
            return lex_fail(lx, v->line, "string longer than %u bytes", XLCFG_STRING_MAX);
        s = malloc(a + b + 1);
        if (!s)
            return lex_fail(lx, v->line, "out of memory");
        memcpy(s, prev->str, a);
        memcpy(s + a, v->str, b + 1);
        free(v->str);
        v->str = s;
        return 0;
    }
    size_t n = prev->n_items + v->n_items;
    if (n > XLCFG_LIST_MAX)
        return lex_fail(lx, v->line, "list longer than %u items", XLCFG_LIST_MAX);
    struct xlcfg_value **items = calloc(n ? n : 1, sizeof(*items));
    if (!items)
        return lex_fail(lx, v->line, "out of memory");
    /* the previous setting keeps its items (it is never read again), so copy */
    for (size_t i = 0; i < prev->n_items; i++) {
        items[i] = calloc(1, sizeof(**items));
        if (!items[i] || prev->items[i]->is_list ||
            !(items[i]->str = strdup(prev->items[i]->str))) {
            bool nested = items[i] && prev->items[i]->is_list;
            for (size_t j = 0; j <= i; j++)
                value_free(items[j]);
            free(items);
            return nested ? lex_fail(lx, v->line, "+= on a list of lists is not supported")
                          : lex_fail(lx, v->line, "out of memory");
        }
        items[i]->line = prev->items[i]->line;
    }
    memcpy(items + prev->n_items, v->items, v->n_items * sizeof(*items));
    free(v->items);
    v->items = items;
    v->n_items = n;
    return 0;
}

static int store(struct lexer *lx, struct xlcfg_doc *doc, char *key, bool add,
                 int line, struct xlcfg_value *v)
{
    struct xlcfg_setting *s;

    if (doc->n >= XLCFG_SETTINGS_MAX) {
        lex_fail(lx, line, "more than %u settings", XLCFG_SETTINGS_MAX);
        goto fail;
    }
    if (add) {
        const struct xlcfg_setting *prev = xlcfg_doc_find(doc, key);

        if (prev && concat(lx, prev->value, v))
            goto fail;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        lex_fail(lx, line, "out of memory");
        goto fail;
    }
    s->key = key;
    s->add = add;
    s->line = line;
    s->override = lx->override;
    s->value = v;
    if (doc->last)
        doc->last->next = s;
    else
        doc->first = s;
    doc->last = s;
    doc->n++;
    return 0;
fail:
    free(key);
    value_free(v);
    return -1;
}

int xlcfg_syntax_parse(const char *data, size_t len, int override,
                       struct xlcfg_doc *doc, struct xlcfg_error *err)
{
    struct lexer lx = {
        .start = data, .p = data, .end = data + len, .line = 1, .override = override, .err = err,
    };
    const char *nul = memchr(data, 0, len);

    if (nul) {
        int line = 1;
        for (const char *p = data; p < nul; p++)
            line += *p == '\n';
        xlcfg_fail(err, line, override, "NUL byte in the config");
        return -1;
    }
    if (lex(&lx))
        goto fail;
    for (;;) {
        if (lx.tok == T_EOF)
            break;
        if (lx.tok == T_NEWLINE || lx.tok == T_SEMI) {
            if (lex(&lx))
                goto fail;
            continue;
        }
        if (lx.tok != T_IDENT) {
            lex_fail(&lx, lx.tok_line, "expected a key, found %s", tok_name(lx.tok));
            goto fail;
        }
        char *key = lx.text;
        int line = lx.tok_line;
        lx.text = NULL;
        if (lex(&lx)) {
            free(key);
            goto fail;
        }
        if (lx.tok != T_EQ && lx.tok != T_ADD) {
            lex_fail(&lx, lx.tok_line, "expected '=' after \"%s\", found %s", key, tok_name(lx.tok));
            free(key);
            goto fail;
        }
        bool add = lx.tok == T_ADD;
        if (lex(&lx)) {
            free(key);
            goto fail;
        }
        struct xlcfg_value *v = parse_value(&lx, 0);
        if (!v) {
            free(key);
            goto fail;
        }
        if (store(&lx, doc, key, add, line, v))
            goto fail;
        if (lex(&lx))
            goto fail;
        if (lx.tok != T_NEWLINE && lx.tok != T_SEMI && lx.tok != T_EOF) {
            lex_fail(&lx, lx.tok_line, "expected the end of the line after a value, found %s",
                     tok_name(lx.tok));
            goto fail;
        }
    }
    free(lx.text);
    return 0;
fail:
    free(lx.text);
    return -1;
}

void xlcfg_doc_free(struct xlcfg_doc *doc)
{
    struct xlcfg_setting *s = doc->first, *n;

    for (; s; s = n) {
        n = s->next;
        free(s->key);
        value_free(s->value);
        free(s);
    }
    memset(doc, 0, sizeof(*doc));
}
