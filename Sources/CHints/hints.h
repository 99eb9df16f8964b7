// Compiler hints and vector steps the hot path needs and Swift does not spell: header only, nothing to link.
// SwiftPM does not rebuild the Swift files that use this header when it changes: touch them after an edit.
#ifndef ATTRIB_HINTS_H
#define ATTRIB_HINTS_H

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Asks for the cache line at `p` ahead of a read (a hint: any address, even unmapped, is harmless).
static inline void attrib_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// Copies 16 bytes from `src` to `dst` and returns a bit per byte (bit i: byte i) that ends a run of a
/// JSON string: a quote, a backslash or a control byte (below 0x20). SSE2 on x86-64; bytewise elsewhere.
static inline uint32_t attrib_copy16_string_stops(void *dst, const void *src) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)src);
    _mm_storeu_si128((__m128i *)dst, v);
    __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x22));
    __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x5C));
    __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control));
#else
    const uint8_t *s = (const uint8_t *)src;
    memcpy(dst, src, 16);
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        if (s[i] == 0x22 || s[i] == 0x5C || s[i] < 0x20) m |= 1u << i;
    return m;
#endif
}

/// A bit per byte of the 16 at `p` that stops a scan over a JSON string: a quote, a backslash, or a line
/// end (a raw one is invalid in a string, and line-based shapes resynchronise there).
static inline uint32_t attrib_scan16_string_stops(const void *p) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i a = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x22)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x5C)));
    __m128i b = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x0A)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x0D)));
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(a, b));
#else
    const uint8_t *s = (const uint8_t *)p;
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        if (s[i] == 0x22 || s[i] == 0x5C || s[i] == 0x0A || s[i] == 0x0D) m |= 1u << i;
    return m;
#endif
}

/// True when the 32 bytes at `p` are all ASCII (below 0x80).
static inline int attrib_ascii32(const void *p) {
#if defined(__SSE2__)
    __m128i a = _mm_loadu_si128((const __m128i *)p);
    __m128i b = _mm_loadu_si128((const __m128i *)p + 1);
    return _mm_movemask_epi8(_mm_or_si128(a, b)) == 0;
#else
    uint64_t w[4];
    memcpy(w, p, 32);
    return ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull) == 0;
#endif
}

/// Copies 16 bytes from `src` to `dst` and returns a bit per byte that is a quote (a CSV field's quotes).
static inline uint32_t attrib_copy16_quotes(void *dst, const void *src) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)src);
    _mm_storeu_si128((__m128i *)dst, v);
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x22)));
#else
    const uint8_t *s = (const uint8_t *)src;
    memcpy(dst, src, 16);
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        if (s[i] == 0x22) m |= 1u << i;
    return m;
#endif
}

/// For the 16 bytes at `p`: a bit per newline (returned) and a bit per quote (in `quotes`) (a CSV record's end).
static inline uint32_t attrib_newlines_quotes16(const void *p, uint32_t *quotes) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    *quotes = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x22)));
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x0A)));
#else
    const uint8_t *s = (const uint8_t *)p;
    uint32_t n = 0, q = 0;
    for (int i = 0; i < 16; i++) {
        if (s[i] == 0x0A) n |= 1u << i;
        if (s[i] == 0x22) q |= 1u << i;
    }
    *quotes = q;
    return n;
#endif
}

// The 64-byte step of a JSON string's decoding, for processors with AVX-512 (F, BW and VBMI2: Intel since
// Ice Lake, AMD since Zen 4). A message inside an envelope is escaped JSON: a `\"` every ten bytes or so,
// where the 16-byte step stops at each one. Here the escape's backslashes are dropped by one compress
// (its register form: the memory form is slow on Zen 4). Chosen at run time; elsewhere the 16-byte step.
#if defined(__x86_64__) && defined(__clang__)
#include <cpuid.h>
#include <immintrin.h>

/// 1 when the processor has AVX-512 F, BW and VBMI2 and the system saves the vector state they use.
static inline int attrib_has_wide_strings(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xE6) != 0xE6) return 0;  // XMM, YMM, opmask and both ZMM states
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 16)) && (b & (1u << 30)) && (c & (1u << 6));  // AVX512F, AVX512BW, AVX512_VBMI2
}

/// Decodes a JSON string's bytes from `src` (inside the string, not inside an escape) to `dst`, 64 at a
/// time, up to the first byte it leaves to the caller: the string's closing quote, a control byte (below
/// 0x20), or a backslash whose escape is not `\"` or `\/` (or that is a step's 64th byte). Each `\"` and `\/`
/// before it is written as its character. Steps while 64 bytes of `n` are left to read and 64 of `room`
/// to write (each step writes 64 bytes at `dst`, of which the decoded ones count).
/// Returns the bytes read; `*written`: the bytes decoded; `*stopped`: 1 when it stopped at such a byte (at
/// `src` + the bytes read), 0 when it ran out of bytes or room. Only call it when `attrib_has_wide_strings()`.
__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt,bmi")))
static inline size_t attrib_decode_string_wide(uint8_t *dst, size_t room, const uint8_t *src, size_t n,
                                                size_t *written, int *stopped) {
    const __m512i quotes = _mm512_set1_epi8(0x22), backslashes = _mm512_set1_epi8(0x5C);
    const __m512i slashes = _mm512_set1_epi8(0x2F), space = _mm512_set1_epi8(0x20);
    size_t r = 0, w = 0;
    *stopped = 0;
    while (r + 64 <= n && w + 64 <= room) {
        __m512i v = _mm512_loadu_si512(src + r);
        uint64_t backslash = _mm512_cmpeq_epi8_mask(v, backslashes);
        uint64_t quote = _mm512_cmpeq_epi8_mask(v, quotes);
        uint64_t slash = _mm512_cmpeq_epi8_mask(v, slashes);
        uint64_t control = _mm512_cmplt_epu8_mask(v, space);
        // The byte after each backslash. Before the first stop no backslash follows another (that
        // backslash would be a stop), so these are exactly the escaped bytes.
        uint64_t escaped = backslash << 1;
        uint64_t other = ((escaped & ~(quote | slash)) >> 1) | (backslash & (1ull << 63));
        uint64_t stops = other | control | (quote & ~escaped);
        unsigned read = stops ? (unsigned)__builtin_ctzll(stops) : 64;
        uint64_t keep = ~backslash & (read == 64 ? ~0ull : (1ull << read) - 1);
        _mm512_storeu_si512(dst + w, _mm512_maskz_compress_epi8(keep, v));
        r += read;
        w += (size_t)__builtin_popcountll(keep);
        if (read < 64) {
            *stopped = 1;
            break;
        }
    }
    *written = w;
    return r;
}
#else
static inline int attrib_has_wide_strings(void) { return 0; }
static inline size_t attrib_decode_string_wide(uint8_t *dst, size_t room, const uint8_t *src, size_t n,
                                                size_t *written, int *stopped) {
    (void)dst; (void)room; (void)src; (void)n;
    *written = 0;
    *stopped = 0;
    return 0;
}
#endif

#endif
