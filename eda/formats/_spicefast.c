/* _spicefast: the SPICE reader's hot loop in C (optional; eda/formats/spice.py falls back to
 * its pure-Python fast path when this module is not built).
 *
 * A `Scanner` walks the text of a deck line by line.  Plain element lines (R, C, L, M and X
 * with whitespace-separated tokens, `+` continuations and `key=value` tails, none of
 * `;$/(){}'"[],`) become `Component` objects appended to `scanner.items`, with net names,
 * values and models taken from memos shared with the Python path (each distinct name stored
 * once).  Every other logical line is handed to Python as the same (line number, text) pair
 * `spice_lex.fast_logical_lines` gives: single physical lines directly, anything with
 * continuations or odd characters through the `delegate(segment, first_line)` callable, which
 * the Python lexer answers.  The element rules mirror `spice._Fast.element` exactly; a line they
 * do not cover always goes to Python, so the output equals the general reader's.
 *
 * Python steers it through two attributes: `items` (the list of the body being filled) and
 * `hold` (while true nothing is built here: the title line, a pending `*@eda` pragma, blocks).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

#ifndef Py_T_OBJECT_EX
#define Py_T_OBJECT_EX T_OBJECT_EX
#endif
#ifndef Py_READONLY
#define Py_READONLY READONLY
#endif

/* ------------------------------------------------------------------ character classes */

enum { C_PLAIN = 0, C_WS = 1, C_BAD = 2, C_EQ = 3, C_COLON = 4, C_NL = 5 };
static unsigned char cls_tab[256];

static void init_classes(void)
{
    int i;
    for (i = 0; i < 256; i++)
        cls_tab[i] = (i < 0x20 || i >= 0x7f) ? C_BAD : C_PLAIN;
    cls_tab[' '] = cls_tab['\t'] = cls_tab['\r'] = C_WS;
    cls_tab['\n'] = C_NL;
    for (const char *s = ";$/(){}'\"[],"; *s; s++)
        cls_tab[(unsigned char)*s] = C_BAD;
    cls_tab['='] = C_EQ;
    cls_tab[':'] = C_COLON;
}

static int is_safe_start(Py_UCS1 c)   /* a line starting so cannot continue an earlier one */
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.';
}

/* Physical line kinds, as spice_lex sees them. */
enum { L_BLANK, L_CONT, L_COMMENT, L_REAL, L_ODD };

static int classify(const Py_UCS1 *d, Py_ssize_t n, Py_ssize_t p)
{
    Py_ssize_t j = p;
    while (j < n && (d[j] == ' ' || d[j] == '\t' || d[j] == '\r'))
        j++;
    if (j >= n || d[j] == '\n')
        return L_BLANK;
    if (d[p] == '\r')          /* Python's lexer does not look past a leading \r: leave it */
        return L_ODD;
    Py_UCS1 c = d[j];
    if (c < 0x21 || c > 0x7e)
        return L_ODD;
    if (c == '+')
        return L_CONT;
    if (c == '*' || c == '$' || c == ';')
        return L_COMMENT;
    return L_REAL;
}

static Py_ssize_t line_end(const Py_UCS1 *d, Py_ssize_t n, Py_ssize_t p)
{
    const void *q = memchr(d + p, '\n', (size_t)(n - p));
    return q ? (const Py_UCS1 *)q - d : n;
}

/* ------------------------------------------------------------------ string memo */

typedef struct {
    Py_ssize_t cap, used;
    size_t *hashes;
    PyObject **keys;        /* owned: str */
    PyObject **vals;        /* owned: the memoised object (the key itself for name memos) */
    PyObject *shared;       /* dict shared with Python (name memos), or NULL */
} Memo;

static size_t hash_bytes(const Py_UCS1 *s, Py_ssize_t n)
{
    size_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h | 1;           /* 0 marks an empty slot */
}

static int memo_init(Memo *m, PyObject *shared)
{
    m->cap = 1024;
    m->used = 0;
    m->hashes = PyMem_Calloc((size_t)m->cap, sizeof(size_t));
    m->keys = PyMem_Calloc((size_t)m->cap, sizeof(PyObject *));
    m->vals = PyMem_Calloc((size_t)m->cap, sizeof(PyObject *));
    m->shared = shared;
    Py_XINCREF(shared);
    if (!m->hashes || !m->keys || !m->vals) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void memo_clear(Memo *m)
{
    if (m->keys) {
        for (Py_ssize_t i = 0; i < m->cap; i++) {
            Py_XDECREF(m->keys[i]);
            Py_XDECREF(m->vals[i]);
            m->keys[i] = m->vals[i] = NULL;
            m->hashes[i] = 0;
        }
    }
    m->used = 0;
}

static void memo_free(Memo *m)
{
    memo_clear(m);
    PyMem_Free(m->hashes);
    PyMem_Free(m->keys);
    PyMem_Free(m->vals);
    m->hashes = NULL;
    m->keys = m->vals = NULL;
    Py_CLEAR(m->shared);
}

static int memo_grow(Memo *m)
{
    Py_ssize_t cap = m->cap * 2;
    size_t *h = PyMem_Calloc((size_t)cap, sizeof(size_t));
    PyObject **k = PyMem_Calloc((size_t)cap, sizeof(PyObject *));
    PyObject **v = PyMem_Calloc((size_t)cap, sizeof(PyObject *));
    if (!h || !k || !v) {
        PyMem_Free(h);
        PyMem_Free(k);
        PyMem_Free(v);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < m->cap; i++) {
        if (!m->hashes[i])
            continue;
        size_t j = m->hashes[i] & (size_t)(cap - 1);
        while (h[j])
            j = (j + 1) & (size_t)(cap - 1);
        h[j] = m->hashes[i];
        k[j] = m->keys[i];
        v[j] = m->vals[i];
    }
    PyMem_Free(m->hashes);
    PyMem_Free(m->keys);
    PyMem_Free(m->vals);
    m->hashes = h;
    m->keys = k;
    m->vals = v;
    m->cap = cap;
    return 0;
}

/* The slot for bytes s[:n] (found: keys[i] != NULL). */
static Py_ssize_t memo_find(Memo *m, const Py_UCS1 *s, Py_ssize_t n, size_t h)
{
    size_t mask = (size_t)(m->cap - 1), i = h & mask;
    while (m->hashes[i]) {
        if (m->hashes[i] == h) {
            PyObject *k = m->keys[i];
            if (PyUnicode_GET_LENGTH(k) == n && memcmp(PyUnicode_1BYTE_DATA(k), s, (size_t)n) == 0)
                return (Py_ssize_t)i;
        }
        i = (i + 1) & mask;
    }
    return (Py_ssize_t)i;
}

static PyObject *ascii_str(const Py_UCS1 *s, Py_ssize_t n)   /* s is ASCII (checked) */
{
    PyObject *o = PyUnicode_New(n, 127);
    if (o)
        memcpy(PyUnicode_1BYTE_DATA(o), s, (size_t)n);
    return o;
}

/* Stores `val` (owned reference taken over) under new key bytes s[:n] at slot i. */
static int memo_put(Memo *m, Py_ssize_t i, size_t h, PyObject *key, PyObject *val)
{
    m->hashes[i] = h;
    m->keys[i] = key;
    m->vals[i] = val;
    if (++m->used * 2 > m->cap)
        return memo_grow(m);
    return 0;
}

/* The one str object for name s[:n] (borrowed), shared with Python's memo dict. */
static PyObject *memo_name(Memo *m, const Py_UCS1 *s, Py_ssize_t n)
{
    size_t h = hash_bytes(s, n);
    Py_ssize_t i = memo_find(m, s, n, h);
    if (m->keys[i])
        return m->vals[i];
    PyObject *str = ascii_str(s, n);
    if (!str)
        return NULL;
    PyObject *canon = PyDict_SetDefault(m->shared, str, str);   /* borrowed */
    if (!canon) {
        Py_DECREF(str);
        return NULL;
    }
    Py_INCREF(canon);
    Py_INCREF(canon);
    Py_DECREF(str);
    if (memo_put(m, i, h, canon, canon) < 0)
        return NULL;
    return canon;
}

/* ------------------------------------------------------------------ the scanner */

enum { S_KIND, S_NAME, S_PINS, S_NETS, S_MODEL, S_VALUE, S_PARAMS, S_ARGS, S_ATTRS, S_LINE,
       S_COMMENT, N_SLOTS };
static const char *slot_names[N_SLOTS] = {"kind", "name", "pins", "nets", "model", "value",
                                          "_params", "_args", "_attrs", "line", "comment"};

#define MAX_TOKS 128
#define MAX_TAILS 4096

typedef struct {
    PyObject_HEAD
    PyObject *text;
    const Py_UCS1 *d;
    Py_ssize_t n, pos, ln;
    PyObject *items;            /* list the next components go to */
    int hold;                   /* nonzero: build nothing, hand every line to Python */
    Memo nets, words, tails;
    PyObject *xpins;            /* dict: model -> ports tuple, () or False (spice._Fast.xpins) */
    PyObject *ports_fn;         /* model -> the same, for models not in xpins yet */
    PyObject *instances;        /* list: X elements whose subcircuit is not defined yet */
    PyTypeObject *comp_type;
    Py_ssize_t off[N_SLOTS];
    PyObject *kinds[5];         /* "R", "C", "L", "M", "X" */
    PyObject *pins2, *pins_m, *pins_x;
    PyObject *delegate;         /* (segment, first line) -> iterator of (line, text) */
    PyObject *it;               /* the delegated iterator being drained */
    Py_ssize_t seg_end, seg_ln;
    PyObject *pending;          /* one (line, text) pair to hand out next */
    Py_ssize_t cpos, cend, cln; /* comment lines still to hand out */
    Py_ssize_t min_seg, since_delegate;
    Py_ssize_t built, delegated;
} Scanner;

static void Scanner_dealloc(Scanner *self)
{
    Py_XDECREF(self->text);
    Py_XDECREF(self->items);
    memo_free(&self->nets);
    memo_free(&self->words);
    memo_free(&self->tails);
    Py_XDECREF(self->xpins);
    Py_XDECREF(self->ports_fn);
    Py_XDECREF(self->instances);
    Py_XDECREF(self->comp_type);
    for (int i = 0; i < 5; i++)
        Py_XDECREF(self->kinds[i]);
    Py_XDECREF(self->pins2);
    Py_XDECREF(self->pins_m);
    Py_XDECREF(self->pins_x);
    Py_XDECREF(self->delegate);
    Py_XDECREF(self->it);
    Py_XDECREF(self->pending);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int slot_offsets(Scanner *self)
{
    for (int i = 0; i < N_SLOTS; i++) {
        PyObject *descr = PyObject_GetAttrString((PyObject *)self->comp_type, slot_names[i]);
        if (!descr)
            return -1;
        int ok = Py_IS_TYPE(descr, &PyMemberDescr_Type) &&
                 ((PyMemberDescrObject *)descr)->d_member->type == Py_T_OBJECT_EX &&
                 !(((PyMemberDescrObject *)descr)->d_member->flags & Py_READONLY);
        if (ok)
            self->off[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
        Py_DECREF(descr);
        if (!ok) {
            PyErr_Format(PyExc_TypeError, "Component.%s is not a plain slot", slot_names[i]);
            return -1;
        }
    }
    return 0;
}

static int Scanner_init(Scanner *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"text", "first_line", "items", "component", "nets", "words",
                             "xpins", "ports", "instances", "pins2", "pins_m", "pins_x",
                             "delegate", NULL};
    PyObject *text, *items, *comp, *nets, *words, *xpins, *ports, *inst, *p2, *pm, *px, *dlg;
    Py_ssize_t first;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "UnO!O!O!O!O!OO!O!O!O!O", kwlist, &text, &first,
                                     &PyList_Type, &items, &PyType_Type, &comp, &PyDict_Type,
                                     &nets, &PyDict_Type, &words, &PyDict_Type, &xpins, &ports,
                                     &PyList_Type, &inst, &PyTuple_Type, &p2, &PyTuple_Type, &pm,
                                     &PyTuple_Type, &px, &dlg))
        return -1;
    if (self->text) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner already initialised");
        return -1;
    }
    if (PyUnicode_READY(text) < 0)
        return -1;
    if (PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND) {
        PyErr_SetString(PyExc_ValueError, "text has characters past U+00FF");
        return -1;
    }
    Py_INCREF(text);
    self->text = text;
    self->d = PyUnicode_1BYTE_DATA(text);
    self->n = PyUnicode_GET_LENGTH(text);
    self->pos = 0;
    self->ln = first;
    Py_INCREF(items);
    self->items = items;
    Py_INCREF(comp);
    self->comp_type = (PyTypeObject *)comp;
    if (slot_offsets(self) < 0)
        return -1;
    if (memo_init(&self->nets, nets) < 0 || memo_init(&self->words, words) < 0 ||
        memo_init(&self->tails, NULL) < 0)
        return -1;
    Py_INCREF(xpins);
    self->xpins = xpins;
    Py_INCREF(ports);
    self->ports_fn = ports;
    Py_INCREF(inst);
    self->instances = inst;
    const char *k = "RCLMX";
    for (int i = 0; i < 5; i++) {
        self->kinds[i] = PyUnicode_FromStringAndSize(k + i, 1);
        if (!self->kinds[i])
            return -1;
    }
    Py_INCREF(p2);
    self->pins2 = p2;
    Py_INCREF(pm);
    self->pins_m = pm;
    Py_INCREF(px);
    self->pins_x = px;
    Py_INCREF(dlg);
    self->delegate = dlg;
    self->since_delegate = 8;
    return 0;
}

/* A (line, text) pair for physical line [p, e), trailing \r dropped. */
static PyObject *line_pair(Scanner *self, Py_ssize_t ln, Py_ssize_t p, Py_ssize_t e)
{
    while (e > p && self->d[e - 1] == '\r')
        e--;
    PyObject *s = PyUnicode_Substring(self->text, p, e);
    if (!s)
        return NULL;
    PyObject *n = PyLong_FromSsize_t(ln);
    if (!n) {
        Py_DECREF(s);
        return NULL;
    }
    PyObject *t = PyTuple_New(2);
    if (!t) {
        Py_DECREF(s);
        Py_DECREF(n);
        return NULL;
    }
    PyTuple_SET_ITEM(t, 0, n);
    PyTuple_SET_ITEM(t, 1, s);
    return t;
}

/* Hand the lines from p to the next line that must start a logical line to Python's lexer. */
static int delegate(Scanner *self, Py_ssize_t p, Py_ssize_t ln)
{
    const Py_UCS1 *d = self->d;
    Py_ssize_t n = self->n, min_end = p + self->min_seg, q = line_end(d, n, p), end_ln = ln;
    while (q < n) {          /* q: a '\n' */
        q++;
        end_ln++;
        if (q >= n || (q >= min_end && is_safe_start(d[q])))
            break;
        q = line_end(d, n, q);
    }
    if (q > n)
        q = n;
    /* many Python lines in a row: give Python bigger pieces (fewer calls) */
    if (self->since_delegate < 8)
        self->min_seg = self->min_seg ? (self->min_seg < 32768 ? self->min_seg * 2 : 65536) : 1024;
    else
        self->min_seg = 0;
    self->since_delegate = 0;
    self->delegated++;
    PyObject *seg = PyUnicode_Substring(self->text, p, q);
    if (!seg)
        return -1;
    PyObject *res = PyObject_CallFunction(self->delegate, "Nn", seg, ln);
    if (!res)
        return -1;
    self->it = PyObject_GetIter(res);
    Py_DECREF(res);
    if (!self->it)
        return -1;
    self->seg_end = q;
    self->seg_ln = end_ln;
    return 0;
}

static int set_slot(PyObject *o, Py_ssize_t off, PyObject *v)   /* steals v */
{
    *(PyObject **)((char *)o + off) = v;
    return 0;
}

typedef struct {
    Py_ssize_t s, n, eq;    /* start, length, offset of the first '=' (-1: none) */
} Tok;

/* Tokens of d[a:b]; 0 when the text holds something the fast rules do not cover. */
static int tokenize(const Py_UCS1 *d, Py_ssize_t a, Py_ssize_t b, Tok *t, int *nt, int *colon)
{
    Py_ssize_t i = a;
    while (i < b) {
        unsigned char c = cls_tab[d[i]];
        if (c == C_WS) {
            i++;
            continue;
        }
        if (*nt >= MAX_TOKS)
            return 0;
        Tok *k = &t[(*nt)++];
        k->s = i;
        k->eq = -1;
        for (; i < b; i++) {
            c = cls_tab[d[i]];
            if (c == C_PLAIN)
                continue;
            if (c == C_WS)
                break;
            if (c == C_EQ) {
                if (k->eq < 0)
                    k->eq = i - k->s;
                continue;
            }
            if (c == C_COLON) {
                *colon = 1;
                continue;
            }
            return 0;       /* C_BAD (C_NL cannot occur inside a line) */
        }
        k->n = i - k->s;
    }
    return 1;
}

/* A fresh dict of the `k=v` tail tokens t[0:nt] (from a template cached by their text). */
static PyObject *tail_params(Scanner *self, Tok *t, int nt)
{
    const Py_UCS1 *d = self->d;
    Py_UCS1 buf[512];
    Py_ssize_t len = 0;
    for (int i = 0; i < nt; i++) {
        if (len + t[i].n + 1 > (Py_ssize_t)sizeof(buf))
            return Py_None;             /* not cached: too long (rare) -> let Python do it */
        if (i)
            buf[len++] = ' ';
        memcpy(buf + len, d + t[i].s, (size_t)t[i].n);
        len += t[i].n;
    }
    Memo *m = &self->tails;
    size_t h = hash_bytes(buf, len);
    Py_ssize_t slot = memo_find(m, buf, len, h);
    PyObject *tpl;
    if (m->keys[slot]) {
        tpl = m->vals[slot];
    } else {
        if (m->used >= MAX_TAILS) {
            memo_clear(m);
            slot = memo_find(m, buf, len, h);
        }
        tpl = PyDict_New();
        if (!tpl)
            return NULL;
        for (int i = 0; i < nt; i++) {
            PyObject *k = ascii_str(d + t[i].s, t[i].eq);
            PyObject *v = k ? memo_name(&self->words, d + t[i].s + t[i].eq + 1,
                                        t[i].n - t[i].eq - 1) : NULL;
            if (!v || PyDict_SetItem(tpl, k, v) < 0) {
                Py_XDECREF(k);
                Py_DECREF(tpl);
                return NULL;
            }
            Py_DECREF(k);
        }
        PyObject *key = ascii_str(buf, len);
        if (!key) {
            Py_DECREF(tpl);
            return NULL;
        }
        if (memo_put(m, slot, h, key, tpl) < 0)
            return NULL;
    }
    return PyDict_Copy(tpl);
}

static PyObject *name_list(Scanner *self, Tok *t, int n)
{
    PyObject *l = PyList_New(n);
    if (!l)
        return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *s = memo_name(&self->nets, self->d + t[i].s, t[i].n);
        if (!s) {
            Py_DECREF(l);
            return NULL;
        }
        Py_INCREF(s);
        PyList_SET_ITEM(l, i, s);
    }
    return l;
}

/* The element line at [j, e) plus the `+` lines up to `stop` as a Component appended to
 * items: 1 done, 0 not a line the fast rules cover, -1 error. */
static int build(Scanner *self, Py_ssize_t j, Py_ssize_t e, Py_ssize_t stop, Py_ssize_t ln)
{
    const Py_UCS1 *d = self->d;
    Py_ssize_t n = self->n;
    Tok t[MAX_TOKS];
    int nt = 0, colon = 0, k;
    switch (d[j]) {
    case 'R': case 'r': k = 0; break;
    case 'C': case 'c': k = 1; break;
    case 'L': case 'l': k = 2; break;
    case 'M': case 'm': k = 3; break;
    case 'X': case 'x': k = 4; break;
    default: return 0;
    }
    if (!tokenize(d, j, e, t, &nt, &colon))
        return 0;
    Py_ssize_t q = e + 1;
    while (q < stop) {                  /* `+` lines and blank lines */
        Py_ssize_t qe = line_end(d, n, q);
        Py_ssize_t a = q;
        while (a < qe && (d[a] == ' ' || d[a] == '\t' || d[a] == '\r'))
            a++;
        if (a < qe) {                   /* d[a] == '+' (classified before) */
            if (!tokenize(d, a + 1, qe, t, &nt, &colon))
                return 0;
        }
        q = qe + 1;
    }
    int f = -1;
    for (int i = 0; i < nt; i++)
        if (t[i].eq >= 0) {
            f = i;
            break;
        }
    int npos = f < 0 ? nt : f;
    if (f == 0)
        return 0;
    for (int i = (f < 0 ? nt : f); i < nt; i++)   /* every tail token: k=v, both non-empty */
        if (t[i].eq <= 0 || t[i].eq == t[i].n - 1)
            return 0;
    Py_ssize_t nx = PyTuple_GET_SIZE(self->pins_x);
    if (k < 3 ? npos != 4 : k == 3 ? npos != 6 : (npos < 2 || colon || npos - 2 >= nx))
        return 0;
    PyObject *params = Py_None;
    if (f > 0) {
        params = tail_params(self, t + f, nt - f);
        if (params == Py_None)
            return 0;
        if (!params)
            return -1;
    } else {
        Py_INCREF(params);
    }
    PyObject *o = NULL, *name = NULL, *nets = NULL, *last = NULL, *pins = NULL;
    int nnets = k < 3 ? 2 : k == 3 ? 4 : npos - 2;
    name = ascii_str(d + t[0].s, t[0].n);
    nets = name ? name_list(self, t + 1, nnets) : NULL;
    last = nets ? memo_name(&self->words, d + t[npos - 1].s, t[npos - 1].n) : NULL;
    PyObject *lnobj = last ? PyLong_FromSsize_t(ln) : NULL;
    if (!lnobj)
        goto fail;
    int unnamed = 0;
    if (k < 3) {
        pins = self->pins2;
    } else if (k == 3) {
        pins = self->pins_m;
    } else {
        PyObject *ports = PyDict_GetItemWithError(self->xpins, last);
        if (!ports) {
            if (PyErr_Occurred())
                goto fail_ln;
            PyObject *got = PyObject_CallOneArg(self->ports_fn, last);
            if (!got)
                goto fail_ln;
            int r = PyDict_SetItem(self->xpins, last, got);
            Py_DECREF(got);
            if (r < 0)
                goto fail_ln;
            ports = got;            /* the dict holds it */
        }
        if (PyTuple_Check(ports) && PyTuple_GET_SIZE(ports) > 0 &&
            PyTuple_GET_SIZE(ports) == nnets)
            pins = ports;
        else
            pins = PyTuple_GET_ITEM(self->pins_x, nnets);
        unnamed = ports == Py_False;
    }
    o = self->comp_type->tp_alloc(self->comp_type, 0);
    if (!o)
        goto fail_ln;
    Py_INCREF(self->kinds[k]);
    set_slot(o, self->off[S_KIND], self->kinds[k]);
    set_slot(o, self->off[S_NAME], name);
    set_slot(o, self->off[S_NETS], nets);
    Py_INCREF(pins);
    set_slot(o, self->off[S_PINS], pins);
    Py_INCREF(last);
    Py_INCREF(Py_None);
    set_slot(o, self->off[k < 3 ? S_VALUE : S_MODEL], last);
    set_slot(o, self->off[k < 3 ? S_MODEL : S_VALUE], Py_None);
    set_slot(o, self->off[S_PARAMS], params);
    Py_INCREF(Py_None);
    set_slot(o, self->off[S_ARGS], Py_None);
    Py_INCREF(Py_None);
    set_slot(o, self->off[S_ATTRS], Py_None);
    set_slot(o, self->off[S_LINE], lnobj);
    Py_INCREF(Py_None);
    set_slot(o, self->off[S_COMMENT], Py_None);
    int r = PyList_Append(self->items, o);
    if (r == 0 && unnamed)
        r = PyList_Append(self->instances, o);
    Py_DECREF(o);
    self->built++;
    return r < 0 ? -1 : 1;
fail_ln:
    Py_DECREF(lnobj);
fail:
    Py_XDECREF(name);
    Py_XDECREF(nets);
    Py_DECREF(params);
    return -1;
}

/* One step from self->pos: builds components and/or queues what Python gets next. */
static int step(Scanner *self)
{
    const Py_UCS1 *d = self->d;
    Py_ssize_t n = self->n, p = self->pos, ln = self->ln;
    int c;
    while ((c = classify(d, n, p)) == L_BLANK) {
        p = line_end(d, n, p);
        if (p >= n) {
            self->pos = n;
            return 0;
        }
        p++;
        ln++;
    }
    self->pos = p;
    self->ln = ln;
    if (c == L_CONT || c == L_ODD)
        return delegate(self, p, ln);
    Py_ssize_t e = line_end(d, n, p);
    /* what follows: `+` lines (with blank lines), then comment lines, then the next line */
    Py_ssize_t q = e, qln = ln, cstart = -1, cln = 0, conts = 0;
    while (q < n) {
        q++;
        qln++;
        if (q >= n)
            break;
        int k = classify(d, n, q);
        if (k == L_REAL)
            break;
        if (k == L_ODD || (k == L_CONT && (cstart >= 0 || c == L_COMMENT)))
            return delegate(self, p, ln);   /* comments inside a continued line, odd lines */
        if (k == L_CONT)
            conts++;
        else if (k == L_COMMENT && cstart < 0) {
            cstart = q;
            cln = qln;
        }
        q = line_end(d, n, q);
    }
    if (q > n)
        q = n;
    self->since_delegate++;
    if (c == L_REAL && !self->hold) {
        Py_ssize_t j = p;
        while (d[j] == ' ' || d[j] == '\t')
            j++;
        int r = build(self, j, e, cstart >= 0 ? cstart : q, ln);
        if (r < 0)
            return -1;
        if (r == 1) {
            if (cstart >= 0) {
                self->cpos = cstart;
                self->cend = q;
                self->cln = cln;
            }
            self->pos = q;
            self->ln = qln;
            return 0;
        }
    }
    if (conts)
        return delegate(self, p, ln);
    /* a single physical line (and maybe comments after it): Python gets them as they are */
    self->pending = line_pair(self, ln, p, e);
    if (!self->pending)
        return -1;
    if (cstart >= 0) {
        self->cpos = cstart;
        self->cend = q;
        self->cln = cln;
    }
    self->pos = q;
    self->ln = qln;
    return 0;
}

static PyObject *Scanner_next(Scanner *self)
{
    if (!self->text) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner not initialised");
        return NULL;
    }
    for (;;) {
        if (self->pending) {
            PyObject *t = self->pending;
            self->pending = NULL;
            return t;
        }
        while (self->cpos < self->cend) {   /* comment lines after the latest logical line */
            Py_ssize_t p = self->cpos, e = line_end(self->d, self->cend, p);
            Py_ssize_t ln = self->cln;
            self->cpos = e + 1;
            self->cln++;
            if (classify(self->d, self->n, p) != L_BLANK)
                return line_pair(self, ln, p, e);
        }
        if (self->it) {
            PyObject *x = PyIter_Next(self->it);
            if (x)
                return x;
            if (PyErr_Occurred())
                return NULL;
            Py_CLEAR(self->it);
            self->pos = self->seg_end;
            self->ln = self->seg_ln;
            continue;
        }
        if (self->pos >= self->n)
            return NULL;
        if (step(self) < 0)
            return NULL;
    }
}

static PyObject *Scanner_get_items(Scanner *self, void *closure)
{
    Py_INCREF(self->items);
    return self->items;
}

static int Scanner_set_items(Scanner *self, PyObject *v, void *closure)
{
    if (!v || !PyList_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "items must be a list");
        return -1;
    }
    Py_INCREF(v);
    Py_SETREF(self->items, v);
    return 0;
}

static PyGetSetDef Scanner_getset[] = {
    {"items", (getter)Scanner_get_items, (setter)Scanner_set_items,
     "the list built components are appended to (the body being read)", NULL},
    {NULL}
};

static PyMemberDef Scanner_members[] = {
    {"hold", T_INT, offsetof(Scanner, hold), 0,
     "nonzero: build nothing, hand every line to Python (title, pragma, blocks)"},
    {"built", T_PYSSIZET, offsetof(Scanner, built), Py_READONLY, "components built here"},
    {"delegated", T_PYSSIZET, offsetof(Scanner, delegated), Py_READONLY,
     "pieces of text handed to the Python lexer"},
    {NULL}
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "eda.formats._spicefast.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Iterator of the (line, text) pairs Python must read; builds plain elements itself.",
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)Scanner_next,
    .tp_members = Scanner_members,
    .tp_getset = Scanner_getset,
    .tp_init = (initproc)Scanner_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef spicefast_module = {
    PyModuleDef_HEAD_INIT, "_spicefast",
    "The SPICE reader's hot loop in C (optional; see eda/formats/spice.py).", -1, NULL,
};

PyMODINIT_FUNC PyInit__spicefast(void)
{
    init_classes();
    if (PyType_Ready(&ScannerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&spicefast_module);
    if (!m)
        return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
