/* Fused element-wise tree of a Zoph & Le recurrent cell (see nas_env/models/rnn_fused.py).
 *
 * tree_block_forward/backward evaluate (forward) or differentiate (backward) the whole tree of one time
 * step for a block of batch rows (about TILE values per node, so that the block's node values stay in L1
 * between a node and its parent); the time loop and the products U h_{t-1} are in rnn_tree_sequence.c
 * and rnn_tree_gemm.c (one library). The program arrives as one int array prog:
 * base, cell_out, cell_inject, inj_comb, inj_act, then comb[i] (0 add, 1 elem_mult) and act[i] (0 identity,
 * 1 tanh, 2 sigmoid, 3 relu) for every node i (leaves 0..base-1 first, root last); inner node base+k has
 * children 2k and 2k+1.
 *
 * Saved per step (``save``, S = N + 1 planes of n = B*H values, N = 2*base - 1; a block uses its rows):
 *   planes 0..N-1  the value parents see (activation output; after injection at node k)
 *   plane  N       node k's activation output before the injection
 * (the backward pass needs only activation outputs; c_t, node m's pre-activation, goes to cs).
 * Compiled twice, for float (suffix f32) and double (suffix f64). The float version's exp
 * and tanh are the Cephes single-precision algorithms written so that the compiler can
 * vectorise the loops (libm's scalar expf/tanhf calls dominated the step time); they are
 * within a few float ulps of torch's, and keep NaN, +-inf and overflow behaviour (exp
 * overflows to inf, sigmoid/tanh saturate). The double version calls libm.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* An AVX-512, an AVX2 and a baseline build of each function that loops, picked when the library
 * loads (NAS_ENV_KERNEL_BASELINE: the baseline alone, for the test that compares them). Every
 * build gives the same bits: element-wise IEEE operations only, no FMA contraction
 * (-ffp-contract=off), no reductions, no approximate reciprocals. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(NAS_ENV_KERNEL_BASELINE)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif
#define INLINE static inline __attribute__((always_inline))

/* exp(x) for float, vectorisable: 2^n * p(r), n = round(x / ln 2), |r| <= ln(2)/2. */
INLINE float fast_expf(float x) {
    float xc = x > 88.3762626647949f ? 88.3762626647949f : x;
    xc = xc < -87.3365447504f ? -87.3365447504f : xc;
    float t = xc * 1.44269504088896341f;
    float fn = (t + 12582912.0f) - 12582912.0f; /* round to nearest (|t| < 2^22) */
    float r = xc - fn * 0.693359375f;
    r = r - fn * -2.12194440e-4f;
    float z = r * r;
    float p = 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    p = p * z + r + 1.0f;
    union { uint32_t i; float f; } scale;
    scale.i = (uint32_t)((int32_t)fn + 127) << 23;
    float y = p * scale.f;
    y = x > 88.7228391116729996f ? INFINITY : y;
    y = x < -87.3365447504f ? 0.0f : y;
    return x != x ? x : y;
}

/* tanh(x) for float: odd polynomial near 0, 1 - 2 / (exp(2|x|) + 1) elsewhere. */
INLINE float fast_tanhf(float x) {
    float a = x < 0.0f ? -x : x;
    float z = x * x;
    float small = ((((-5.70498872745E-3f * z + 2.06390887954E-2f) * z - 5.37397155531E-2f) * z
                    + 1.33314422036E-1f) * z - 3.33332819422E-1f) * z * x + x;
    float big = 1.0f - 2.0f / (fast_expf(2.0f * a) + 1.0f);
    big = x < 0.0f ? -big : big;
    return a < 0.625f ? small : (x != x ? x : big);
}

/* f(kind, ...) with kind a constant in each case: one vectorised loop per activation. */
#define BY_KIND(f, ...) switch (kind) {                                                       \
    case 0: f(0, __VA_ARGS__); break; case 1: f(1, __VA_ARGS__); break;                        \
    case 2: f(2, __VA_ARGS__); break; default: f(3, __VA_ARGS__); break; }

#define DEFINE_KERNELS(T, SUF, TANH, EXP)                                                     \
/* act(v); kind is a constant wherever it is inlined (see the switches below). */             \
INLINE T act_##SUF(int kind, T v) {                                                           \
    switch (kind) {                                                                           \
    case 0: return v;                                                                         \
    case 1: return TANH(v);                                                                   \
    case 2: return (T)1 / ((T)1 + EXP(-v));                                                   \
    default: return v < (T)0 ? (T)0 : v;                                                      \
    }                                                                                         \
}                                                                                             \
/* g * act'(.) from the activation's output y (as torch's backward formulas). */              \
INLINE T dact_##SUF(int kind, T y, T g) {                                                     \
    switch (kind) {                                                                           \
    case 0: return g;                                                                         \
    case 1: return g * ((T)1 - y * y);                                                        \
    case 2: return g * ((T)1 - y) * y;                                                        \
    default: return y <= (T)0 ? (T)0 : g;                                                     \
    }                                                                                         \
}                                                                                             \
/* out = act(comb(a + da, b + db)) over rows x cols (row strides as, bs, os; da, db: one row each, \
 * both NULL for none); comb 1 is a * b, 0 is a + b. */                                        \
INLINE void node_fwd_k_##SUF(int kind, int comb, const T *restrict a, ptrdiff_t as,           \
                             const T *restrict b, ptrdiff_t bs, const T *restrict da,         \
                             const T *restrict db, T *restrict out, ptrdiff_t os, int rows,   \
                             ptrdiff_t cols) {                                                \
    ptrdiff_t e;                                                                              \
    for (int r = 0; r < rows; r++, a += as, b += bs, out += os) {                             \
        if (db) {                                                                             \
            if (comb) for (e = 0; e < cols; e++) out[e] = act_##SUF(kind, (a[e] + da[e]) * (b[e] + db[e])); \
            else for (e = 0; e < cols; e++) out[e] = act_##SUF(kind, (a[e] + da[e]) + (b[e] + db[e])); \
        } else {                                                                              \
            if (comb) for (e = 0; e < cols; e++) out[e] = act_##SUF(kind, a[e] * b[e]);      \
            else for (e = 0; e < cols; e++) out[e] = act_##SUF(kind, a[e] + b[e]);           \
        }                                                                                     \
    }                                                                                         \
}                                                                                             \
static CLONES void node_fwd_##SUF(int comb, int kind, const T *restrict a, ptrdiff_t as,      \
                                  const T *restrict b, ptrdiff_t bs, const T *restrict da,    \
                                  const T *restrict db, T *restrict out, ptrdiff_t os,        \
                                  int rows, ptrdiff_t cols) {                                 \
    BY_KIND(node_fwd_k_##SUF, comb, a, as, b, bs, da, db, out, os, rows, cols)                \
}                                                                                             \
/* g <- g * act'(y), in place. */                                                             \
static CLONES void dact_rows_##SUF(int kind, const T *restrict y, T *restrict g, ptrdiff_t n) {\
    ptrdiff_t e;                                                                              \
    switch (kind) {                                                                           \
    case 0: break;                                                                            \
    case 1: for (e = 0; e < n; e++) g[e] = dact_##SUF(1, y[e], g[e]); break;                  \
    case 2: for (e = 0; e < n; e++) g[e] = dact_##SUF(2, y[e], g[e]); break;                  \
    default: for (e = 0; e < n; e++) g[e] = dact_##SUF(3, y[e], g[e]); break;                 \
    }                                                                                         \
}                                                                                             \
/* gp = g * act'(y) (y, g: rows x cols contiguous); then the gradients of comb(a + da, b + db)'s \
 * operands: ga = gp * (b + db) or gp, gb = gp * (a + da) or gp (da, db NULL: none; strides as  \
 * for fwd). */                                                                               \
INLINE void node_bwd_k_##SUF(int kind, int comb, const T *restrict y, const T *restrict g,    \
                             const T *restrict a, ptrdiff_t as, const T *restrict b, ptrdiff_t bs,\
                             const T *restrict da, const T *restrict db, T *restrict ga,      \
                             ptrdiff_t gas, T *restrict gb, ptrdiff_t gbs, int rows, ptrdiff_t cols) {\
    ptrdiff_t e;                                                                              \
    for (int r = 0; r < rows; r++, y += cols, g += cols, a += as, b += bs, ga += gas, gb += gbs) { \
        if (!comb) {                                                                          \
            for (e = 0; e < cols; e++) { T gp = dact_##SUF(kind, y[e], g[e]); ga[e] = gp; gb[e] = gp; } \
        } else if (db) {                                                                      \
            for (e = 0; e < cols; e++) {                                                      \
                T gp = dact_##SUF(kind, y[e], g[e]); ga[e] = gp * (b[e] + db[e]); gb[e] = gp * (a[e] + da[e]); \
            }                                                                                 \
        } else {                                                                              \
            for (e = 0; e < cols; e++) { T gp = dact_##SUF(kind, y[e], g[e]); ga[e] = gp * b[e]; gb[e] = gp * a[e]; } \
        }                                                                                     \
    }                                                                                         \
}                                                                                             \
static CLONES void node_bwd_##SUF(int comb, int kind, const T *restrict y, const T *restrict g,\
                                  const T *restrict a, ptrdiff_t as, const T *restrict b,     \
                                  ptrdiff_t bs, const T *restrict da, const T *restrict db,   \
                                  T *restrict ga, ptrdiff_t gas, T *restrict gb, ptrdiff_t gbs,\
                                  int rows, ptrdiff_t cols) {                                 \
    BY_KIND(node_bwd_k_##SUF, comb, y, g, a, as, b, bs, da, db, ga, gas, gb, gbs, rows, cols)  \
}

#define DEFINE_TREE(T, SUF)                                                                   \
/* Forward of one step for `rows` batch rows: xl, hp (row strides xl_row, L), c_prev, c_out (rows x H \
 * contiguous) and save (plane stride n) start at the block's first row; h_out has row stride h_row. */ \
void tree_block_forward_##SUF(const int *prog, int rows, int H, const T *xl, ptrdiff_t xl_row,       \
                              const T *bx, const T *hp, const T *d, const T *c_prev, T *save,        \
                              ptrdiff_t n, T *h_out, ptrdiff_t h_row, T *c_out) {                    \
    const int base = prog[0], cell_out = prog[1], cell_inject = prog[2], N = 2 * base - 1;            \
    const int *comb = prog + 5, *act = prog + 5 + N;                                                  \
    const ptrdiff_t L = (ptrdiff_t)base * H, m = (ptrdiff_t)rows * H;                                 \
    for (int i = 0; i < N; i++) {                                                                     \
        T *vis = save + i * n;                                                                        \
        T *dst = i == cell_inject ? save + N * n : vis; /* the activation's output */                 \
        for (int pass = i == cell_out; pass >= 0; pass--) { /* pass 1: c_t, the pre-activation */     \
            T *to = pass ? c_out : dst;                                                               \
            const int kind = pass ? 0 : act[i];                                                       \
            if (i < base)                                                                             \
                node_fwd_##SUF(comb[i], kind, xl + i * H, xl_row, hp + i * H, L, bx + i * H, d + i * H, \
                               to, H, rows, H);                                                       \
            else                                                                                      \
                node_fwd_##SUF(comb[i], kind, save + 2 * (i - base) * n, 0, save + (2 * (i - base) + 1) * n, \
                               0, NULL, NULL, to, 0, 1, m);                                           \
        }                                                                                             \
        if (i == cell_inject) /* the value parents see: inj_act(inj_comb(act out, c_{t-1})) */        \
            node_fwd_##SUF(prog[3], prog[4], dst, 0, c_prev, 0, NULL, NULL, vis, 0, 1, m);            \
    }                                                                                                 \
    for (int r = 0; r < rows; r++)                                                                    \
        memcpy(h_out + r * h_row, save + (N - 1) * n + r * H, (size_t)H * sizeof(T));                 \
}                                                                                                     \
/* Backward of one step for a block, pointers as in the forward pass. Gradient of h_t = gh + g_out    \
 * (the recurrent part and the output's, row strides H and g_row); gc: of c_t. Writes gxl (leaf       \
 * x-parts, row stride gxl_row), ghp (leaf h-parts, row stride L) and gc_prev (of c_{t-1}; must not   \
 * alias gc). work: N planes (stride n) of scratch (gradient of each node's visible value). */         \
void tree_block_backward_##SUF(const int *prog, int rows, int H, const T *xl, ptrdiff_t xl_row,      \
                               const T *bx, const T *hp, const T *d, const T *c_prev, const T *save, \
                               ptrdiff_t n, const T *gh, const T *g_out, ptrdiff_t g_row, const T *gc, \
                               T *gxl, ptrdiff_t gxl_row, T *ghp, T *gc_prev, T *work) {             \
    const int base = prog[0], cell_out = prog[1], cell_inject = prog[2], N = 2 * base - 1;            \
    const int *comb = prog + 5, *act = prog + 5 + N;                                                  \
    const ptrdiff_t L = (ptrdiff_t)base * H, m = (ptrdiff_t)rows * H;                                 \
    ptrdiff_t e, j;                                                                                   \
    for (int r = 0; r < rows; r++) {                                                                  \
        T *w = work + (N - 1) * n + r * H;                                                            \
        const T *g1 = gh + r * H, *g2 = g_out + r * g_row;                                            \
        for (j = 0; j < H; j++) w[j] = g1[j] + g2[j];                                                 \
    }                                                                                                 \
    for (int i = N - 1; i >= 0; i--) {                                                                \
        T *g = work + i * n; /* gradient of the visible value */                                      \
        const T *y = save + i * n;                                                                    \
        int kind = act[i];                                                                            \
        if (i == cell_inject || i == cell_out) { /* g becomes the pre-activation's gradient */        \
            if (i == cell_inject) {                                                                   \
                const T *raw = save + N * n;                                                          \
                dact_rows_##SUF(prog[4], y, g, m);                                                    \
                if (prog[3]) {                                                                        \
                    for (e = 0; e < m; e++) { gc_prev[e] = g[e] * raw[e]; g[e] = g[e] * c_prev[e]; }  \
                } else {                                                                              \
                    memcpy(gc_prev, g, (size_t)m * sizeof(T));                                        \
                }                                                                                     \
                y = raw;                                                                              \
            }                                                                                         \
            dact_rows_##SUF(kind, y, g, m);                                                           \
            if (i == cell_out) for (e = 0; e < m; e++) g[e] += gc[e];                                 \
            kind = 0;                                                                                 \
        }                                                                                             \
        if (i < base) {                                                                               \
            node_bwd_##SUF(comb[i], kind, y, g, xl + i * H, xl_row, hp + i * H, L, bx + i * H, d + i * H, \
                           gxl + i * H, gxl_row, ghp + i * H, L, rows, H);                            \
        } else {                                                                                      \
            const int k = i - base;                                                                   \
            node_bwd_##SUF(comb[i], kind, y, g, save + 2 * k * n, 0, save + (2 * k + 1) * n, 0, NULL, NULL, \
                           work + 2 * k * n, 0, work + (2 * k + 1) * n, 0, 1, m);                     \
        }                                                                                             \
    }                                                                                                 \
}                                                                                                     \
/* acc[j] += src[r][j] for every row r in order (the bias gradients; same bits in every build). */    \
CLONES void tree_colsum_##SUF(int rows, ptrdiff_t cols, const T *src, ptrdiff_t ld, T *acc) {        \
    for (int r = 0; r < rows; r++, src += ld)                                                         \
        for (ptrdiff_t j = 0; j < cols; j++) acc[j] += src[j];                                        \
}

DEFINE_KERNELS(float, f32, fast_tanhf, fast_expf)
DEFINE_KERNELS(double, f64, tanh, exp)
DEFINE_TREE(float, f32)
DEFINE_TREE(double, f64)
