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

#endif
