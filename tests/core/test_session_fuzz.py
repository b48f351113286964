"""Fuzzing the loader: whatever the bytes, it returns a Session or raises SessionError, never anything
else (no KeyError, TypeError, ValueError from numpy, RecursionError…), and its message is one line."""

from __future__ import annotations

import json
import random

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nnsurface.core.session import Session
from nnsurface.core.session_file import SessionError, parse_session, session_to_dict

FUZZ = settings(
    max_examples=1000, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
any_json = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)
# keys the loader knows, so that random objects sometimes get past the first checks
keys = st.sampled_from(
    [
        "format",
        "version",
        "network",
        "activation",
        "layers",
        "weights",
        "bias",
        "trajectory",
        "center",
        "radius",
        "view",
        "extent",
        "resolution",
    ]
) | st.text(max_size=6)


@st.composite
def valid_docs(draw) -> dict:
    """A valid session document with a random architecture, activation, trajectory and view."""
    widths = draw(st.lists(st.integers(1, 5), max_size=4))
    dims = [2, *widths, 1]
    layers = []
    for fan_in, fan_out in zip(dims[:-1], dims[1:], strict=True):
        layer = {
            "weights": draw(
                st.lists(
                    st.lists(finite, min_size=fan_out, max_size=fan_out), min_size=fan_in, max_size=fan_in
                )
            )
        }
        if draw(st.booleans()):
            layer["bias"] = draw(st.lists(finite, min_size=fan_out, max_size=fan_out))
        layers.append(layer)
    doc = {
        "format": "nnsurface-session",
        "version": 1,
        "network": {
            "activation": draw(st.sampled_from(["relu", "hardtanh", "tanh", "linear"])),
            "layers": layers,
        },
    }
    if draw(st.booleans()):
        doc["trajectory"] = {
            "center": draw(st.lists(finite, min_size=2, max_size=2)),
            "radius": draw(st.floats(0, 1e300)),
        }
    if draw(st.booleans()):
        doc["view"] = {"extent": draw(st.floats(1e-300, 1e300)), "resolution": draw(st.integers(2, 400))}
    return doc


def _paths(value, prefix=()):
    """The path (a tuple of keys and indices) of every value in a document, the root first."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated_docs(draw) -> str:
    """A valid document with one random structural or value mutation at a random place."""
    doc = draw(valid_docs())
    # The site is chosen by a seeded Random: Hypothesis's own choices favour the first entry ("format")
    # heavily. The root is left out: random JSON covers it.
    path = random.Random(draw(st.integers(0, 2**32))).choice(list(_paths(doc))[1:])
    kind = draw(st.sampled_from(["replace", "delete", "add_key", "append", "wrap", "nan"]))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    key = path[-1]
    if kind == "replace":
        parent[key] = draw(any_json | scalars)
    elif kind == "delete":
        del parent[key]
    elif kind == "add_key" and isinstance(parent[key], dict):
        parent[key][draw(keys)] = draw(any_json)
    elif kind == "append" and isinstance(parent[key], list):
        parent[key].append(draw(any_json | finite))
    elif kind == "wrap":
        parent[key] = [parent[key]]
    else:
        parent[key] = draw(st.sampled_from([float("nan"), float("inf"), -float("inf")]))
    return json.dumps(doc)  # json writes NaN/Infinity literals, which the loader must refuse


@st.composite
def corrupted_bytes(draw) -> bytes:
    """A valid document's bytes, truncated or with a few bytes overwritten (also invalid UTF-8)."""
    data = bytearray(json.dumps(draw(valid_docs()), indent=draw(st.sampled_from([None, 2]))).encode())
    if draw(st.booleans()):
        return bytes(data[: draw(st.integers(0, len(data)))])
    for _ in range(draw(st.integers(1, 4))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


# Half of the documents are mutated valid sessions (they reach the deep checks), half random.
documents = st.one_of(
    mutated_docs(),
    mutated_docs(),
    mutated_docs(),
    corrupted_bytes(),
    any_json.map(json.dumps),
    st.dictionaries(keys, any_json, max_size=6).map(json.dumps),
    st.binary(max_size=64),
)


@FUZZ
@given(documents)
def test_loader_returns_a_session_or_raises_session_error(data):
    try:
        result = parse_session(data, "fuzz.json")
    except SessionError as e:
        event(f"refused at {e.field.split('[')[0].split(' ')[0]}")
        assert e.source == "fuzz.json"
        assert "\n" not in str(e) and str(e).startswith("fuzz.json: ")
    else:
        event("loaded")
        assert isinstance(result, Session)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(valid_docs())
def test_valid_documents_load_and_round_trip(doc):
    session = parse_session(json.dumps(doc))
    for layer, w, b in zip(
        doc["network"]["layers"], session.network.weights, session.network.biases, strict=True
    ):
        assert np.array_equal(w, np.array(layer["weights"], dtype=float))
        assert np.array_equal(b, np.array(layer.get("bias", np.zeros(w.shape[1])), dtype=float))
    again = parse_session(json.dumps(session_to_dict(session)))
    assert again.equals(session)
