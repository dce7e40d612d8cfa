// Quantizes every 2-D tensor of an F32 GGUF to one ggml type with ggml's own quantizer
// (ggml_quantize_chunk, what llama-quantize calls per tensor), and stores beside each its
// dequantization by ggml's own to_float (dequantize_row_*) as "<name>.ggml_dequantized" (F32).
// Usage: quantize-fixtures IN.gguf OUT_DIR TYPE_NAME...   (tscope's fixture maker; see README.md)
#include "ggml.h"
#include "gguf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Only ggml's CPU-side quantizers and gguf writer are linked; no tensor here ever has a backend
// buffer, so ggml.c's calls into the backend are never reached: these stand in for them.
int ggml_backend_buffer_get_usage(void * b) { abort(); }
void ggml_backend_tensor_get(void * t, void * d, size_t o, size_t s) { abort(); }
void ggml_backend_tensor_set(void * t, const void * d, size_t o, size_t s) { abort(); }
void ggml_backend_tensor_memset(void * t, unsigned char v, size_t o, size_t s) { abort(); }

static int type_by_name(const char * name) {
    for (int t = 0; t < GGML_TYPE_COUNT; t++) {
        const char * n = ggml_type_name((enum ggml_type) t);
        if (n && strcasecmp(n, name) == 0) return t;
    }
    return -1;
}

int main(int argc, char ** argv) {
    struct ggml_context * in_ctx = NULL;
    struct gguf_init_params params = { .no_alloc = false, .ctx = &in_ctx };
    struct gguf_context * in = gguf_init_from_file(argv[1], params);
    if (!in) { fprintf(stderr, "cannot read %s\n", argv[1]); return 1; }
    for (int a = 3; a < argc; a++) {
        int type = type_by_name(argv[a]);
        if (type < 0) { fprintf(stderr, "unknown type %s\n", argv[a]); return 1; }
        struct ggml_init_params ip = { .mem_size = 64u << 20, .mem_buffer = NULL, .no_alloc = false };
        struct ggml_context * ctx = ggml_init(ip);
        struct gguf_context * out = gguf_init_empty();
        gguf_set_kv(out, in);
        gguf_set_val_str(out, "tscope.fixture.ggml_type", ggml_type_name((enum ggml_type) type));
        for (int64_t i = 0; i < gguf_get_n_tensors(in); i++) {
            const char * name = gguf_get_tensor_name(in, i);
            struct ggml_tensor * t = ggml_get_tensor(in_ctx, name);
            int quantize = ggml_n_dims(t) >= 2 && t->ne[0] % ggml_blck_size((enum ggml_type) type) == 0;
            if (!quantize) { gguf_add_tensor(out, t); continue; }
            const int64_t n_per_row = t->ne[0], nrows = ggml_nrows(t);
            struct ggml_tensor * q = ggml_new_tensor(ctx, (enum ggml_type) type, ggml_n_dims(t), t->ne);
            ggml_set_name(q, name);
            float * imatrix = malloc(n_per_row * sizeof(float));
            for (int64_t j = 0; j < n_per_row; j++) imatrix[j] = 1.0f;
            ggml_quantize_chunk((enum ggml_type) type, (const float *) t->data, q->data, 0, nrows, n_per_row, imatrix);
            free(imatrix);
            gguf_add_tensor(out, q);
            struct ggml_tensor * d = ggml_new_tensor(ctx, GGML_TYPE_F32, ggml_n_dims(t), t->ne);
            char dname[GGML_MAX_NAME];
            snprintf(dname, sizeof dname, "%s.ggml_dequantized", name);
            ggml_set_name(d, dname);
            ggml_get_type_traits((enum ggml_type) type)->to_float(q->data, (float *) d->data, ggml_nelements(t));
            gguf_add_tensor(out, d);
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.gguf", argv[2], ggml_type_name((enum ggml_type) type));
        if (!gguf_write_to_file(out, path, false)) { fprintf(stderr, "cannot write %s\n", path); return 1; }
        gguf_free(out);
        ggml_free(ctx);
    }
    return 0;
}
