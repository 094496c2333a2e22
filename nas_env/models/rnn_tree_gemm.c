/* Small matrix products of the fused recurrent cell (U h_{t-1} and its gradient, inside the time loop
 * of rnn_tree_kernel.c; see nas_env/models/rnn_fused.py).
 *
 * tree_gemm_<suffix>: C (rows x N) = A (rows x K) @ Bm (K x N), row-major, row strides lda, ldb, ldc.
 * Every element of C is one chain of fused multiply-adds over k = 0..K-1 in that order, starting from
 * 0 (acc = fma(a_k, b_k, acc)), in every build: the AVX-512 and AVX2 loops (vectorised over columns,
 * a block of up to 8 rows x 2 vectors of C kept in registers with AVX-512's 32 vector registers, 4 rows
 * x 2 vectors with AVX2's 16) and the portable loop (C's fma()) give the same bits, as a fused
 * multiply-add rounds once and the blocking does not change the order of any chain. The loop is
 * picked at run time from the CPU's features (the AVX loops need FMA too); with NAS_ENV_KERNEL_BASELINE
 * only the portable loop is built.
 * Without FMA hardware the portable loop's fma() is libm's exact software version (slow, right).
 */
#include <math.h>
#include <stddef.h>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(NAS_ENV_KERNEL_BASELINE)
#define GEMM_X86 1
#include <immintrin.h>
#endif

#define GEMM_INLINE static inline __attribute__((always_inline))

/* Columns j0..N-1 of rows 0..rows-1, one element at a time. */
#define SCALAR_COLUMNS(T, FMA)                                                                     \
    for (int r = 0; r < rows; r++)                                                                 \
        for (ptrdiff_t j = j0; j < N; j++) {                                                       \
            T acc = 0;                                                                             \
            for (int k = 0; k < K; k++) acc = FMA(A[r * lda + k], Bm[k * ldb + j], acc);           \
            C[r * ldc + j] = acc;                                                                  \
        }

#define DEFINE_PORTABLE(T, SUF, FMA)                                                               \
static void gemm_portable_##SUF(int rows, int K, ptrdiff_t N, const T *A, ptrdiff_t lda,          \
                                const T *Bm, ptrdiff_t ldb, T *C, ptrdiff_t ldc) {                 \
    const ptrdiff_t j0 = 0;                                                                        \
    SCALAR_COLUMNS(T, FMA)                                                                         \
}

DEFINE_PORTABLE(float, f32, fmaf)
DEFINE_PORTABLE(double, f64, fma)

#ifdef GEMM_X86
/* One R x NV-vector block of C (R, NV constants after inlining, so acc lives in registers). */
#define DEFINE_VECTOR(T, SUF, ISA, TARGET, V, W, RB, SET1, LOAD, STORE, VFMA, ZERO, FMA)           \
TARGET GEMM_INLINE void block_##ISA##_##SUF(int R, int NV, int K, const T *A, ptrdiff_t lda,      \
                                          const T *Bm, ptrdiff_t ldb, T *C, ptrdiff_t ldc) {       \
    V acc[8][4], b[4];                                                                             \
    for (int r = 0; r < R; r++)                                                                    \
        for (int v = 0; v < NV; v++) acc[r][v] = ZERO();                                           \
    for (int k = 0; k < K; k++) {                                                                  \
        for (int v = 0; v < NV; v++) b[v] = LOAD(Bm + k * ldb + v * W);                            \
        for (int r = 0; r < R; r++) {                                                              \
            const V a = SET1(A[r * lda + k]);                                                      \
            for (int v = 0; v < NV; v++) acc[r][v] = VFMA(a, b[v], acc[r][v]);                     \
        }                                                                                          \
    }                                                                                              \
    for (int r = 0; r < R; r++)                                                                    \
        for (int v = 0; v < NV; v++) STORE(C + r * ldc + v * W, acc[r][v]);                        \
}                                                                                                  \
/* Rows r..r+R-1, columns j..j+NV*W-1, for R = rows of the block (at most 8). */                          \
TARGET GEMM_INLINE void rows_##ISA##_##SUF(int R, int NV, int K, const T *A, ptrdiff_t lda,       \
                                         const T *Bm, ptrdiff_t ldb, T *C, ptrdiff_t ldc) {        \
    switch (R) {                                                                                   \
    case 1: block_##ISA##_##SUF(1, NV, K, A, lda, Bm, ldb, C, ldc); break;                         \
    case 2: block_##ISA##_##SUF(2, NV, K, A, lda, Bm, ldb, C, ldc); break;                         \
    case 3: block_##ISA##_##SUF(3, NV, K, A, lda, Bm, ldb, C, ldc); break;                         \
    case 4: block_##ISA##_##SUF(4, NV, K, A, lda, Bm, ldb, C, ldc); break;                         \
    case 5: block_##ISA##_##SUF(5, NV, K, A, lda, Bm, ldb, C, ldc); break;                         \
    case 6: block_##ISA##_##SUF(6, NV, K, A, lda, Bm, ldb, C, ldc); break;                         \
    case 7: block_##ISA##_##SUF(7, NV, K, A, lda, Bm, ldb, C, ldc); break;                         \
    default: block_##ISA##_##SUF(8, NV, K, A, lda, Bm, ldb, C, ldc); break;                        \
    }                                                                                              \
}                                                                                                  \
/* Column blocks outer (2 vectors wide: that part of Bm stays in L1 while every row uses it), RB rows \
 * per block: as many as keep the accumulators, the row of Bm and a broadcast in registers (8 rows  \
 * with AVX2 spilled: a 2-vCPU AMD EPYC spent 2.4 ms on a layer's 256 products, 1.9 ms at 4 rows). */ \
TARGET static void gemm_##ISA##_##SUF(int rows, int K, ptrdiff_t N, const T *A, ptrdiff_t lda,    \
                                      const T *Bm, ptrdiff_t ldb, T *C, ptrdiff_t ldc) {           \
    ptrdiff_t j0 = 0;                                                                              \
    for (; j0 + 2 * W <= N; j0 += 2 * W)                                                           \
        for (int r = 0; r < rows; r += RB)                                                         \
            rows_##ISA##_##SUF(rows - r < RB ? rows - r : RB, 2, K, A + r * lda, lda, Bm + j0, ldb,     \
                               C + r * ldc + j0, ldc);                                             \
    for (; j0 + W <= N; j0 += W)                                                                   \
        for (int r = 0; r < rows; r += RB)                                                         \
            rows_##ISA##_##SUF(rows - r < RB ? rows - r : RB, 1, K, A + r * lda, lda, Bm + j0, ldb,     \
                               C + r * ldc + j0, ldc);                                             \
    SCALAR_COLUMNS(T, FMA)                                                                         \
}

#define AVX512 __attribute__((target("avx512f,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
DEFINE_VECTOR(float, f32, avx512, AVX512, __m512, 16, 8, _mm512_set1_ps, _mm512_loadu_ps, _mm512_storeu_ps,
              _mm512_fmadd_ps, _mm512_setzero_ps, fmaf)
DEFINE_VECTOR(double, f64, avx512, AVX512, __m512d, 8, 8, _mm512_set1_pd, _mm512_loadu_pd, _mm512_storeu_pd,
              _mm512_fmadd_pd, _mm512_setzero_pd, fma)
DEFINE_VECTOR(float, f32, avx2, AVX2, __m256, 8, 4, _mm256_set1_ps, _mm256_loadu_ps, _mm256_storeu_ps,
              _mm256_fmadd_ps, _mm256_setzero_ps, fmaf)
DEFINE_VECTOR(double, f64, avx2, AVX2, __m256d, 4, 4, _mm256_set1_pd, _mm256_loadu_pd, _mm256_storeu_pd,
              _mm256_fmadd_pd, _mm256_setzero_pd, fma)

/* 2: AVX-512 + FMA, 1: AVX2 + FMA, 0: neither (portable loop). */
static int gemm_level(void) {
    static int level = -1; /* a race only writes the same value twice */
    if (level < 0) {
        __builtin_cpu_init();
        level = !__builtin_cpu_supports("fma") ? 0 : __builtin_cpu_supports("avx512f") ? 2
                : __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return level;
}
#define DISPATCH(SUF)                                                                              \
    switch (gemm_level()) {                                                                        \
    case 2: gemm_avx512_##SUF(rows, K, N, A, lda, Bm, ldb, C, ldc); return;                        \
    case 1: gemm_avx2_##SUF(rows, K, N, A, lda, Bm, ldb, C, ldc); return;                          \
    default: break;                                                                                \
    }
#else
#define DISPATCH(SUF)
#endif

void tree_gemm_f32(int rows, int K, ptrdiff_t N, const float *A, ptrdiff_t lda, const float *Bm,
                   ptrdiff_t ldb, float *C, ptrdiff_t ldc) {
    DISPATCH(f32)
    gemm_portable_f32(rows, K, N, A, lda, Bm, ldb, C, ldc);
}

void tree_gemm_f64(int rows, int K, ptrdiff_t N, const double *A, ptrdiff_t lda, const double *Bm,
                   ptrdiff_t ldb, double *C, ptrdiff_t ldc) {
    DISPATCH(f64)
    gemm_portable_f64(rows, K, N, A, lda, Bm, ldb, C, ldc);
}
