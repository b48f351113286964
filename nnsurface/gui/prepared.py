"""Results computed ahead of the edit a held arrow key or a turning wheel makes next.

While a spinbox is being stepped, its next value is predictable: one more step the same way. The
model computes that edit's result while the event loop idles between steps, and keeps the result of
the state the last step left (a step back needs it). When the edit comes, its frame then waits only
for the 3-D view to take the result, not for the exact regions and the loop to be computed again.

A prepared result is what the edit would compute, by the same core calls on an equal session; it is
only computed earlier. It is used only while the session it was prepared from is still the current
one (the same object: sessions are immutable, so every other edit, undo or load makes a new one),
and only for exactly the value prepared: any other value is computed as usual.
"""

from __future__ import annotations

from nnsurface.core.network import Network
from nnsurface.core.session import Session
from nnsurface.gui.result import Result

# ("weight", layer, row, col) or ("bias", layer, col), layers counted from 0 as in the core; the same
# key the model gives a run of edits of one parameter.
Parameter = tuple


def parameter_value(network: Network, parameter: Parameter) -> float:
    """The parameter's current value in `network`."""
    kind, layer, *index = parameter
    arrays = network.weights if kind == "weight" else network.biases
    return float(arrays[layer][tuple(index)])


def with_parameter(network: Network, parameter: Parameter, value: float) -> Network:
    """A copy of `network` with the parameter set to `value` (ValueError for a non-finite value)."""
    kind, layer, *index = parameter
    if kind == "weight":
        return network.with_weight(layer, *index, value)
    return network.with_bias(layer, *index, value)


class PreparedEdits:
    """Results of single-parameter edits of one base session, by parameter and exact value."""

    def __init__(self) -> None:
        self._base: Session | None = None
        self._results: dict[tuple[Parameter, str], Result] = {}

    def get(self, base: Session, parameter: Parameter, value: float) -> Result | None:
        """The result prepared for setting `parameter` to `value` in `base`, if there is one."""
        if base is not self._base:
            return None
        return self._results.get((parameter, float(value).hex()))  # hex: −0.0 and 0.0 differ

    def put(self, base: Session, parameter: Parameter, value: float, result: Result) -> None:
        """Keep `result`, the result of `base` with `parameter` set to `value`. Results kept for
        another base are dropped: no edit can reach them any more."""
        if base is not self._base:
            self._base, self._results = base, {}
        self._results[(parameter, float(value).hex())] = result

    def clear(self) -> None:
        """Drop every result (the session moved on: none of them can be reached)."""
        self._base, self._results = None, {}
