"""Numbers in fixed-width text columns.

fmt_num(v, width) is always exactly `width` characters, right-aligned, with
at least one leading space, so that neighbouring columns never run together
whatever the value: fixed point with `nd` decimals where that fits (at most
6 digits before the point), else exponent form ("1.000e+30"), with fewer
digits if need be; "nan", "inf", "-inf" for non-finite values.  Values
smaller than 10^-nd are in exponent form too ("%.4g"-like, for quantities in
physical units), or with tiny="fixed" in fixed point ("0.0000", for
quantities such as Sobol indices whose absolute precision is what counts).
"""

import math


def num(v, nd=4, budget=None, tiny="exp"):
    """v as text of at most `budget` characters (no limit: None): fixed
    point with nd decimals for 0 and for 10^-nd <= |v| < a bound that keeps
    it within budget (and |v| < 10^-nd too with tiny="fixed"), else exponent
    form."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    a = abs(v)
    if v == 0 or a >= 10.0 ** -nd or tiny == "fixed":
        s = "%.*f" % (nd, v)
        # at most 6 digits before the point, and within the budget
        if len(s.lstrip("-").split(".")[0]) <= 6 and (budget is None or len(s) <= budget):
            return s
    for p in range(max(nd - 1, 0), -1, -1):
        s = "%.*e" % (p, v)
        if budget is None or len(s) <= budget:
            return s
    return s


def fmt_num(v, width=12, nd=4, tiny="exp"):
    """v right-aligned in exactly `width` characters (width >= 8), with at
    least one leading space."""
    if width < 8:
        raise ValueError("fmt_num: width %d < 8" % width)
    return "%*s" % (width, num(v, nd, width - 1, tiny))
