/* sendrift: counter-based random numbers (Random123 Philox4x64-10).
 *
 * A stream is keyed by (seed, run id): the run id already encodes the design
 * point and the replicate.  A draw is countered by (index, step, purpose):
 * for the drift model the global site index, the time step and what the
 * number is for.  The same key and counter give the same four numbers on any
 * rank, in any order, which is what makes results independent of the
 * decomposition and the scheduling.
 */
#ifndef SENDRIFT_RNG_H
#define SENDRIFT_RNG_H

#include <stdint.h>

#include <Random123/philox.h>

typedef struct {
    philox4x64_key_t key;
} sd_rng;

/* Purposes: distinct counter words for distinct uses. */
enum {
    SD_RNG_DESIGN_LHS = 1,
    SD_RNG_DESIGN_RANDOM = 2,
    SD_RNG_DESIGN_MORRIS = 3,
    SD_RNG_MODEL = 16        /* models use SD_RNG_MODEL + k                 */
};

static inline sd_rng sd_rng_make(uint64_t seed, uint64_t stream)
{
    sd_rng r;
    r.key.v[0] = seed;
    r.key.v[1] = stream;
    return r;
}

/* Four independent 64-bit words for counter (a, b, c). */
static inline void sd_rng_bits(const sd_rng *r, uint64_t a, uint64_t b,
                               uint64_t c, uint64_t out[4])
{
    philox4x64_ctr_t ctr = {{a, b, c, 0}};
    philox4x64_ctr_t x = philox4x64(ctr, r->key);
    out[0] = x.v[0];
    out[1] = x.v[1];
    out[2] = x.v[2];
    out[3] = x.v[3];
}

/* A 64-bit word as a double in [0, 1) with 53 random bits. */
static inline double sd_rng_u01(uint64_t bits)
{
    return (double)(bits >> 11) * 0x1.0p-53;
}

/* Four uniforms in [0, 1) for counter (a, b, c). */
static inline void sd_rng_uniform4(const sd_rng *r, uint64_t a, uint64_t b,
                                   uint64_t c, double out[4])
{
    uint64_t w[4];
    sd_rng_bits(r, a, b, c, w);
    for (int i = 0; i < 4; i++) out[i] = sd_rng_u01(w[i]);
}

#endif
