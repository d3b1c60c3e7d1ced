/* The one-permutation MinHash of ingest.minhash, compiled: one pass over a string's code
 * points, with no array per step. numpy made it six passes over arrays of the text's length
 * and a sort (for the count of distinct shingles): 150 µs for an article of 6,200
 * characters, against 90 µs here. The values are those the numpy version gave, bit for bit
 * (tests/test_minhash.py checks them against a plain Python statement of the scheme), so
 * an archive's stored signatures stay valid. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define BINS 256
#define BIN_SHIFT (64 - 8)        /* the top 8 bits pick the bin */
#define VALUE_SHIFT (64 - 8 - 32) /* the next 32 are its value */
#define EMPTY UINT32_C(0xFFFFFFFF)
#define ROTATION UINT32_C(0x9E3779B1)
#define MULTIPLIER UINT64_C(0x9E3779B97F4A7C15)
#define AHEAD 8 /* hashes between a set slot's prefetch and its use */

/* SplitMix64's finaliser. */
static inline uint64_t mix(uint64_t z) {
    z ^= z >> 30;
    z *= UINT64_C(0xBF58476D1CE4E5B9);
    z ^= z >> 27;
    z *= UINT64_C(0x94D049BB133111EB);
    z ^= z >> 31;
    return z;
}

/* The hashes of a text's shingles (`count` of them, `width` code points each) into
 * `hashes`, with each bin's smallest value; inlined once per kind of string, so that the
 * kind is not tested per character. */
static inline __attribute__((always_inline)) void hash_shingles(
    int kind, const void *data, Py_ssize_t count, Py_ssize_t width, uint64_t *hashes,
    uint32_t *values, char *present) {
    for (Py_ssize_t start = 0; start < count; start++) {
        uint64_t hash = (uint64_t)width;
        for (Py_ssize_t offset = 0; offset < width; offset++)
            hash = hash * MULTIPLIER + (uint64_t)PyUnicode_READ(kind, data, start + offset);
        hash = mix(hash);
        hashes[start] = hash;
        int bin = (int)(hash >> BIN_SHIFT);
        uint32_t value = (uint32_t)(hash >> VALUE_SHIFT);
        present[bin] = 1; /* a bin whose only value is EMPTY has it all the same */
        if (value < values[bin])
            values[bin] = value;
    }
}

/* Adds a hash to an open-addressing set of `mask + 1` slots (the hashes are uniform
 * already: their low bits are the slot); returns 1 if it was not there. Zero, the empty
 * slot, is counted apart by the caller. */
static inline int add_hash(uint64_t *slots, size_t mask, uint64_t hash) {
    size_t slot = (size_t)hash & mask;
    while (slots[slot]) {
        if (slots[slot] == hash)
            return 0;
        slot = (slot + 1) & mask;
    }
    slots[slot] = hash;
    return 1;
}

/* Room for a text's hashes and its set, kept from call to call up to KEEP_WORDS (an
 * article of 40,000 characters): a page's one giant text (up to the 20 MB page limit) would
 * otherwise leave each worker holding hundreds of MB. */
#define KEEP_WORDS ((size_t)1 << 17)
static uint64_t *scratch_memory = NULL;
static size_t scratch_capacity = 0;

static void release_scratch(void) {
    PyMem_Free(scratch_memory);
    scratch_memory = NULL;
    scratch_capacity = 0;
}

static uint64_t *scratch(size_t words) {
    if (words > scratch_capacity) {
        uint64_t *grown = PyMem_Realloc(scratch_memory, words * sizeof *grown);
        if (grown == NULL)
            return NULL;
        scratch_memory = grown;
        scratch_capacity = words;
    }
    return scratch_memory;
}

/* Empty bins take the next non-empty bin's value (circularly), shifted by the distance
 * times ROTATION, modulo 2**32. */
static void densify(uint32_t *values, const char *present) {
    int first = -1;
    for (int bin = 0; bin < BINS; bin++) {
        if (present[bin]) {
            first = bin;
            break;
        }
    }
    if (first < 0)
        return;
    /* Going down from the last bin, `source` is the first filled bin at or after `bin`. */
    int source = first + BINS; /* past the end: round to the first filled bin */
    for (int bin = BINS - 1; bin >= 0; bin--) {
        if (present[bin]) {
            source = bin;
            continue;
        }
        uint32_t distance = (uint32_t)(source - bin);
        values[bin] = values[source % BINS] + distance * ROTATION;
    }
}

static PyObject *sketch(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "Un", &text, &size))
        return NULL;
    if (size < 1) {
        PyErr_SetString(PyExc_ValueError, "shingle size must be at least 1");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);

    uint32_t values[BINS];
    char present[BINS];
    for (int bin = 0; bin < BINS; bin++)
        values[bin] = EMPTY;
    memset(present, 0, sizeof present);
    Py_ssize_t distinct = 0;

    if (length > 0) {
        /* A text shorter than the shingle is one shingle of its whole length. */
        Py_ssize_t width = length < size ? length : size;
        Py_ssize_t count = length - width + 1;
        size_t slots = 16;
        while (slots < 2 * (size_t)count)
            slots <<= 1;
        uint64_t *hashes = scratch(slots + (size_t)count);
        if (hashes == NULL)
            return PyErr_NoMemory();
        uint64_t *seen = hashes + count;
        memset(seen, 0, slots * sizeof *seen);
        switch (kind) {
        case PyUnicode_1BYTE_KIND:
            hash_shingles(PyUnicode_1BYTE_KIND, data, count, width, hashes, values, present);
            break;
        case PyUnicode_2BYTE_KIND:
            hash_shingles(PyUnicode_2BYTE_KIND, data, count, width, hashes, values, present);
            break;
        default:
            hash_shingles(PyUnicode_4BYTE_KIND, data, count, width, hashes, values, present);
        }
        /* Distinct hashes, counted in a set; its slots are fetched a few hashes ahead, since
         * a set of an article's shingles is larger than the first-level cache. */
        size_t mask = slots - 1;
        int zero_seen = 0;
        for (Py_ssize_t i = 0; i < count; i++) {
            if (i + AHEAD < count)
                __builtin_prefetch(&seen[hashes[i + AHEAD] & mask]);
            uint64_t hash = hashes[i];
            if (hash == 0) {
                distinct += !zero_seen;
                zero_seen = 1;
            } else {
                distinct += add_hash(seen, mask, hash);
            }
        }
        if (scratch_capacity > KEEP_WORDS)
            release_scratch();
        densify(values, present);
    }
    PyObject *signature = PyBytes_FromStringAndSize((const char *)values, sizeof values);
    if (signature == NULL)
        return NULL;
    return Py_BuildValue("Nn", signature, distinct);
}

static PyMethodDef methods[] = {
    {"sketch", sketch, METH_VARARGS,
     "sketch(text, size) -> (bytes, int)\n\n"
     "The MinHash signature of the text's size-character shingles, as 256 native 32-bit\n"
     "values, and the number of distinct shingles."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sketch", "One-permutation MinHash of character shingles.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__sketch(void) { return PyModule_Create(&module); }
