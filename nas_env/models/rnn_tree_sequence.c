/* The time loop of the fused recurrent cell: one call runs a whole sequence forward, one call its
 * backward pass (see nas_env/models/rnn_fused.py; built into one library with rnn_tree_kernel.c, the
 * tree of one step, and rnn_tree_gemm.c, the matrix products).
 *
 * The batch is cut into blocks of rows (about TILE values per tree node) and each block runs through
 * all time steps before the next (the rows of a batch are independent), so that a step's U h_{t-1} of
 * the block, its node values and their gradients are written and read while they are in L1. Forward,
 * per block and step: hp = h_{t-1} U^T (tree_gemm), then the tree (tree_block_forward). Backward, per
 * block from the last step to the first: the tree's gradient (tree_block_backward), the bias gradients
 * summed over rows and steps (tree_colsum, when asked), then the gradient of h_{t-1} = ghp U.
 * No reductions whose order depends on the build: results have the same bits in every build.
 */
#include <stddef.h>

/* Batch rows per block: about TILE values per node (a block's tree stays in L1 while evaluated). */
#define TILE 512

/* Everything one sequence needs (strides are in elements; layouts as in rnn_fused.py). */
typedef struct {
    int B, H, steps, keep; /* keep: one saved slot per step (training), else slot 0 is reused   */
    const int *prog;       /* base, cell_out, cell_inject, inj_comb, inj_act, comb[N], act[N]     */
    void *xl;       /* (B, T, base*H): the leaves' W x_t (b added by the kernel)                */
    void *bx, *d;   /* (base*H,) each: the input bias b and the recurrent bias d                 */
    void *wt, *w;   /* U^T (H, base*H) for the forward pass, U (base*H, H) for the backward    */
    void *h0, *c0;  /* (B, H) each                                                               */
    void *hp;       /* (steps or 1, B, base*H): U h_{t-1} per step (d added by the kernel)       */
    void *save;     /* (steps or 1, N + 1, B, H)                                                 */
    void *out;      /* (B, T, H): h_t                                                            */
    void *cs;       /* (T, B, H): c_t                                                            */
    void *gh;       /* (B, H): gradient of h_t from step t+1 (in: of h_T; out: of h_0)           */
    void *g_out;    /* (B, T, H): gradient of the outputs                                        */
    void *gc_a, *gc_b; /* (B, H) each: gradients of c_t and c_{t-1}, alternating (in gc_a: of c_T) */
    void *gxl;      /* (B, T, base*H)                                                            */
    void *ghp;      /* (T, B, base*H)                                                            */
    void *work;     /* (N, B, H)                                                                 */
    void *gd, *gbx; /* (base*H,) each, zeroed, or NULL: gradients of d and b, summed here        */
} Sequence;

#define DEFINE_SEQUENCE(T, SUF)                                                                       \
void tree_gemm_##SUF(int rows, int K, ptrdiff_t N, const T *A, ptrdiff_t lda, const T *Bm,           \
                     ptrdiff_t ldb, T *C, ptrdiff_t ldc);                                             \
void tree_block_forward_##SUF(const int *prog, int rows, int H, const T *xl, ptrdiff_t xl_row,       \
                              const T *bx, const T *hp, const T *d, const T *c_prev, T *save,        \
                              ptrdiff_t n, T *h_out, ptrdiff_t h_row, T *c_out);                     \
void tree_block_backward_##SUF(const int *prog, int rows, int H, const T *xl, ptrdiff_t xl_row,      \
                               const T *bx, const T *hp, const T *d, const T *c_prev, const T *save, \
                               ptrdiff_t n, const T *gh, const T *g_out, ptrdiff_t g_row, const T *gc, \
                               T *gxl, ptrdiff_t gxl_row, T *ghp, T *gc_prev, T *work);              \
void tree_colsum_##SUF(int rows, ptrdiff_t cols, const T *src, ptrdiff_t ld, T *acc);                \
void tree_forward_##SUF(const Sequence *q) {                                                          \
    const int B = q->B, H = q->H, steps = q->steps, block = H >= TILE ? 1 : TILE / H;                 \
    const ptrdiff_t n = (ptrdiff_t)B * H, L = (ptrdiff_t)q->prog[0] * H, S = 2 * q->prog[0];          \
    const ptrdiff_t x_row = steps * L, h_row = (ptrdiff_t)steps * H;                                  \
    const T *xl = q->xl, *bx = q->bx, *d = q->d, *wt = q->wt, *h0 = q->h0, *c0 = q->c0;               \
    T *out = q->out, *cs = q->cs;                                                                     \
    for (int b0 = 0; b0 < B; b0 += block) {                                                           \
        const int rows = B - b0 < block ? B - b0 : block;                                             \
        const ptrdiff_t o = (ptrdiff_t)b0 * H;                                                        \
        for (int t = 0; t < steps; t++) {                                                             \
            const ptrdiff_t s = q->keep ? t : 0;                                                      \
            T *hp = (T *)q->hp + s * B * L + b0 * L, *h = out + b0 * h_row + t * H;                  \
            if (t) tree_gemm_##SUF(rows, H, L, h - H, h_row, wt, L, hp, L);                           \
            else tree_gemm_##SUF(rows, H, L, h0 + o, H, wt, L, hp, L);                                \
            tree_block_forward_##SUF(q->prog, rows, H, xl + b0 * x_row + t * L, x_row, bx, hp, d,     \
                                     t ? cs + (t - 1) * n + o : c0 + o, (T *)q->save + s * S * n + o, \
                                     n, h, h_row, cs + t * n + o);                                    \
        }                                                                                             \
    }                                                                                                 \
}                                                                                                     \
void tree_backward_##SUF(const Sequence *q) {                                                         \
    const int B = q->B, H = q->H, steps = q->steps, block = H >= TILE ? 1 : TILE / H;                 \
    const ptrdiff_t n = (ptrdiff_t)B * H, L = (ptrdiff_t)q->prog[0] * H, S = 2 * q->prog[0];          \
    const ptrdiff_t x_row = steps * L, h_row = (ptrdiff_t)steps * H;                                  \
    const T *xl = q->xl, *bx = q->bx, *d = q->d, *w = q->w, *c0 = q->c0, *cs = q->cs;                 \
    const T *g_out = q->g_out;                                                                        \
    T *gh = q->gh, *gd = q->gd, *gbx = q->gbx;                                                        \
    for (int b0 = 0; b0 < B; b0 += block) {                                                           \
        const int rows = B - b0 < block ? B - b0 : block;                                             \
        const ptrdiff_t o = (ptrdiff_t)b0 * H;                                                        \
        for (int t = steps - 1; t >= 0; t--) {                                                        \
            const int even = (steps - 1 - t) % 2 == 0;                                                \
            T *gc = (T *)(even ? q->gc_a : q->gc_b) + o, *gc_prev = (T *)(even ? q->gc_b : q->gc_a) + o; \
            T *ghp = (T *)q->ghp + t * B * L + b0 * L, *gxl = (T *)q->gxl + b0 * x_row + t * L;       \
            tree_block_backward_##SUF(q->prog, rows, H, xl + b0 * x_row + t * L, x_row, bx,           \
                                      (const T *)q->hp + t * B * L + b0 * L, d,                       \
                                      t ? cs + (t - 1) * n + o : c0 + o, (const T *)q->save + t * S * n + o, \
                                      n, gh + o, g_out + b0 * h_row + t * H, h_row, gc, gxl, x_row,   \
                                      ghp, gc_prev, (T *)q->work + o);                                \
            if (gd) tree_colsum_##SUF(rows, L, ghp, L, gd);                                           \
            if (gbx) tree_colsum_##SUF(rows, L, gxl, x_row, gbx);                                     \
            tree_gemm_##SUF(rows, (int)L, H, ghp, L, w, H, gh + o, H);                                \
        }                                                                                             \
    }                                                                                                 \
}

DEFINE_SEQUENCE(float, f32)
DEFINE_SEQUENCE(double, f64)
