/* Fused elementwise step of a Zoph & Le recurrent cell (see nas_env/models/rnn_fused.py).
 *
 * One call evaluates (forward) or differentiates (backward) the whole tree of one time
 * step for every (batch, hidden) element; the matrix products stay in torch. The
 * program arrives as arrays: comb[i] (0 add, 1 elem_mult) and act[i] (0 identity,
 * 1 tanh, 2 sigmoid, 3 relu) for every node i (leaves 0..base-1 first, root last);
 * inner node base+k has children 2k and 2k+1.
 *
 * Saved per step (``save``, S = N + 2 rows of n = B*H values, N = 2*base - 1):
 *   rows 0..N-1    the value parents see (activation output; after injection at node k)
 *   row  N         node k's activation output before the injection
 *   row  N + 1     scratch: the current node's pre-activation (the backward pass needs only
 *                  activation outputs; c_t, node m's pre-activation, is copied out)
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

/* One AVX2 and one baseline build of each entry point, picked when the library loads. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "default")))
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

#define DEFINE_KERNELS(T, SUF, TANH, EXP)                                                     \
INLINE void act_fwd_##SUF(int kind, const T *in, T *out, ptrdiff_t n) {                       \
    ptrdiff_t e;                                                                              \
    switch (kind) {                                                                           \
    case 0: if (out != in) memcpy(out, in, (size_t)n * sizeof(T)); break;                     \
    case 1: for (e = 0; e < n; e++) out[e] = TANH(in[e]); break;                              \
    case 2: for (e = 0; e < n; e++) out[e] = (T)1 / ((T)1 + EXP(-in[e])); break;              \
    default: for (e = 0; e < n; e++) out[e] = in[e] < (T)0 ? (T)0 : in[e]; break;             \
    }                                                                                         \
}                                                                                             \
/* g <- g * act'(y), from the activation's output y (as torch's backward formulas). */        \
INLINE void act_bwd_##SUF(int kind, const T *y, const T *g, T *out, ptrdiff_t n) {            \
    ptrdiff_t e;                                                                              \
    switch (kind) {                                                                           \
    case 0: if (out != g) memcpy(out, g, (size_t)n * sizeof(T)); break;                       \
    case 1: for (e = 0; e < n; e++) out[e] = g[e] * ((T)1 - y[e] * y[e]); break;              \
    case 2: for (e = 0; e < n; e++) out[e] = g[e] * ((T)1 - y[e]) * y[e]; break;              \
    default: for (e = 0; e < n; e++) out[e] = y[e] <= (T)0 ? (T)0 : g[e]; break;              \
    }                                                                                         \
}                                                                                             \
INLINE void tree_forward_##SUF(int B, int H, int base, const int *comb, const int *act,              \
                        int cell_out, int cell_inject, int inj_comb, int inj_act,             \
                        const T *xl, ptrdiff_t xl_row, const T *hp, const T *d,               \
                        const T *c_prev, T *save, T *h_out, ptrdiff_t h_row, T *c_out) {      \
    const int N = 2 * base - 1;                                                               \
    const ptrdiff_t n = (ptrdiff_t)B * H, L = (ptrdiff_t)base * H;                            \
    ptrdiff_t e, b, j;                                                                        \
    for (int i = 0; i < N; i++) {                                                             \
        T *pre = save + (ptrdiff_t)(N + 1) * n, *vis = save + (ptrdiff_t)i * n;               \
        if (i < base) {                                                                       \
            for (b = 0; b < B; b++) {                                                         \
                const T *x = xl + b * xl_row + (ptrdiff_t)i * H;                              \
                const T *u = hp + b * L + (ptrdiff_t)i * H, *di = d + (ptrdiff_t)i * H;       \
                T *p = pre + b * H;                                                           \
                if (comb[i]) for (j = 0; j < H; j++) p[j] = x[j] * (u[j] + di[j]);            \
                else for (j = 0; j < H; j++) p[j] = x[j] + (u[j] + di[j]);                    \
            }                                                                                 \
        } else {                                                                              \
            const int k = i - base;                                                           \
            const T *l = save + (ptrdiff_t)(2 * k) * n;                                       \
            const T *r = save + (ptrdiff_t)(2 * k + 1) * n;                                   \
            if (comb[i]) for (e = 0; e < n; e++) pre[e] = l[e] * r[e];                        \
            else for (e = 0; e < n; e++) pre[e] = l[e] + r[e];                                \
        }                                                                                     \
        if (i == cell_out) memcpy(c_out, pre, (size_t)n * sizeof(T));                         \
        act_fwd_##SUF(act[i], pre, vis, n);                                                   \
        if (i == cell_inject) {                                                               \
            T *raw = save + (ptrdiff_t)N * n;                                                 \
            memcpy(raw, vis, (size_t)n * sizeof(T));                                          \
            if (inj_comb) for (e = 0; e < n; e++) vis[e] = raw[e] * c_prev[e];                \
            else for (e = 0; e < n; e++) vis[e] = raw[e] + c_prev[e];                         \
            act_fwd_##SUF(inj_act, vis, vis, n);                                              \
        }                                                                                     \
    }                                                                                         \
    const T *root = save + (ptrdiff_t)(N - 1) * n;                                            \
    for (b = 0; b < B; b++) memcpy(h_out + b * h_row, root + b * H, (size_t)H * sizeof(T));   \
}                                                                                             \
/* Gradient of h_t = gh + g_out (the recurrent part and the output's, row stride g_row); gc: \
 * of c_t. Writes gxl (leaf x-parts, row stride gxl_row), ghp (leaf h-parts, (B, base*H)      \
 * contiguous) and gc_prev (of c_{t-1}; must not alias gc). work: N * B * H scratch values    \
 * (gradient of each node's visible value). hp + d is the leaves' U h_{t-1} + d. */           \
INLINE void tree_backward_##SUF(int B, int H, int base, const int *comb, const int *act,             \
                         int cell_out, int cell_inject, int inj_comb, int inj_act,            \
                         const T *xl, ptrdiff_t xl_row, const T *hp, const T *d,              \
                         const T *c_prev, const T *save, const T *gh, const T *g_out,         \
                         ptrdiff_t g_row, const T *gc, T *gxl, ptrdiff_t gxl_row, T *ghp,     \
                         T *gc_prev, T *work) {                                               \
    const int N = 2 * base - 1;                                                               \
    const ptrdiff_t n = (ptrdiff_t)B * H, L = (ptrdiff_t)base * H;                            \
    ptrdiff_t e, b, j;                                                                        \
    for (b = 0; b < B; b++) {                                                                 \
        T *w = work + (ptrdiff_t)(N - 1) * n + b * H;                                         \
        const T *g1 = gh + b * H, *g2 = g_out + b * g_row;                                    \
        for (j = 0; j < H; j++) w[j] = g1[j] + g2[j];                                         \
    }                                                                                         \
    for (int i = N - 1; i >= 0; i--) {                                                        \
        T *g = work + (ptrdiff_t)i * n; /* grad of the visible value; becomes grad of pre */  \
        const T *y = save + (ptrdiff_t)i * n;                                                 \
        if (i == cell_inject) {                                                               \
            const T *raw = save + (ptrdiff_t)N * n;                                           \
            act_bwd_##SUF(inj_act, y, g, g, n);                                               \
            if (inj_comb) {                                                                   \
                for (e = 0; e < n; e++) { gc_prev[e] = g[e] * raw[e]; g[e] = g[e] * c_prev[e]; } \
            } else {                                                                          \
                memcpy(gc_prev, g, (size_t)n * sizeof(T));                                    \
            }                                                                                 \
            y = raw;                                                                          \
        }                                                                                     \
        act_bwd_##SUF(act[i], y, g, g, n);                                                    \
        if (i == cell_out) for (e = 0; e < n; e++) g[e] += gc[e];                             \
        if (i < base) {                                                                       \
            for (b = 0; b < B; b++) {                                                         \
                const T *x = xl + b * xl_row + (ptrdiff_t)i * H;                              \
                const T *u = hp + b * L + (ptrdiff_t)i * H, *di = d + (ptrdiff_t)i * H;       \
                const T *gp = g + b * H;                                                      \
                T *gx = gxl + b * gxl_row + (ptrdiff_t)i * H, *gu = ghp + b * L + (ptrdiff_t)i * H; \
                if (comb[i]) for (j = 0; j < H; j++) { gx[j] = gp[j] * (u[j] + di[j]); gu[j] = gp[j] * x[j]; } \
                else for (j = 0; j < H; j++) { gx[j] = gp[j]; gu[j] = gp[j]; }                \
            }                                                                                 \
        } else {                                                                              \
            const int k = i - base;                                                           \
            T *gl = work + (ptrdiff_t)(2 * k) * n, *gr = work + (ptrdiff_t)(2 * k + 1) * n;   \
            if (comb[i]) {                                                                    \
                const T *l = save + (ptrdiff_t)(2 * k) * n;                                   \
                const T *r = save + (ptrdiff_t)(2 * k + 1) * n;                               \
                for (e = 0; e < n; e++) { gl[e] = g[e] * r[e]; gr[e] = g[e] * l[e]; }         \
            } else {                                                                          \
                memcpy(gl, g, (size_t)n * sizeof(T));                                         \
                memcpy(gr, g, (size_t)n * sizeof(T));                                         \
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
    void *xl;       /* (B, T, base*H): the leaves' W x_t + b                                    */
    void *hp;       /* (steps or 1, B, base*H): U h_{t-1} per step (d added by the kernel)           */
    void *d;        /* (base*H,): the recurrent bias d                                           */
    void *c0;       /* (B, H)                                                                    */
    void *save;     /* (steps or 1, N + 2, B, H)                                                     */
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
    const ptrdiff_t S = 2 * q->base + 1, s = q->keep ? t : 0;                                 \
    const T *c_prev = t ? (const T *)q->cs + (t - 1) * n : (const T *)q->c0;                  \
    tree_forward_##SUF(q->B, q->H, q->base, q->comb, q->act, q->cell_out, q->cell_inject,     \
                       q->inj_comb, q->inj_act, (const T *)q->xl + t * L, q->steps * L,           \
                       (const T *)q->hp + s * q->B * L, (const T *)q->d, c_prev,              \
                       (T *)q->save + s * S * n, (T *)q->out + (ptrdiff_t)t * q->H,           \
                       (ptrdiff_t)q->steps * q->H, (T *)q->cs + t * n);                           \
}                                                                                             \
CLONES void tree_backward_step_##SUF(const Sequence *q, int t) {                               \
    const ptrdiff_t n = (ptrdiff_t)q->B * q->H, L = (ptrdiff_t)q->base * q->H;                \
    const ptrdiff_t S = 2 * q->base + 1;                                                      \
    const T *c_prev = t ? (const T *)q->cs + (t - 1) * n : (const T *)q->c0;                  \
    const int even = (q->steps - 1 - t) % 2 == 0;                                                 \
    tree_backward_##SUF(q->B, q->H, q->base, q->comb, q->act, q->cell_out, q->cell_inject,    \
                        q->inj_comb, q->inj_act, (const T *)q->xl + t * L, q->steps * L,          \
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
