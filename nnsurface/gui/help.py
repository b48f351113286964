"""Help: what the picture and the numbers mean (with the formulas of the measures), and About."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout, QWidget

from nnsurface import __version__

LICENSE = "MIT"
PAPER = (
    "Raghu, Poole, Kleinberg, Ganguli, Sohl-Dickstein: "
    "<i>On the Expressive Power of Deep Neural Networks</i> (ICML 2017)"
)

GUIDE_HTML = """
<h2>What am I looking at?</h2>
<p>A small neural network maps each point <i>x</i> = (x₁, x₂) of the plane to one number
<i>f</i>(<i>x</i>). Drawn as a height over the plane, <i>f</i> is a <b>surface</b>. With ReLU or
hardtanh units it is made of flat pieces: each piece is one <b>linear region</b>, where every hidden
unit stays on the same linear part of its activation (its <i>activation pattern</i>). The view draws
these regions exactly, with thin <b>creases</b> where they meet (View ▸ Exact Linear Regions, Creases);
smooth networks, and networks with very many regions, are drawn from a sampled grid.</p>

<h3>The network</h3>
<p>Row vectors, as in the weight editor: h₀ = x, &nbsp; hₗ = φ(hₗ₋₁ Wₗ + bₗ) for the hidden layers
ℓ = 1 … L−1, &nbsp; f(x) = h<sub>L−1</sub> W<sub>L</sub> + b<sub>L</sub>.
Row i, column j of Wₗ is the weight from unit i of the layer below to unit j of layer ℓ.
φ is relu (max(z, 0)), hardtanh (z clipped to [−1, 1]), tanh or linear.</p>

<h3>The trajectory</h3>
<p>The red loop is the circle x(t) = c + r (cos t, sin t), 0 ≤ t &lt; 2π, carried up onto the
surface. White dots are its <b>breakpoints</b>: the t where some unit changes linear part. The plot
below the view shows f(x(t)) against t.</p>

<h3>The measures</h3>
<table cellspacing="6">
<tr><td><b>input length</b></td><td>∫ |x′(t)| dt = 2πr, the loop in the plane</td></tr>
<tr><td><b>surface length</b></td>
<td>∫ |d/dt (x₁(t), x₂(t), f(x(t)))| dt, the loop drawn on the surface</td></tr>
<tr><td><b>output length</b></td>
<td>∫ |d f(x(t))/dt| dt, how far f travels up and down around the loop</td></tr>
<tr><td><b>layer hₗ length</b></td><td>∫ ‖d hₗ(x(t))/dt‖ dt, the paper's trajectory length after layer ℓ;
its ratio to the input length is how much the layers up to ℓ stretch the loop</td></tr>
<tr><td><b>transitions</b></td><td>how many times the activation pattern changes around the loop</td></tr>
<tr><td><b>regions visited</b></td><td>how many distinct activation patterns the loop meets</td></tr>
<tr><td><b>regions on grid</b></td><td>how many distinct patterns the grid's points fall in</td></tr>
<tr><td><b>regions (exact)</b></td><td>how many linear regions f has in the plotted window, from the
exact partition of the plane (a grid can miss small ones)</td></tr>
<tr><td><b>crease length</b></td><td>the total length, in the plane, of the lines where regions meet</td></tr>
</table>
<p>All lengths are exact: the loop is split at its breakpoints, found exactly, and each smooth piece
is integrated to a relative error below 10⁻¹⁰ (not a polyline).</p>

<h3>The weight tints</h3>
<p>Each weight's cell is tinted by |∂L/∂w|, how much the output length L changes per unit change of
that weight, on one scale for the whole network. The paper's finding: weights in lower layers
matter more, and trajectory length grows exponentially with depth (a straight rising line in the
log plot "length by layer").</p>

<h3>Working with it</h3>
<p>Type into a cell, or use the arrow keys or the mouse wheel on it; every change is one undo step
(Edit ▸ Undo). Drag the 3-D view to turn it, wheel to zoom. Sessions save as JSON; a session file
dropped on the window opens.</p>
"""


class GuideDialog(QDialog):
    """The "What am I looking at?" page, non-modal so it can stay open beside the window."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("What am I looking at?")
        self.browser = QTextBrowser()
        self.browser.setObjectName("help-guide")
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(GUIDE_HTML)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        column = QVBoxLayout(self)
        column.addWidget(self.browser)
        column.addWidget(buttons)
        self.resize(640, 720)


def about_html() -> str:
    return (
        f"<h3>nnsurface {__version__}</h3>"
        "<p>See the function of a small neural network f: R² → R as a surface, edit every weight, "
        "and measure a trajectory on it exactly.</p>"
        f"<p>It lets you check the claims of {PAPER} by hand.</p>"
        f"<p>Licence: {LICENSE}.</p>"
    )


def show_about(parent: QWidget) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About nnsurface")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html())
    icon = parent.windowIcon()
    if not icon.isNull():
        box.setIconPixmap(icon.pixmap(96, 96))
    box.exec()
