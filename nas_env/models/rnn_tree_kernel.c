/* Fused elementwise step of a Zoph & Le recurrent cell (see nas_env/models/rnn_fused.py).
 *
 * One call evaluates (forward) or differentiates (backward) the whole tree of one time
 * step for every (batch, hidden) element; the matrix products stay in torch. The
 * program arrives as arrays: comb[i] (0 add, 1 elem_mult) and act[i] (0 identity,
 * 1 tanh, 2 sigmoid, 3 relu) for every node i (leaves 0..base-1 first, root last);
 * inner node base+k has children 2k and 2k+1.
 *
 * Saved per step (``save``, S = N + 1 rows of n = B*H values, N = 2*base - 1):
 *   rows 0..N-1    the value parents see (activation output; after injection at node k)
 *   row  N         node k's activation output before the injection
 * (the backward pass needs only activation outputs; c_t, node m's pre-activation, goes to cs).
 * Each node is one loop per (combination, activation) that combines and activates in one pass,
 * and a step evaluates the whole tree for a block of batch rows at a time (TILE values per
 * node), so the block's node values stay in L1 between a node and its parent.
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

/* One pass over the tree takes a block of batch rows of about TILE values per node, so that the
 * block's nodes stay in L1 while the tree is evaluated. */
#define TILE 512
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
INLINE void node_fwd_k_##SUF(int kind, int comb, const T *a, ptrdiff_t as, const T *b,        \
                             ptrdiff_t bs, const T *da, const T *db, T *out, ptrdiff_t os,    \
                             int rows, ptrdiff_t cols) {                                      \
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
static CLONES void node_fwd_##SUF(int comb, int kind, const T *a, ptrdiff_t as, const T *b,   \
                                  ptrdiff_t bs, const T *da, const T *db, T *out, ptrdiff_t os, \
                                  int rows, ptrdiff_t cols) {                                 \
    BY_KIND(node_fwd_k_##SUF, comb, a, as, b, bs, da, db, out, os, rows, cols)                \
}                                                                                             \
/* g <- g * act'(y), in place. */                                                             \
static CLONES void dact_rows_##SUF(int kind, const T *y, T *g, ptrdiff_t n) {                        \
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
INLINE void node_bwd_k_##SUF(int kind, int comb, const T *y, const T *g, const T *a,          \
                             ptrdiff_t as, const T *b, ptrdiff_t bs, const T *da,             \
                             const T *db, T *ga, ptrdiff_t gas, T *gb, ptrdiff_t gbs, int rows, \
                             ptrdiff_t cols) {                                                \
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
static CLONES void node_bwd_##SUF(int comb, int kind, const T *y, const T *g, const T *a,     \
                                  ptrdiff_t as, const T *b, ptrdiff_t bs, const T *da,        \
                                  const T *db, T *ga, ptrdiff_t gas, T *gb, ptrdiff_t gbs,    \
                                  int rows, ptrdiff_t cols) {                                 \
    BY_KIND(node_bwd_k_##SUF, comb, y, g, a, as, b, bs, da, db, ga, gas, gb, gbs, rows, cols)  \
}                                                                                             \
INLINE void tree_forward_##SUF(int B, int H, int base, const int *comb, const int *act,       \
                        int cell_out, int cell_inject, int inj_comb, int inj_act,             \
                        const T *xl, ptrdiff_t xl_row, const T *bx, const T *hp, const T *d,  \
                        const T *c_prev, T *save, T *h_out, ptrdiff_t h_row, T *c_out) {      \
    const int N = 2 * base - 1, rows = H >= TILE ? 1 : TILE / H;                              \
    const ptrdiff_t n = (ptrdiff_t)B * H, L = (ptrdiff_t)base * H;                            \
    for (int b0 = 0; b0 < B; b0 += rows) {                                                    \
        const int b1 = b0 + rows < B ? b0 + rows : B;                                         \
        const ptrdiff_t o = (ptrdiff_t)b0 * H, m = (ptrdiff_t)(b1 - b0) * H;                  \
        for (int i = 0; i < N; i++) {                                                         \
            T *vis = save + (ptrdiff_t)i * n + o;                                             \
            T *dst = i == cell_inject ? save + (ptrdiff_t)N * n + o : vis; /* act's output */ \
            for (int pass = i == cell_out; pass >= 0; pass--) { /* pass 1: c_t, the pre-activation */ \
                T *to = pass ? c_out + o : dst;                                               \
                const int kind = pass ? 0 : act[i];                                           \
                if (i < base) {                                                               \
                    const ptrdiff_t col = (ptrdiff_t)i * H;                                   \
                    node_fwd_##SUF(comb[i], kind, xl + b0 * xl_row + col, xl_row, hp + b0 * L + col, \
                                   L, bx + col, d + col, to, H, b1 - b0, H);                  \
                } else {                                                                      \
                    const int k = i - base;                                                   \
                    node_fwd_##SUF(comb[i], kind, save + (ptrdiff_t)(2 * k) * n + o, 0,       \
                                   save + (ptrdiff_t)(2 * k + 1) * n + o, 0, NULL, NULL, to, 0, 1, m); \
                }                                                                             \
            }                                                                                 \
            if (i == cell_inject) /* the value parents see: inj_act(inj_comb(act out, c_{t-1})) */ \
                node_fwd_##SUF(inj_comb, inj_act, dst, 0, c_prev + o, 0, NULL, NULL, vis, 0, 1, m); \
        }                                                                                     \
        const T *root = save + (ptrdiff_t)(N - 1) * n;                                        \
        for (int b = b0; b < b1; b++)                                                         \
            memcpy(h_out + b * h_row, root + (ptrdiff_t)b * H, (size_t)H * sizeof(T));        \
    }                                                                                         \
}                                                                                             \
/* Gradient of h_t = gh + g_out (the recurrent part and the output's, row stride g_row); gc: \
 * of c_t. Writes gxl (leaf x-parts, row stride gxl_row), ghp (leaf h-parts, (B, base*H)      \
 * contiguous) and gc_prev (of c_{t-1}; must not alias gc). work: N * B * H scratch values    \
 * (gradient of each node's visible value). xl + bx and hp + d: the leaves' W x_t + b and U h_{t-1} + d. */           \
INLINE void tree_backward_##SUF(int B, int H, int base, const int *comb, const int *act,      \
                         int cell_out, int cell_inject, int inj_comb, int inj_act,            \
                         const T *xl, ptrdiff_t xl_row, const T *bx, const T *hp,             \
                         const T *d, const T *c_prev, const T *save, const T *gh,             \
                         const T *g_out,                                                      \
                         ptrdiff_t g_row, const T *gc, T *gxl, ptrdiff_t gxl_row, T *ghp,     \
                         T *gc_prev, T *work) {                                               \
    const int N = 2 * base - 1, rows = H >= TILE ? 1 : TILE / H;                              \
    const ptrdiff_t n = (ptrdiff_t)B * H, L = (ptrdiff_t)base * H;                            \
    ptrdiff_t e, j;                                                                           \
    for (int b0 = 0; b0 < B; b0 += rows) {                                                    \
        const int b1 = b0 + rows < B ? b0 + rows : B;                                         \
        const ptrdiff_t o = (ptrdiff_t)b0 * H, m = (ptrdiff_t)(b1 - b0) * H;                  \
        for (int b = b0; b < b1; b++) {                                                       \
            T *w = work + (ptrdiff_t)(N - 1) * n + b * H;                                     \
            const T *g1 = gh + b * H, *g2 = g_out + b * g_row;                                \
            for (j = 0; j < H; j++) w[j] = g1[j] + g2[j];                                     \
        }                                                                                     \
        for (int i = N - 1; i >= 0; i--) {                                                    \
            T *g = work + (ptrdiff_t)i * n + o; /* gradient of the visible value */           \
            const T *y = save + (ptrdiff_t)i * n + o;                                         \
            int kind = act[i];                                                                \
            if (i == cell_inject || i == cell_out) { /* g becomes the pre-activation's gradient */ \
                if (i == cell_inject) {                                                       \
                    const T *raw = save + (ptrdiff_t)N * n + o, *cp = c_prev + o;             \
                    T *gcp = gc_prev + o;                                                     \
                    dact_rows_##SUF(inj_act, y, g, m);                                        \
                    if (inj_comb) {                                                           \
                        for (e = 0; e < m; e++) { gcp[e] = g[e] * raw[e]; g[e] = g[e] * cp[e]; } \
                    } else {                                                                  \
                        memcpy(gcp, g, (size_t)m * sizeof(T));                                \
                    }                                                                         \
                    y = raw;                                                                  \
                }                                                                             \
                dact_rows_##SUF(kind, y, g, m);                                               \
                if (i == cell_out) for (e = 0; e < m; e++) g[e] += gc[o + e];                 \
                kind = 0;                                                                     \
            }                                                                                 \
            if (i < base) {                                                                   \
                const ptrdiff_t col = (ptrdiff_t)i * H;                                       \
                node_bwd_##SUF(comb[i], kind, y, g, xl + b0 * xl_row + col, xl_row,           \
                               hp + b0 * L + col, L, bx + col, d + col,                       \
                               gxl + b0 * gxl_row + col,                                      \
                               gxl_row, ghp + b0 * L + col, L, b1 - b0, H);                   \
            } else {                                                                          \
                const int k = i - base;                                                       \
                node_bwd_##SUF(comb[i], kind, y, g, save + (ptrdiff_t)(2 * k) * n + o, 0,     \
                               save + (ptrdiff_t)(2 * k + 1) * n + o, 0, NULL, NULL,          \
                               work + (ptrdiff_t)(2 * k) * n + o, 0,                          \
                               work + (ptrdiff_t)(2 * k + 1) * n + o, 0, 1, m);               \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
}

/* Everything one sequence needs, so that a time step is one call with two arguments (passing
 * ~20 arguments through ctypes cost more than the step's arithmetic). Strides are in elements. */
typedef struct {
    int B, H, base, steps, keep; /* keep: one saved slot per step (training), else slot 0 is reused */
    const int *comb, *act;
    int cell_out, cell_inject, inj_comb, inj_act;
    void *xl;       /* (B, T, base*H): the leaves' W x_t (b added by the kernel)                */
    void *bx;       /* (base*H,): the input bias b                                               */
    void *hp;       /* (steps or 1, B, base*H): U h_{t-1} per step (d added by the kernel)           */
    void *d;        /* (base*H,): the recurrent bias d                                           */
    void *c0;       /* (B, H)                                                                    */
    void *save;     /* (steps or 1, N + 1, B, H)                                                 */
    void *out;      /* (B, T, H): h_t                                                            */
    void *cs;       /* (T, B, H): c_t                                                            */
    void *gh;       /* (B, H): gradient of h_t from step t+1 (in: g of h_T)                      */
    void *g_out;    /* (B, T, H): gradient of the outputs                                        */
    void *gc_a, *gc_b; /* (B, H) each: gradients of c_t and c_{t-1}, alternating                 */
    void *gxl;      /* (B, T, base*H)                                                            */
    void *ghp;      /* (T, B, base*H)                                                            */
    void *work;     /* (N, B, H)                                                                 */
} Sequence;

#define DEFINE_STEPS(T, SUF)                                                                  \
CLONES void tree_forward_step_##SUF(const Sequence *q, int t) {                                \
    const ptrdiff_t n = (ptrdiff_t)q->B * q->H, L = (ptrdiff_t)q->base * q->H;                \
    const ptrdiff_t S = 2 * q->base, s = q->keep ? t : 0;                                 \
    const T *c_prev = t ? (const T *)q->cs + (t - 1) * n : (const T *)q->c0;                  \
    tree_forward_##SUF(q->B, q->H, q->base, q->comb, q->act, q->cell_out, q->cell_inject,     \
                       q->inj_comb, q->inj_act, (const T *)q->xl + t * L, q->steps * L, (const T *)q->bx,           \
                       (const T *)q->hp + s * q->B * L, (const T *)q->d, c_prev,              \
                       (T *)q->save + s * S * n, (T *)q->out + (ptrdiff_t)t * q->H,           \
                       (ptrdiff_t)q->steps * q->H, (T *)q->cs + t * n);                           \
}                                                                                             \
CLONES void tree_backward_step_##SUF(const Sequence *q, int t) {                               \
    const ptrdiff_t n = (ptrdiff_t)q->B * q->H, L = (ptrdiff_t)q->base * q->H;                \
    const ptrdiff_t S = 2 * q->base;                                                      \
    const T *c_prev = t ? (const T *)q->cs + (t - 1) * n : (const T *)q->c0;                  \
    const int even = (q->steps - 1 - t) % 2 == 0;                                                 \
    tree_backward_##SUF(q->B, q->H, q->base, q->comb, q->act, q->cell_out, q->cell_inject,    \
                        q->inj_comb, q->inj_act, (const T *)q->xl + t * L, q->steps * L, (const T *)q->bx,          \
                        (const T *)q->hp + t * q->B * L, (const T *)q->d, c_prev,             \
                        (const T *)q->save + t * S * n, (const T *)q->gh,                     \
                        (const T *)q->g_out + (ptrdiff_t)t * q->H, (ptrdiff_t)q->steps * q->H,    \
                        (const T *)(even ? q->gc_a : q->gc_b), (T *)q->gxl + t * L, q->steps * L, \
                        (T *)q->ghp + t * q->B * L, (T *)(even ? q->gc_b : q->gc_a),          \
                        (T *)q->work);                                                        \
}

DEFINE_KERNELS(float, f32, fast_tanhf, fast_expf)
DEFINE_KERNELS(double, f64, tanh, exp)
DEFINE_STEPS(float, f32)
DEFINE_STEPS(double, f64)
