// Compiler hints the hot path needs and Swift does not spell: header only, nothing to link.
#ifndef ATTRIB_HINTS_H
#define ATTRIB_HINTS_H

/// Asks for the cache line at `p` ahead of a read (a hint: any address, even unmapped, is harmless).
static inline void attrib_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
