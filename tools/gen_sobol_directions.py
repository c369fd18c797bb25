#!/usr/bin/python3
"""Write src/plan/sobol_directions.c: the Joe & Kuo (2008) Sobol' direction
numbers ("new-joe-kuo-6.21201", all 21201 dimensions) in a compact form.

Source: the copy that SciPy ships, scipy/stats/_sobol_direction_numbers.npz
(keys `poly` and `vinit`), which is what scipy.stats.qmc.Sobol and SALib use.

Usage (from the repository root):
    /usr/bin/python3 tools/gen_sobol_directions.py [--out src/plan/sobol_directions.c]

The encoding (decoded by src/plan/sobol.c):
  sd_sobol_poly[d]    the primitive polynomial of dimension d as SciPy stores
                      it: degree s = bit length - 1, the leading x^s and the
                      constant term included (dimension 0: poly 1, s = 0).
  sd_sobol_mbits[]    the initial direction integers m_1 .. m_s of every
                      dimension d >= 1, in dimension order, as one LSB-first
                      bit stream of 32-bit words.  m_k is odd and < 2^k, so
                      only m_k >> 1 is stored, in k - 1 bits: m_1 = 1 takes
                      no bits and dimension d takes s (s - 1) / 2 bits.
  sd_sobol_mstart[c]  the bit offset of dimension 64 c in that stream.
"""
import argparse
import os
import sys

import numpy as np
import scipy.stats

CHUNK = 64


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "src", "plan",
                                                  "sobol_directions.c"))
    args = ap.parse_args()

    path = os.path.join(os.path.dirname(scipy.stats.__file__),
                        "_sobol_direction_numbers.npz")
    z = np.load(path)
    poly = [int(p) for p in z["poly"]]
    vinit = z["vinit"]
    ndim = len(poly)
    if ndim != 21201 or vinit.shape != (ndim, 18):
        sys.exit("unexpected shape of %s: poly %d, vinit %s"
                 % (path, ndim, vinit.shape))
    if poly[0] != 1:
        sys.exit("dimension 0 should have poly 1 (van der Corput)")

    bits = []           # the stream, one int per bit
    mstart = []
    for d in range(ndim):
        if d % CHUNK == 0:
            mstart.append(len(bits))
        s = poly[d].bit_length() - 1
        if d == 0:
            continue
        if not (1 <= s <= 18) or poly[d] & 1 == 0:
            sys.exit("dimension %d: bad poly %d" % (d, poly[d]))
        m = [int(v) for v in vinit[d]]
        if any(m[k] != 0 for k in range(s, 18)):
            sys.exit("dimension %d: vinit beyond degree %d" % (d, s))
        for k in range(s):             # m_{k+1} = m[k], odd, < 2^(k+1)
            if m[k] % 2 == 0 or m[k] >= 1 << (k + 1):
                sys.exit("dimension %d: bad m_%d = %d" % (d, k + 1, m[k]))
            v = m[k] >> 1
            for b in range(k):
                bits.append((v >> b) & 1)
    nbits = len(bits)
    words = []
    for w in range(0, nbits, 32):
        x = 0
        for b, bit in enumerate(bits[w:w + 32]):
            x |= bit << b
        words.append(x)
    words.append(0)   # padding: the decoder may read one word ahead

    def rows(vals, per, fmt):
        out = []
        for i in range(0, len(vals), per):
            out.append(",".join(fmt % v for v in vals[i:i + per]) + ",")
        return "\n".join(out)

    with open(args.out, "w") as f:
        f.write("""\
/* sendrift: Sobol' direction numbers -- GENERATED, do not edit.
 *
 * Joe & Kuo (2008), "new-joe-kuo-6.21201", all %d dimensions, from SciPy's
 * scipy/stats/_sobol_direction_numbers.npz (SciPy %s): the numbers that
 * scipy.stats.qmc.Sobol and SALib use.  Regenerate with
 *     /usr/bin/python3 tools/gen_sobol_directions.py
 * The encoding is described in that script and decoded in sobol.c.
 */
#include <stddef.h>
#include <stdint.h>

/* Declared here and, identically, in sobol.c (the only file that reads them). */
extern const size_t sd_sobol_ndim;
extern const unsigned sd_sobol_chunk;
extern const uint32_t sd_sobol_poly[];
extern const uint32_t sd_sobol_mstart[];
extern const uint32_t sd_sobol_mbits[];

const size_t sd_sobol_ndim = %d;
const unsigned sd_sobol_chunk = %d;

const uint32_t sd_sobol_poly[%d] = {
%s
};

const uint32_t sd_sobol_mstart[%d] = {
%s
};

/* %d bits, then one word of padding. */
const uint32_t sd_sobol_mbits[%d] = {
%s
};
""" % (ndim, scipy.__version__, ndim, CHUNK,
       ndim, rows(poly, 16, "%d"),
       len(mstart), rows(mstart, 12, "%d"),
       nbits, len(words), rows(words, 10, "%u")))
    print("wrote %s: %d dimensions, %d words" % (args.out, ndim, len(words)))


if __name__ == "__main__":
    main()
