"""The session file: every kind of bad input is refused whole with one line naming file, field and
problem; good files round-trip exactly; saving is atomic."""

from __future__ import annotations

import copy
import errno
import json
import os
from pathlib import Path

import numpy as np
import pytest

from nnsurface.core import session_file
from nnsurface.core.network import Network, default_network, original_random
from nnsurface.core.session import Session, ViewSettings
from nnsurface.core.session_file import (
    MAX_FILE_BYTES,
    MAX_NUMBERS,
    SessionError,
    load_session,
    parse_session,
    save_session,
    session_to_dict,
)
from nnsurface.core.trajectory import Trajectory

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets"
NAME = "deep.json"


def valid_doc() -> dict:
    """A hand-written valid 2-4-4-1 session, independent of the writer."""
    return {
        "format": "nnsurface-session",
        "version": 1,
        "network": {
            "activation": "relu",
            "layers": [
                {"weights": [[0.1, -1.2, 0.4, 2.0], [1.1, 0.3, -0.7, 0.5]], "bias": [0, 0.5, 0, -1]},
                {
                    "weights": [[1, 2, 3, 4], [5, 6, 7, 8], [-1, -2, -3, -4], [0.5, 0.25, 0, 1]],
                    "bias": [0, 0, 0, 0],
                },
                {"weights": [[1], [1], [1], [1]], "bias": [0]},
            ],
        },
        "trajectory": {"center": [0.5, -0.25], "radius": 3.0},
        "view": {"extent": 6.0, "resolution": 80},
    }


def refused(data, field: str, *fragments: str, name: str = NAME) -> SessionError:
    """Parse `data` (a dict is dumped first), expect refusal at `field` with every fragment in the problem."""
    if isinstance(data, dict):
        data = json.dumps(data)
    with pytest.raises(SessionError) as info:
        parse_session(data, name)
    return check_message(info.value, name, field, *fragments)


def check_message(err: SessionError, name: str, field: str, *fragments: str) -> SessionError:
    assert err.source == name
    assert err.field == field, str(err)
    for fragment in fragments:
        assert fragment in err.problem, str(err)
    assert str(err) == f"{name}: {field}: {err.problem}"
    assert "\n" not in str(err)
    return err


def mutated(change) -> dict:
    doc = copy.deepcopy(valid_doc())
    change(doc)
    return doc


def layer(doc, i) -> dict:
    return doc["network"]["layers"][i]


# --- a valid file ---------------------------------------------------------------------------------


def test_valid_document_gives_the_numbers_it_holds():
    s = parse_session(json.dumps(valid_doc()))
    doc = valid_doc()
    for i, (w, b) in enumerate(zip(s.network.weights, s.network.biases, strict=True)):
        assert np.array_equal(w, np.array(layer(doc, i)["weights"], dtype=float))
        assert np.array_equal(b, np.array(layer(doc, i)["bias"], dtype=float))
    assert s.network.activation == "relu"
    assert s.trajectory.center.tolist() == [0.5, -0.25]
    assert s.trajectory.u.tolist() == [3.0, 0.0] and s.trajectory.v.tolist() == [0.0, 3.0]
    assert s.view == ViewSettings(extent=6.0, resolution=80)


def test_bias_may_be_omitted_and_means_zeros():
    doc = mutated(lambda d: [lay.pop("bias") for lay in d["network"]["layers"]])
    s = parse_session(json.dumps(doc))
    assert [b.tolist() for b in s.network.biases] == [[0.0] * 4, [0.0] * 4, [0.0]]


def test_trajectory_and_view_may_be_omitted_and_take_the_defaults():
    doc = mutated(lambda d: (d.pop("trajectory"), d.pop("view")))
    s = parse_session(json.dumps(doc))
    assert s.trajectory.center.tolist() == [0.0, 0.0] and s.trajectory.radius == 4.0
    assert s.view == ViewSettings(extent=5.0, resolution=50)


def test_keys_inside_trajectory_and_view_may_be_omitted():
    doc = mutated(lambda d: (d["trajectory"].pop("center"), d["view"].pop("resolution")))
    s = parse_session(json.dumps(doc))
    assert s.trajectory.center.tolist() == [0.0, 0.0] and s.trajectory.radius == 3.0
    assert s.view == ViewSettings(extent=6.0, resolution=50)


def test_a_single_layer_linear_map_is_a_valid_network():
    doc = mutated(lambda d: d["network"].__setitem__("layers", [{"weights": [[2], [3]]}]))
    s = parse_session(json.dumps(doc))
    assert s.network.n_hidden == 0 and s.network.weights[0].tolist() == [[2.0], [3.0]]


def test_byte_order_mark_is_accepted():
    s = parse_session(b"\xef\xbb\xbf" + json.dumps(valid_doc()).encode())
    assert s.view.resolution == 80


def test_zero_radius_is_a_valid_point_trajectory():
    s = parse_session(json.dumps(mutated(lambda d: d["trajectory"].__setitem__("radius", 0))))
    assert s.trajectory.radius == 0.0


# --- bad documents: one test per case -------------------------------------------------------------


def test_not_json():
    refused("this is not json", "line 1 column 1", "not valid JSON")


def test_json_with_a_syntax_error_in_the_middle():
    text = json.dumps(valid_doc(), indent=2).replace('"version": 1,', '"version": 1,,')
    refused(text, "line 3 column 16", "not valid JSON")


def test_truncated():
    text = json.dumps(valid_doc())
    cut = text[: text.index('"trajectory"')]
    refused(cut, f"line 1 column {len(cut) + 1}", "ends too early")
    refused(text[:-1], f"line 1 column {len(text)}", "ends too early")


def test_empty_file():
    refused(b"", "(document)", "empty")
    refused(b"  \n", "(document)", "empty")


def test_invalid_utf8():
    data = json.dumps(valid_doc()).encode().replace(b'"relu"', b'"rel\xff"')
    offset = data.index(b"\xff")
    refused(data, f"byte {offset}", "not valid UTF-8")


def test_top_level_list():
    refused(b"[1, 2, 3]", "(document)", "expected a session (a JSON object)", "got a list of 3 items")


def test_top_level_number():
    refused(b"42", "(document)", "got 42")


def test_missing_format():
    refused(mutated(lambda d: d.pop("format")), "format", "missing", '"nnsurface-session"')


def test_unknown_format():
    refused(
        mutated(lambda d: d.__setitem__("format", "tensorflow")),
        "format",
        '"nnsurface-session"',
        "tensorflow",
    )


def test_missing_version():
    refused(mutated(lambda d: d.pop("version")), "version", "missing")


def test_unsupported_version():
    refused(mutated(lambda d: d.__setitem__("version", 2)), "version", "unsupported version 2")


def test_version_as_string_or_boolean():
    refused(mutated(lambda d: d.__setitem__("version", "1")), "version", "expected the integer 1", "a string")
    refused(mutated(lambda d: d.__setitem__("version", True)), "version", "expected the integer 1", "true")


def test_missing_network():
    refused(mutated(lambda d: d.pop("network")), "network", "missing")


def test_network_not_an_object():
    refused(mutated(lambda d: d.__setitem__("network", [1])), "network", "expected the network")


def test_missing_activation():
    refused(mutated(lambda d: d["network"].pop("activation")), "network.activation", "missing")


def test_unknown_activation():
    refused(
        mutated(lambda d: d["network"].__setitem__("activation", "sigmoid")),
        "network.activation",
        "expected one of relu, hardtanh, tanh, linear",
        "sigmoid",
    )


def test_activation_not_a_string():
    refused(
        mutated(lambda d: d["network"].__setitem__("activation", ["relu"])), "network.activation", "a list"
    )


def test_layers_not_a_list():
    refused(mutated(lambda d: d["network"].__setitem__("layers", {})), "network.layers", "expected a list")


def test_no_layers():
    refused(mutated(lambda d: d["network"].__setitem__("layers", [])), "network.layers", "at least one layer")


def test_layer_not_an_object():
    refused(
        mutated(lambda d: d["network"]["layers"].__setitem__(1, [[1]])),
        "network.layers[1]",
        "expected a layer",
    )


def test_missing_weights():
    refused(mutated(lambda d: layer(d, 0).pop("weights")), "network.layers[0].weights", "missing")


def test_weights_not_a_matrix():
    refused(
        mutated(lambda d: layer(d, 0).__setitem__("weights", 3)),
        "network.layers[0].weights",
        "expected a matrix",
    )


def test_wrong_number_of_rows():
    """DESIGN.md's own example of a message."""
    err = refused(
        mutated(lambda d: layer(d, 1)["weights"].pop()),
        "network.layers[1].weights",
        "expected 4 rows of 4 numbers, got 3 rows",
    )
    assert str(err).startswith(
        "deep.json: network.layers[1].weights: expected 4 rows of 4 numbers, got 3 rows"
    )


def test_ragged_row():
    refused(
        mutated(lambda d: layer(d, 1)["weights"][2].pop()),
        "network.layers[1].weights[2]",
        "expected 4 numbers",
        "got 3",
    )


def test_row_not_a_list():
    refused(
        mutated(lambda d: layer(d, 1)["weights"].__setitem__(3, 7)), "network.layers[1].weights[3]", "got 7"
    )


def test_empty_rows_make_no_layer():
    doc = mutated(lambda d: layer(d, 0).__setitem__("weights", [[], []]))
    refused(doc, "network.layers[0].weights[0]", "at least 1 number")


def test_first_layer_must_have_two_inputs():
    doc = mutated(lambda d: layer(d, 0)["weights"].append([0.0, 0.0, 0.0, 0.0]))
    refused(doc, "network.layers[0].weights", "expected 2 rows of 4 numbers, got 3 rows", "the input is 2-D")


def test_last_layer_must_have_one_output():
    doc = mutated(lambda d: layer(d, 2).__setitem__("weights", [[1, 1]] * 4))
    refused(doc, "network.layers[2].weights[0]", "expected 1 number", "the last layer has 1 output", "got 2")


def test_consecutive_layers_must_chain():
    # layer 0 now has 3 outputs; layer 1 still has 4 rows
    doc = mutated(lambda d: layer(d, 0).update(weights=[[1, 2, 3], [4, 5, 6]], bias=[0, 0, 0]))
    refused(
        doc,
        "network.layers[1].weights",
        "expected 3 rows of 4 numbers, got 4 rows",
        "layers[0] has 3 outputs",
    )


def test_bias_of_wrong_length():
    refused(
        mutated(lambda d: layer(d, 1)["bias"].pop()), "network.layers[1].bias", "expected 4 numbers", "got 3"
    )


def test_bias_not_a_list():
    refused(
        mutated(lambda d: layer(d, 1).__setitem__("bias", 0)), "network.layers[1].bias", "expected a list"
    )


def test_string_for_a_number():
    doc = mutated(lambda d: layer(d, 1)["weights"][2].__setitem__(3, "0.5"))
    refused(doc, "network.layers[1].weights[2][3]", "expected a number", 'a string ("0.5")')


def test_boolean_for_a_number():
    doc = mutated(lambda d: layer(d, 0)["weights"][1].__setitem__(0, True))
    refused(doc, "network.layers[0].weights[1][0]", "expected a number", "true")


def test_null_for_a_number():
    refused(mutated(lambda d: layer(d, 0)["bias"].__setitem__(2, None)), "network.layers[0].bias[2]", "null")


def test_list_for_a_number():
    refused(mutated(lambda d: layer(d, 2)["bias"].__setitem__(0, [0])), "network.layers[2].bias[0]", "a list")


def test_nan():
    text = json.dumps(valid_doc()).replace("-1.2", "NaN")
    refused(text, "network.layers[0].weights[0][1]", "NaN is not allowed")


def test_infinity():
    text = json.dumps(valid_doc()).replace('"bias": [0]', '"bias": [-Infinity]')
    refused(text, "network.layers[2].bias[0]", "-Infinity is not allowed")


def test_number_that_overflows_to_infinity():
    text = json.dumps(valid_doc()).replace("-1.2", "1e400")
    refused(text, "network.layers[0].weights[0][1]", "too large")


def test_integer_with_thousands_of_digits():
    text = json.dumps(valid_doc()).replace("-1.2", "9" * 5000)
    refused(text, "network.layers[0].weights[0][1]", "too large")


def test_large_but_finite_numbers_are_accepted():
    text = json.dumps(valid_doc()).replace("-1.2", "1e300").replace("0.1", "123456789012345678901234567890")
    text = text.replace("0.4", "-99999999999999999999")  # 20 digits: beyond int64, still read exactly
    s = parse_session(text)
    assert s.network.weights[0][0].tolist()[:3] == [1.2345678901234568e29, 1e300, -1e20]


def test_more_than_a_million_numbers():
    doc = mutated(lambda d: d["network"].__setitem__("extra", [0] * (MAX_NUMBERS + 1)))
    refused(doc, "(document)", "more than 1,000,000 numbers")


def test_ten_million_numbers_stop_the_parser_early(monkeypatch):
    calls = 0
    real = session_file.json.loads

    def loads(*args, **kwargs):
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(session_file.json, "loads", loads)
    text = '{"format": "nnsurface-session", "version": 1, "x": [' + "1," * 10**7 + "1]}"
    refused(text, "(document)", "more than 1,000,000 numbers")
    assert calls == 1


def test_a_network_just_under_a_million_numbers_loads():
    k = (MAX_NUMBERS - 6) // 4  # a 2-k-1 net holds 4k + 1 numbers; centre, radius and view 5 more
    doc = mutated(
        lambda d: d["network"].__setitem__(
            "layers",
            [{"weights": [[0.5] * k, [0.25] * k], "bias": [0] * k}, {"weights": [[1]] * k, "bias": [0]}],
        )
    )
    assert MAX_NUMBERS - 4 < 4 * k + 6 <= MAX_NUMBERS
    assert parse_session(json.dumps(doc)).network.n_parameters == 4 * k + 1


def test_deep_nesting():
    refused("[" * 100_000 + "]" * 100_000, "(document)", "nested too deeply")
    refused('{"format": ' + "[" * 100_000, "(document)", "nested too deeply")


def test_missing_radius_sign():
    refused(mutated(lambda d: d["trajectory"].__setitem__("radius", -1)), "trajectory.radius", "≥ 0", "-1")


def test_non_finite_radius():
    text = json.dumps(valid_doc()).replace('"radius": 3.0', '"radius": Infinity')
    refused(text, "trajectory.radius", "Infinity is not allowed")


def test_radius_not_a_number():
    refused(
        mutated(lambda d: d["trajectory"].__setitem__("radius", "4")),
        "trajectory.radius",
        "expected a number",
    )


def test_center_not_two_numbers():
    refused(
        mutated(lambda d: d["trajectory"]["center"].append(0)),
        "trajectory.center",
        "expected 2 numbers",
        "got 3",
    )


def test_trajectory_not_an_object():
    refused(
        mutated(lambda d: d.__setitem__("trajectory", None)), "trajectory", "expected the trajectory", "null"
    )


def test_extent_zero_or_negative():
    refused(mutated(lambda d: d["view"].__setitem__("extent", 0)), "view.extent", "> 0", "got 0")
    refused(mutated(lambda d: d["view"].__setitem__("extent", -2.5)), "view.extent", "> 0", "got -2.5")


def test_resolution_out_of_range():
    refused(
        mutated(lambda d: d["view"].__setitem__("resolution", 1)), "view.resolution", "from 2 to 400", "got 1"
    )
    refused(mutated(lambda d: d["view"].__setitem__("resolution", 401)), "view.resolution", "from 2 to 400")


def test_resolution_not_an_integer():
    for value, shown in ((50.5, "50.5"), (50.0, "50.0"), ("50", "a string"), (True, "true")):
        refused(
            mutated(lambda d, v=value: d["view"].__setitem__("resolution", v)),
            "view.resolution",
            "integer",
            shown,
        )


def test_view_not_an_object():
    refused(mutated(lambda d: d.__setitem__("view", 5)), "view", "expected the view")


def test_unknown_top_level_key():
    refused(
        mutated(lambda d: d.__setitem__("netwrok", {})), "netwrok", "unknown key", "did you mean 'network'?"
    )


def test_unknown_key_in_a_layer():
    doc = mutated(lambda d: layer(d, 1).__setitem__("bais", [0, 0, 0, 0]))
    refused(doc, "network.layers[1].bais", "unknown key (expected weights, bias)", "did you mean 'bias'?")


def test_unknown_keys_in_trajectory_and_view():
    refused(
        mutated(lambda d: d["trajectory"].__setitem__("centre", [0, 0])), "trajectory.centre", "unknown key"
    )
    refused(mutated(lambda d: d["view"].__setitem__("zoom", 2)), "view.zoom", "unknown key")


def test_odd_unknown_key_is_quoted_and_shortened_on_one_line():
    key = "line\nbreak" + "x" * 500
    err = refused(
        mutated(lambda d: d.__setitem__(key, 1)), '["line\\nbreak' + "x" * 30 + '\\u2026"]', "unknown key"
    )
    assert len(str(err)) < 200


def test_key_given_twice():
    text = json.dumps(valid_doc()).replace('"version": 1', '"version": 1, "version": 2')
    refused(text, "version", "appears twice")
    text = json.dumps(valid_doc()).replace('"bias": [0]', '"bias": [0], "weights": [[2], [2], [2], [2]]')
    refused(text, "network.layers[2].weights", "appears twice")


def test_newer_version_is_reported_before_its_unknown_keys():
    doc = mutated(lambda d: (d.__setitem__("version", 2), d.__setitem__("camera", {})))
    refused(doc, "version", "unsupported version 2")


# --- bad files ------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.json"
    with pytest.raises(SessionError) as info:
        load_session(path)
    check_message(info.value, str(path), "(file)", "no such file")


def test_file_name_with_a_nul_byte():
    with pytest.raises(SessionError) as info:
        load_session("bad\0name.json")
    check_message(info.value, "bad\0name.json", "(file)", "embedded null byte")
    with pytest.raises(SessionError) as info:
        save_session(Session(), "bad\0name.json")
    check_message(info.value, "bad\0name.json", "(file)", "cannot save: embedded null byte")


def test_path_is_a_directory(tmp_path):
    with pytest.raises(SessionError) as info:
        load_session(tmp_path)
    check_message(info.value, str(tmp_path), "(file)", "is a directory")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_not_opened(tmp_path):
    """Opening a FIFO would block forever waiting for a writer."""
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    with pytest.raises(SessionError) as info:
        load_session(path)
    check_message(info.value, str(path), "(file)", "not a regular file")


def test_file_too_large_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(100 * 2**20)  # sparse: 100 MB on paper, nothing on disk

    def no_open(*args, **kwargs):
        raise AssertionError("a too-large file must be refused without being opened")

    monkeypatch.setattr(session_file, "open", no_open, raising=False)
    with pytest.raises(SessionError) as info:
        load_session(path)
    check_message(info.value, str(path), "(file)", "100.0 MB", "at most 64 MB")


def test_too_large_bytes_in_memory():
    refused(b" " * (MAX_FILE_BYTES + 1), "(file)", "at most 64 MB", name="<memory>")


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    """As root, chmod cannot make a file unreadable; the OS's answer is simulated instead."""
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(valid_doc()))

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(session_file, "open", denied, raising=False)
    with pytest.raises(SessionError) as info:
        load_session(path)
    check_message(info.value, str(path), "(file)", "cannot read: permission denied")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(valid_doc()))
    path.chmod(0)
    with pytest.raises(SessionError) as info:
        load_session(path)
    check_message(info.value, str(path), "(file)", "permission denied")


def test_load_reads_a_valid_file(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(valid_doc()))
    assert load_session(path).view.resolution == 80


# --- round trip -----------------------------------------------------------------------------------

AWKWARD = [0.1, -0.0, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308, 1 / 3, 1e-17, 123456789.123]


def awkward_session() -> Session:
    w1 = np.array([AWKWARD[:4], AWKWARD[4:]])
    w2 = np.arange(16.0).reshape(4, 4) / 7
    net = Network(
        [w1, w2, np.full((4, 1), -0.0)], [np.array(AWKWARD[2:6]), np.zeros(4) - 1e-300, [np.pi]], "hardtanh"
    )
    return Session(
        net, Trajectory.circle((np.e, -1 / 7), 0.1 + 0.2), ViewSettings(extent=1e-3, resolution=400)
    )


def assert_bitwise_equal(a: Session, b: Session):
    assert a.equals(b)
    for x, y in zip(a.network.weights + a.network.biases, b.network.weights + b.network.biases, strict=True):
        assert x.tobytes() == y.tobytes()  # also tells -0.0 from 0.0
    assert a.trajectory.center.tobytes() == b.trajectory.center.tobytes()


@pytest.mark.parametrize(
    "make", [Session, awkward_session, lambda: Session(original_random((3, 5, 2), seed=7))]
)
def test_round_trip_is_exact(tmp_path, make):
    session = make()
    path = tmp_path / "s.json"
    save_session(session, path)
    assert_bitwise_equal(load_session(path), session)
    save_session(load_session(path), tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()


def test_session_to_dict_is_the_design_format():
    d = session_to_dict(Session())
    assert list(d) == ["format", "version", "network", "trajectory", "view"]
    assert d["format"] == "nnsurface-session" and d["version"] == 1
    assert [np.shape(lay["weights"]) for lay in d["network"]["layers"]] == [(2, 4), (4, 4), (4, 1)]
    assert d["trajectory"] == {"center": [0.0, 0.0], "radius": 4.0}
    assert d["view"] == {"extent": 5.0, "resolution": 50}
    assert parse_session(json.dumps(d)).equals(Session())


def test_saved_file_writes_one_matrix_row_per_line(tmp_path):
    save_session(Session(), tmp_path / "s.json")
    lines = (tmp_path / "s.json").read_text().splitlines()
    w2 = default_network().weights[1]
    assert f"          {json.dumps(w2[0].tolist())}," in lines


def test_non_circle_trajectory_cannot_be_saved(tmp_path):
    session = Session(trajectory=Trajectory((0, 0), (1, 0), (0, 2)))
    with pytest.raises(SessionError) as info:
        save_session(session, tmp_path / "e.json")
    check_message(info.value, str(tmp_path / "e.json"), "trajectory", "circle")
    assert not (tmp_path / "e.json").exists()


def test_resolution_the_loader_would_refuse_is_not_saved(tmp_path):
    session = Session(view=ViewSettings(extent=5.0, resolution=1000))
    with pytest.raises(SessionError) as info:
        save_session(session, tmp_path / "r.json")
    check_message(info.value, str(tmp_path / "r.json"), "view.resolution", "from 2 to 400")
    assert list(tmp_path.iterdir()) == []


def test_three_dimensional_input_cannot_be_saved():
    session = Session(network=original_random((4,), seed=1, input_dim=3), trajectory=Trajectory.circle())
    with pytest.raises(SessionError) as info:
        session_to_dict(session)
    check_message(info.value, "<session>", "network.layers[0].weights", "2-D input")


# --- atomic save ----------------------------------------------------------------------------------


@pytest.fixture
def existing(tmp_path) -> Path:
    path = tmp_path / "work.json"
    save_session(Session(), path)
    return path


def assert_untouched(path: Path, before: bytes):
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "a temporary file was left behind"


def test_failed_fsync_leaves_the_old_file_and_no_temp_file(existing, monkeypatch):
    before = existing.read_bytes()

    def fail(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(session_file.os, "fsync", fail)
    with pytest.raises(SessionError) as info:
        save_session(Session(network=original_random((4, 4), seed=99)), existing)
    check_message(info.value, str(existing), "(file)", "cannot save: input/output error", "unchanged")
    assert_untouched(existing, before)


def test_disk_full_mid_write_leaves_the_old_file_and_no_temp_file(existing, monkeypatch):
    before = existing.read_bytes()
    real_write = os.write
    calls = []

    def half_then_full(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(session_file.os, "write", half_then_full)
    with pytest.raises(SessionError) as info:
        save_session(Session(network=original_random((4, 4), seed=99)), existing)
    assert len(calls) == 2, "the remainder of a short write is written"
    check_message(info.value, str(existing), "(file)", "no space left on device")
    assert_untouched(existing, before)


def test_failed_rename_leaves_the_old_file_and_no_temp_file(existing, monkeypatch):
    before = existing.read_bytes()

    def fail(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(session_file.os, "replace", fail)
    with pytest.raises(SessionError):
        save_session(Session(network=original_random((4, 4), seed=99)), existing)
    assert_untouched(existing, before)


def test_interrupt_mid_write_also_cleans_up(existing, monkeypatch):
    before = existing.read_bytes()

    def interrupted(fd, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(session_file.os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_session(Session(network=original_random((4, 4), seed=99)), existing)
    assert_untouched(existing, before)


def test_read_only_folder_simulated(existing, monkeypatch):
    """As root a read-only folder is still writable; the OS's refusal to create the temp file is simulated."""
    before = existing.read_bytes()
    real_open = os.open

    def deny_create(path, flags, *args):
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(session_file.os, "open", deny_create)
    with pytest.raises(SessionError) as info:
        save_session(Session(network=original_random((4, 4), seed=99)), existing)
    check_message(info.value, str(existing), "(file)", "cannot save: permission denied")
    assert_untouched(existing, before)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(existing):
    before = existing.read_bytes()
    existing.parent.chmod(0o555)
    try:
        with pytest.raises(SessionError) as info:
            save_session(Session(network=original_random((4, 4), seed=99)), existing)
    finally:
        existing.parent.chmod(0o755)
    check_message(info.value, str(existing), "(file)", "permission denied")
    assert_untouched(existing, before)


def test_save_to_a_directory_is_refused(tmp_path):
    folder = tmp_path / "folder.json"
    folder.mkdir()
    with pytest.raises(SessionError) as info:
        save_session(Session(), folder)
    check_message(info.value, str(folder), "(file)", "is a directory")
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["folder.json"]


def test_save_into_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(SessionError) as info:
        save_session(Session(), tmp_path / "no" / "s.json")
    check_message(info.value, str(tmp_path / "no" / "s.json"), "(file)", "no such file or directory")


def test_save_replaces_an_existing_file_and_keeps_its_permissions(existing):
    existing.chmod(0o640)
    session = Session(network=original_random((4, 4), seed=99))
    save_session(session, existing)
    assert load_session(existing).equals(session)
    assert existing.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in existing.parent.iterdir()) == [existing.name]


def test_save_through_a_symlink_writes_the_target(existing):
    link = existing.parent / "link.json"
    link.symlink_to(existing.name)
    session = Session(network=original_random((4, 4), seed=99))
    save_session(session, link)
    assert link.is_symlink() and load_session(existing).equals(session)


# --- presets --------------------------------------------------------------------------------------

PRESET_NAMES = ["default", "deep_narrow_relu", "wide_relu", "hardtanh", "tanh"]


def test_the_five_presets_are_shipped():
    assert sorted(p.stem for p in PRESETS.glob("*.json")) == sorted(PRESET_NAMES)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_is_valid_and_written_as_the_saver_writes(name, tmp_path):
    path = PRESETS / f"{name}.json"
    session = load_session(path)
    save_session(session, tmp_path / "copy.json")
    assert (tmp_path / "copy.json").read_bytes() == path.read_bytes()


def test_default_preset_is_the_default_network():
    assert load_session(PRESETS / "default.json").equals(Session())


@pytest.mark.parametrize(
    "name, activation, widths",
    [
        ("deep_narrow_relu", "relu", (6,) * 8),
        ("wide_relu", "relu", (16, 16)),
        ("hardtanh", "hardtanh", (8,) * 4),
        ("tanh", "tanh", (8,) * 4),
    ],
)
def test_preset_architecture(name, activation, widths):
    net = load_session(PRESETS / f"{name}.json").network
    assert (net.activation, net.widths) == (activation, widths)
