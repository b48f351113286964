"""The network's weights as text to paste elsewhere: NumPy code that computes f, or LaTeX matrices.

The NumPy code is exact (every float written with repr, which round-trips) and runs on its own: it
defines the matrices and a function f(x) with the app's row-vector convention. The LaTeX is for
reading, with LATEX_DIGITS significant digits.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QGuiApplication

from nnsurface.core.network import Network

LATEX_DIGITS = 4
_NUMPY_ACTIVATION = {
    "relu": "np.maximum({}, 0.0)",
    "hardtanh": "np.clip({}, -1.0, 1.0)",
    "tanh": "np.tanh({})",
    "linear": "{}",
}


def _shape(network: Network) -> str:
    return "-".join(str(n) for n in (network.input_dim, *network.widths, 1))


def numpy_code(network: Network) -> str:
    """Python source defining W1, b1, … and f(x) for points x of shape (n, 2) (or one point (2,))."""
    lines = [
        "import numpy as np",
        "",
        f"# nnsurface network {_shape(network)}, {network.activation}; row vectors: h = phi(h @ W + b)",
    ]
    for i, (w, b) in enumerate(zip(network.weights, network.biases, strict=True), start=1):
        rows = ",\n".join("    [" + ", ".join(repr(float(x)) for x in row) + "]" for row in w)
        lines += [
            f"W{i} = np.array([\n{rows},\n])",
            f"b{i} = np.array([{', '.join(repr(float(x)) for x in b)}])",
        ]
    n = len(network.weights)
    activation = _NUMPY_ACTIVATION[network.activation]
    lines += ["", "", "def f(x):", "    h = np.asarray(x, dtype=float)"]
    lines += [f"    h = {activation.format(f'h @ W{i} + b{i}')}" for i in range(1, n)]
    lines += [f"    return (h @ W{n} + b{n})[..., 0]", ""]
    return "\n".join(lines)


def latex_number(x: float) -> str:
    """LATEX_DIGITS significant digits; powers of ten as \\times 10^{k}."""
    text = f"{float(x):.{LATEX_DIGITS}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return "0" if text == "-0" else text


def _bmatrix(rows: np.ndarray) -> str:
    body = " \\\\\n".join("  " + " & ".join(latex_number(x) for x in row) for row in rows)
    return f"\\begin{{bmatrix}}\n{body}\n\\end{{bmatrix}}"


def latex_matrices(network: Network) -> str:
    """One display-math block per layer: W_ℓ and b_ℓ as bmatrix (needs amsmath)."""
    blocks = [
        f"% nnsurface network {_shape(network)}, {network.activation}; "
        "h_l = phi(h_{l-1} W_l + b_l), f = h_{L-1} W_L + b_L (amsmath bmatrix)"
    ]
    for i, (w, b) in enumerate(zip(network.weights, network.biases, strict=True), start=1):
        blocks.append(f"\\[\nW_{{{i}}} = {_bmatrix(w)},\\qquad\nb_{{{i}}} = {_bmatrix(b[None, :])}\n\\]")
    return "\n".join(blocks) + "\n"


def copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
