/* A thin hyperscan binding for the classification scanner (secops/classify/scanner.py).
 *
 * The python-hyperscan binding calls a Python function for every match, re-taking the GIL and building an
 * argument tuple each time; on log lines that was more than the engine's own time. Here the engine's
 * callback only appends to a C array, and `Batch.spans` does in C what `Scanner.spans` does in Python:
 * split the reports of one scan over a newline-joined batch back to the texts, trim the boundary guards,
 * recover the start of the shapes scanned without SOM from a second database, keep the longest end per
 * shape and start, and order by (start, shape). The Python code stays as the fallback and as the oracle
 * the tests compare this with (tests/classify/test_scanner.py).
 *
 * The GIL is held throughout: the scratch space is then never used by two threads at once, and no Python
 * code runs while a scan is in progress. Built by tools/build_native.py against the system libhs
 * (Debian: libhyperscan-dev) when pkg-config finds it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <hs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static PyObject *HsError;

typedef struct {
    uint32_t sid;
    uint32_t seq;  /* report order: makes the sort by end stable */
    uint64_t from;
    uint64_t to;
} Report;

typedef struct {
    Report *v;
    size_t n;
    size_t cap;
    int oom;
} Reports;

static int reports_push(Reports *r, unsigned int sid, unsigned long long from, unsigned long long to) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        Report *v = PyMem_RawRealloc(r->v, cap * sizeof *v);
        if (v == NULL) {
            r->oom = 1;
            return -1;
        }
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n].sid = sid;
    r->v[r->n].seq = (uint32_t)r->n;
    r->v[r->n].from = from;
    r->v[r->n].to = to;
    r->n++;
    return 0;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
                    void *context) {
    (void)flags;
    return reports_push((Reports *)context, id, from, to) < 0;  /* non-zero halts the scan */
}

static int by_end(const void *a, const void *b) {
    const Report *x = a, *y = b;
    if (x->to != y->to) return x->to < y->to ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The engine reports in end order except for some SOM reports: sort only when needed, stably. */
static void sort_by_end(Reports *r) {
    for (size_t i = 1; i < r->n; i++) {
        if (r->v[i].to < r->v[i - 1].to) {
            qsort(r->v, r->n, sizeof *r->v, by_end);
            return;
        }
    }
}

/* ------------------------------------------------------------------------------------------------------ */
/* Database: one compiled block-mode database and its scratch space                                        */

typedef struct {
    PyObject_HEAD
    hs_database_t *db;
    hs_scratch_t *scratch;
    Reports reports;
} Database;

static void Database_dealloc(Database *self) {
    if (self->scratch != NULL) hs_free_scratch(self->scratch);
    if (self->db != NULL) hs_free_database(self->db);
    PyMem_RawFree(self->reports.v);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Database_init(Database *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"expressions", "ids", "flags", NULL};
    PyObject *oexpr, *oids, *oflags;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!O!", kwlist, &PyList_Type, &oexpr, &PyList_Type, &oids,
                                     &PyList_Type, &oflags))
        return -1;
    Py_ssize_t n = PyList_GET_SIZE(oexpr);
    if (n == 0 || PyList_GET_SIZE(oids) != n || PyList_GET_SIZE(oflags) != n) {
        PyErr_SetString(PyExc_ValueError, "expressions, ids and flags must be non-empty lists of one length");
        return -1;
    }
    const char **expr = PyMem_Calloc((size_t)n, sizeof *expr);
    unsigned int *ids = PyMem_Calloc((size_t)n, sizeof *ids);
    unsigned int *flags = PyMem_Calloc((size_t)n, sizeof *flags);
    int rc = -1;
    if (expr == NULL || ids == NULL || flags == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e = PyList_GET_ITEM(oexpr, i);
        if (!PyBytes_Check(e)) {
            PyErr_SetString(PyExc_TypeError, "expressions must be bytes");
            goto done;
        }
        expr[i] = PyBytes_AS_STRING(e);
        ids[i] = (unsigned int)PyLong_AsUnsignedLong(PyList_GET_ITEM(oids, i));
        flags[i] = (unsigned int)PyLong_AsUnsignedLong(PyList_GET_ITEM(oflags, i));
        if (PyErr_Occurred()) goto done;
    }
    hs_compile_error_t *cerr = NULL;
    hs_database_t *db = NULL;
    if (hs_compile_multi(expr, flags, ids, (unsigned int)n, HS_MODE_BLOCK, NULL, &db, &cerr) != HS_SUCCESS) {
        PyErr_SetString(HsError, cerr->message);  /* the message alone, as python-hyperscan gives it */
        hs_free_compile_error(cerr);
        goto done;
    }
    hs_scratch_t *scratch = NULL;
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
        hs_free_database(db);
        PyErr_NoMemory();
        goto done;
    }
    if (self->scratch != NULL) hs_free_scratch(self->scratch);
    if (self->db != NULL) hs_free_database(self->db);
    self->db = db;
    self->scratch = scratch;
    rc = 0;
done:
    PyMem_Free(expr);
    PyMem_Free(ids);
    PyMem_Free(flags);
    return rc;
}

/* Scan buf[0:len] into self->reports, sorted by end. */
static int scan_into(Database *self, const char *buf, size_t len) {
    if (self->db == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "database not compiled");
        return -1;
    }
    if (len > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "buffer larger than 4 GiB");
        return -1;
    }
    self->reports.n = 0;
    self->reports.oom = 0;
    hs_error_t err = hs_scan(self->db, buf, (unsigned int)len, 0, self->scratch, on_match, &self->reports);
    if (self->reports.oom) {
        PyErr_NoMemory();
        return -1;
    }
    if (err != HS_SUCCESS) {
        PyErr_Format(PyExc_RuntimeError, "hs_scan failed (%d)", (int)err);
        return -1;
    }
    sort_by_end(&self->reports);
    return 0;
}

static PyObject *span_tuple(uint64_t sid, uint64_t start, uint64_t end) {
    PyObject *t = PyTuple_New(3);
    if (t == NULL) return NULL;
    PyObject *a = PyLong_FromUnsignedLongLong(sid), *b = PyLong_FromUnsignedLongLong(start),
             *c = PyLong_FromUnsignedLongLong(end);
    if (a == NULL || b == NULL || c == NULL) {
        Py_XDECREF(a);
        Py_XDECREF(b);
        Py_XDECREF(c);
        Py_DECREF(t);
        return NULL;
    }
    PyTuple_SET_ITEM(t, 0, a);
    PyTuple_SET_ITEM(t, 1, b);
    PyTuple_SET_ITEM(t, 2, c);
    return t;
}

static PyObject *Database_scan(Database *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    int rc = scan_into(self, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    if (rc < 0) return NULL;
    PyObject *out = PyList_New((Py_ssize_t)self->reports.n);
    if (out == NULL) return NULL;
    for (size_t i = 0; i < self->reports.n; i++) {
        Report *r = &self->reports.v[i];
        PyObject *t = span_tuple(r->sid, r->from, r->to);
        if (t == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, t);
    }
    return out;
}

static PyMethodDef Database_methods[] = {
    {"scan", (PyCFunction)Database_scan, METH_O,
     "scan(buf) -> list of (id, start, end) as the engine reports them, ordered by end (stably)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject DatabaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "secops.classify._hsscan.Database",
    .tp_doc = "Database(expressions, ids, flags): a block-mode hyperscan database with its scratch space",
    .tp_basicsize = sizeof(Database),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Database_init,
    .tp_dealloc = (destructor)Database_dealloc,
    .tp_methods = Database_methods,
};

/* ------------------------------------------------------------------------------------------------------ */
/* Batch: Scanner.spans over a batch of texts                                                              */

typedef struct {
    uint32_t sid;
    uint64_t start;
    uint64_t end;
} Span;

typedef struct {
    PyObject_HEAD
    Database *main;
    Database *late;  /* NULL: no shape is scanned without SOM */
    uint8_t *trim_left, *trim_right, *utf8, *late_start;
    uint32_t shapes;
    char *buf;
    size_t buf_cap;
    Span *found;
    size_t found_cap;
} Batch;

static void Batch_dealloc(Batch *self) {
    Py_XDECREF(self->main);
    Py_XDECREF(self->late);
    PyMem_RawFree(self->trim_left);
    PyMem_RawFree(self->buf);
    PyMem_RawFree(self->found);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Batch_init(Batch *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"main", "late", "trim_left", "trim_right", "utf8", "late_start", NULL};
    PyObject *main, *late;
    Py_buffer tl, tr, u8, ls;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!Oy*y*y*y*", kwlist, &DatabaseType, &main, &late, &tl, &tr,
                                     &u8, &ls))
        return -1;
    int rc = -1;
    if (late != Py_None && (!PyObject_TypeCheck(late, &DatabaseType) || late == main)) {
        PyErr_SetString(PyExc_TypeError, "late must be a Database other than main, or None");
        goto done;
    }
    if (tr.len != tl.len || u8.len != tl.len || ls.len != tl.len || tl.len == 0) {
        PyErr_SetString(PyExc_ValueError, "the per-shape tables must be non-empty and of one length");
        goto done;
    }
    size_t n = (size_t)tl.len;
    uint8_t *tables = PyMem_RawMalloc(4 * n);
    if (tables == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(tables, tl.buf, n);
    memcpy(tables + n, tr.buf, n);
    memcpy(tables + 2 * n, u8.buf, n);
    memcpy(tables + 3 * n, ls.buf, n);
    PyMem_RawFree(self->trim_left);
    self->trim_left = tables;
    self->trim_right = tables + n;
    self->utf8 = tables + 2 * n;
    self->late_start = tables + 3 * n;
    self->shapes = (uint32_t)n;
    Py_INCREF(main);
    Py_XSETREF(self->main, (Database *)main);
    if (late == Py_None) {
        Py_CLEAR(self->late);
    } else {
        Py_INCREF(late);
        Py_XSETREF(self->late, (Database *)late);
    }
    rc = 0;
done:
    PyBuffer_Release(&tl);
    PyBuffer_Release(&tr);
    PyBuffer_Release(&u8);
    PyBuffer_Release(&ls);
    return rc;
}

static inline uint64_t utf8_len(const unsigned char *buf, uint64_t pos) {
    unsigned char b = buf[pos];
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

static inline uint64_t last_char_len(const unsigned char *buf, uint64_t end) {
    uint64_t n = 1;
    while (n < 4 && end > n && buf[end - n] >= 0x80 && buf[end - n] < 0xC0) n++;
    return n;
}

static inline uint64_t trim_start(Batch *self, const unsigned char *buf, uint32_t sid, uint64_t start) {
    if (self->trim_left[sid]) return start + (self->utf8[sid] ? utf8_len(buf, start) : 1);
    return start;
}

static inline uint64_t trim_end(Batch *self, const unsigned char *buf, uint32_t sid, uint64_t end) {
    if (self->trim_right[sid]) return end - (self->utf8[sid] ? last_char_len(buf, end) : 1);
    return end;
}

static int by_start(const void *a, const void *b) {
    const Span *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/* Leftmost start of a late-start shape's match ending at `end`, from the late reports (offsets already in
 * buffer terms); the last report for (sid, end) wins, as in the Python dict. -1 when none. */
static int64_t late_lookup(const Reports *late, uint32_t sid, uint64_t end) {
    for (size_t i = late->n; i-- > 0;) {
        if (late->v[i].sid == sid && late->v[i].to == end) return (int64_t)late->v[i].from;
    }
    return -1;
}

/* The spans of one text (reports [k, j) of the batch, the text at `base`): 0 with *count set, 1 when a value
 * starts before the text (the caller rescans it alone), -1 on error. */
static int text_spans(Batch *self, const unsigned char *buf, const Report *rep, size_t k, size_t j, uint64_t base,
                      size_t *count) {
    size_t nfound = 0;
    Reports *late = NULL;
    if (j - k > self->found_cap) {
        size_t cap = (j - k) * 2;
        Span *f = PyMem_RawRealloc(self->found, cap * sizeof *f);
        if (f == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->found = f;
        self->found_cap = cap;
    }
    for (size_t i = k; i < j; i++) {
        uint32_t sid = rep[i].sid;
        if (sid >= self->shapes) {
            PyErr_SetString(PyExc_ValueError, "match id out of range");
            return -1;
        }
        uint64_t start = rep[i].from;
        uint64_t end = rep[i].to;
        if (self->late_start[sid]) {
            if (self->late == NULL) {
                PyErr_SetString(PyExc_ValueError, "late-start shape without a late database");
                return -1;
            }
            if (late == NULL) {  /* from the text's leading newline to the group's last end */
                uint64_t offset = base - 1;
                if (scan_into(self->late, (const char *)buf + offset, (size_t)(rep[j - 1].to - offset)) < 0)
                    return -1;
                late = &self->late->reports;
                for (size_t x = 0; x < late->n; x++) {
                    late->v[x].from += offset;
                    late->v[x].to += offset;
                }
            }
            int64_t s = late_lookup(late, sid, end);
            if (s < 0) continue;  /* only a match reaching back over the framing ends here */
            start = (uint64_t)s;
        }
        start = trim_start(self, buf, sid, start);
        if (start < base) return 1;
        start -= base;
        end = trim_end(self, buf, sid, end) - base;
        size_t x = 0;
        while (x < nfound && !(self->found[x].sid == sid && self->found[x].start == start)) x++;
        self->found[x].sid = sid;  /* a later report for the same shape and start has the longer end */
        self->found[x].start = start;
        self->found[x].end = end;
        if (x == nfound) nfound++;
    }
    if (nfound > 1) qsort(self->found, nfound, sizeof *self->found, by_start);
    *count = nfound;
    return 0;
}

static PyObject *Batch_spans(Batch *self, PyObject *texts) {
    if (self->main == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Batch not initialised");
        return NULL;
    }
    if (!PyList_Check(texts)) {
        PyErr_SetString(PyExc_TypeError, "texts must be a list of bytes");
        return NULL;
    }
    Py_ssize_t ntexts = PyList_GET_SIZE(texts);
    size_t total = 2;
    for (Py_ssize_t i = 0; i < ntexts; i++) {
        PyObject *t = PyList_GET_ITEM(texts, i);
        if (!PyBytes_Check(t)) {
            PyErr_SetString(PyExc_TypeError, "texts must be a list of bytes");
            return NULL;
        }
        total += (size_t)PyBytes_GET_SIZE(t) + 1;
    }
    if (total > self->buf_cap) {
        char *b = PyMem_RawRealloc(self->buf, total);
        if (b == NULL) return PyErr_NoMemory();
        self->buf = b;
        self->buf_cap = total;
    }
    /* "\n" + "\n".join(texts) + "\n" */
    char *p = self->buf;
    *p++ = '\n';
    for (Py_ssize_t i = 0; i < ntexts; i++) {
        PyObject *t = PyList_GET_ITEM(texts, i);
        size_t len = (size_t)PyBytes_GET_SIZE(t);
        memcpy(p, PyBytes_AS_STRING(t), len);
        p += len;
        *p++ = '\n';
    }
    size_t buflen = (size_t)(p - self->buf);
    if (ntexts == 0) buflen = 2, self->buf[1] = '\n';
    if (scan_into(self->main, self->buf, buflen) < 0) return NULL;

    PyObject *out = PyList_New(ntexts);
    PyObject *alone = PyList_New(0);
    if (out == NULL || alone == NULL) goto fail;
    const unsigned char *buf = (const unsigned char *)self->buf;
    const Report *rep = self->main->reports.v;
    size_t n = self->main->reports.n;
    size_t k = 0;
    uint64_t limit = 0;  /* offset of the newline after the current text */
    for (Py_ssize_t i = 0; i < ntexts; i++) {
        uint64_t base = limit + 1;
        limit = base + (uint64_t)PyBytes_GET_SIZE(PyList_GET_ITEM(texts, i));
        PyObject *spans;
        if (k == n || rep[k].to > limit + 1) {
            spans = PyList_New(0);
        } else {
            size_t j = k + 1;
            while (j < n && rep[j].to <= limit + 1) j++;
            size_t count = 0;
            int rc = text_spans(self, buf, rep, k, j, base, &count);
            k = j;
            if (rc < 0) goto fail;
            if (rc == 1) {  /* a value reached back over the framing: the caller scans this text alone */
                PyObject *index = PyLong_FromSsize_t(i);
                if (index == NULL || PyList_Append(alone, index) < 0) {
                    Py_XDECREF(index);
                    goto fail;
                }
                Py_DECREF(index);
                count = 0;
            }
            spans = PyList_New((Py_ssize_t)count);
            for (size_t x = 0; spans != NULL && x < count; x++) {
                Span *s = &self->found[x];
                PyObject *t = span_tuple(s->sid, s->start, s->end);
                if (t == NULL) Py_CLEAR(spans);
                else PyList_SET_ITEM(spans, (Py_ssize_t)x, t);
            }
        }
        if (spans == NULL) goto fail;
        PyList_SET_ITEM(out, i, spans);
    }
    PyObject *result = PyTuple_Pack(2, out, alone);
    Py_DECREF(out);
    Py_DECREF(alone);
    return result;
fail:
    Py_XDECREF(out);
    Py_XDECREF(alone);
    return NULL;
}

static PyMethodDef Batch_methods[] = {
    {"spans", (PyCFunction)Batch_spans, METH_O,
     "spans(texts) -> (spans per text, indexes of the texts to rescan alone); see Scanner.spans"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject BatchType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "secops.classify._hsscan.Batch",
    .tp_doc = "Batch(main, late, trim_left, trim_right, utf8, late_start): Scanner.spans in C",
    .tp_basicsize = sizeof(Batch),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Batch_init,
    .tp_dealloc = (destructor)Batch_dealloc,
    .tp_methods = Batch_methods,
};

/* ------------------------------------------------------------------------------------------------------ */

static PyObject *version(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    return PyUnicode_FromString(hs_version());
}

static PyMethodDef module_methods[] = {
    {"version", version, METH_NOARGS, "the libhs version string"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_hsscan", "A thin hyperscan binding for the classification scanner.", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__hsscan(void) {
    if (PyType_Ready(&DatabaseType) < 0 || PyType_Ready(&BatchType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    HsError = PyErr_NewException("secops.classify._hsscan.error", PyExc_ValueError, NULL);
    if (HsError == NULL || PyModule_AddObjectRef(m, "error", HsError) < 0 ||
        PyModule_AddObjectRef(m, "Database", (PyObject *)&DatabaseType) < 0 ||
        PyModule_AddObjectRef(m, "Batch", (PyObject *)&BatchType) < 0 ||
        PyModule_AddIntConstant(m, "HS_FLAG_CASELESS", HS_FLAG_CASELESS) < 0 ||
        PyModule_AddIntConstant(m, "HS_FLAG_UTF8", HS_FLAG_UTF8) < 0 ||
        PyModule_AddIntConstant(m, "HS_FLAG_SOM_LEFTMOST", HS_FLAG_SOM_LEFTMOST) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
