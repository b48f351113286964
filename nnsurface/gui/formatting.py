"""Numbers and names as people read them: significant digits, subscripts, π-multiples."""

from __future__ import annotations

import math

SIGNIFICANT_DIGITS = 4
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MISSING = "—"  # a measure that does not apply (e.g. transitions of a tanh network)


def format_number(x: float | None, digits: int = SIGNIFICANT_DIGITS) -> str:
    """`digits` significant digits, plain notation from 0.001 to 10⁶, scientific outside; None → "—"."""
    if x is None:
        return MISSING
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    exponent = math.floor(math.log10(abs(x)))
    if -3 <= exponent < 6:
        decimals = max(0, digits - 1 - exponent)
        return f"{x:.{decimals}f}".replace("-", "−")
    return f"{x:.{digits - 1}e}".replace("-", "−")


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def format_tick(x: float) -> str:
    """An axis tick value (already a round number): "0.25", "−5", "2.5×10⁶", "10⁻⁴"."""
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.6g}".replace("-", "−")
    exponent = math.floor(math.log10(abs(x)))
    mantissa = f"{x / 10.0**exponent:.3g}".replace("-", "−")
    power = f"10{str(exponent).translate(_SUPERSCRIPTS)}"
    return power if mantissa == "1" else f"−{power}" if mantissa == "−1" else f"{mantissa}×{power}"


def format_count(n: int | None) -> str:
    return MISSING if n is None else str(n)


def subscript(n: int) -> str:
    """3 → "₃"."""
    return str(n).translate(_SUBSCRIPTS)
