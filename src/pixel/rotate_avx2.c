/*
 * The rotation kernels built for AVX2 (x86-64 only, -O3 -mavx2): the
 * template's tiles and edges with blocks written here in 256-bit lanes.
 * A 32-bit block loads each 256-bit register with 4 pixels of row r in
 * its low half and 4 of row r + 4 in its high half, so one in-lane 4x4
 * transpose (unpacks never cross the halves) leaves a whole destination
 * row of 8 pixels per register. A 16-bit block is two 8x8 blocks side by
 * side, one per half: each source row is one 16-pixel load, the three
 * rounds of unpacks are the 128-bit ones run on both halves at once, and
 * each result's halves are rows k and k + 8 of the destination. Only
 * called when the CPU reports AVX2 (cpu.c).
 */
#include "pixel/rotate.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>

static inline __m256i rot_load_halves(const uint8_t *lo, const uint8_t *hi)
{
	__m128i a = _mm_loadu_si128((const __m128i *)(const void *)lo);
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)hi);
	return _mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1);
}

static inline void rot_store256(uint8_t *p, __m256i v)
{
	_mm256_storeu_si256((__m256i *)(void *)p, v);
}

static inline void rot_store128(uint8_t *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)(void *)p, v);
}

/* Registers x[0..3] of 4-pixel rows per half, transposed in each half: out[k] is pixel k. */
static inline void rot_transpose_4x4_avx2(__m256i out[4], const __m256i x[4])
{
	__m256i t0 = _mm256_unpacklo_epi32(x[0], x[1]);
	__m256i t1 = _mm256_unpackhi_epi32(x[0], x[1]);
	__m256i t2 = _mm256_unpacklo_epi32(x[2], x[3]);
	__m256i t3 = _mm256_unpackhi_epi32(x[2], x[3]);
	out[0] = _mm256_unpacklo_epi64(t0, t2);
	out[1] = _mm256_unpackhi_epi64(t0, t2);
	out[2] = _mm256_unpacklo_epi64(t1, t3);
	out[3] = _mm256_unpackhi_epi64(t1, t3);
}

static inline void rot_block_32_avx2(uint8_t *dst, ptrdiff_t dst_step, const uint8_t *src,
				     ptrdiff_t src_step)
{
	__m256i lo[4], hi[4], out[4];
	for (int r = 0; r < 4; r++) {
		lo[r] = rot_load_halves(src + r * src_step, src + (r + 4) * src_step);
		hi[r] = rot_load_halves(src + r * src_step + 16, src + (r + 4) * src_step + 16);
	}
	rot_transpose_4x4_avx2(out, lo);
	for (int k = 0; k < 4; k++)
		rot_store256(dst + k * dst_step, out[k]);
	rot_transpose_4x4_avx2(out, hi);
	for (int k = 0; k < 4; k++)
		rot_store256(dst + (k + 4) * dst_step, out[k]);
}

static inline void rot_block_16_avx2(uint8_t *dst, ptrdiff_t dst_step, const uint8_t *src,
				     ptrdiff_t src_step)
{
	__m256i r[8], s[8], t[8];
	for (int i = 0; i < 8; i++)
		r[i] = _mm256_loadu_si256((const __m256i *)(const void *)(src + i * src_step));
	for (int i = 0; i < 4; i++) {
		s[2 * i] = _mm256_unpacklo_epi16(r[2 * i], r[2 * i + 1]);
		s[2 * i + 1] = _mm256_unpackhi_epi16(r[2 * i], r[2 * i + 1]);
	}
	for (int half = 0; half < 2; half++)
		for (int pair = 0; pair < 2; pair++) {
			__m256i a = s[4 * pair + half], b = s[4 * pair + 2 + half];
			t[4 * half + 2 * pair] = _mm256_unpacklo_epi32(a, b);
			t[4 * half + 2 * pair + 1] = _mm256_unpackhi_epi32(a, b);
		}
	for (int half = 0; half < 2; half++)
		for (int q = 0; q < 2; q++) {
			__m256i a = t[4 * half + q], b = t[4 * half + 2 + q];
			int k = 4 * half + 2 * q;
			__m256i even = _mm256_unpacklo_epi64(a, b), odd = _mm256_unpackhi_epi64(a, b);
			rot_store128(dst + k * dst_step, _mm256_castsi256_si128(even));
			rot_store128(dst + (k + 8) * dst_step, _mm256_extracti128_si256(even, 1));
			rot_store128(dst + (k + 1) * dst_step, _mm256_castsi256_si128(odd));
			rot_store128(dst + (k + 9) * dst_step, _mm256_extracti128_si256(odd, 1));
		}
}

#define ROTATE_BLOCK_32 rot_block_32_avx2
#define ROTATE_BLOCK_32_W 8
#define ROTATE_BLOCK_16 rot_block_16_avx2
#define ROTATE_BLOCK_16_W 16
#include "pixel/rotate_template.c"

static const struct fbk_rotate_ops avx2_rotate = ROTATE_OPS_TABLE("avx2");

const struct fbk_rotate_ops *fbk_rotate_ops_avx2(void)
{
	return &avx2_rotate;
}
#else
const struct fbk_rotate_ops *fbk_rotate_ops_avx2(void)
{
	return NULL;
}
#endif
