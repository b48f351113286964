"""The session file of DESIGN.md: strict loading, and saving that never leaves a half-written file.

A file is refused whole. Every field is checked before anything is built, so a bad file can never
half-change a session, and every refusal is one `SessionError` naming the file, the field path
(`network.layers[1].weights`) and the problem, on one line.

Validation is strict: unknown keys are refused, with the key's path and the nearest known name, because
a typo such as "wieghts" or "bais" would otherwise silently fall back to a default and the user would
study a network they never wrote; for the same reason a key given twice in one object is refused.
Numbers must be JSON numbers (never strings, booleans or null) and finite; NaN and Infinity, which
Python's json module would accept, are refused, as are numbers so large they overflow to infinity.
Hostile input is bounded: the byte size is checked before reading, the count of numbers while parsing,
and nesting deep enough to exhaust the parser is reported.

The optional parts: a layer's `bias` (zeros), `trajectory` and `view` and each key inside them (the
defaults of `session.py`).
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import stat
import uuid
from typing import Any

import numpy as np

from nnsurface.core.activations import ACTIVATIONS
from nnsurface.core.network import Network
from nnsurface.core.session import (
    DEFAULT_EXTENT,
    DEFAULT_RESOLUTION,
    MAX_RESOLUTION,
    MIN_RESOLUTION,
    Session,
    ViewSettings,
)
from nnsurface.core.trajectory import DEFAULT_CENTER, DEFAULT_RADIUS, Trajectory

FORMAT = "nnsurface-session"
VERSION = 1
INPUT_DIM = 2  # the app draws f: R² → R
MAX_FILE_BYTES = 64 * 2**20
MAX_NUMBERS = 10**6

FILE_FIELD = "(file)"  # the field of problems with the file itself (missing, a directory, too large)
DOCUMENT_FIELD = "(document)"  # the field of problems with the document as a whole


class SessionError(Exception):
    """A session file that cannot be loaded or saved; str() is `FILE: FIELD: PROBLEM` on one line."""

    def __init__(self, source: str, field: str, problem: str):
        super().__init__(source, field, problem)
        self.source = source
        self.field = field
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.source}: {self.field}: {self.problem}"


class _Invalid(Exception):
    """A problem at a field path; becomes a SessionError once the file name is known."""

    def __init__(self, field: str, problem: str):
        super().__init__(field, problem)
        self.field = field
        self.problem = problem


class _NonFinite:
    """What a NaN/Infinity literal parses to, so the refusal can name the field it stands in."""

    def __init__(self, literal: str):
        self.literal = literal


class _TooManyNumbers(Exception):
    pass


class _Object(dict):
    """A JSON object that remembers a key it met twice: a plain dict would silently keep the last
    value, and the user could not tell which of the two the app is using."""

    duplicate: str | None = None


def _object_from_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    for key, value in pairs:
        if key in obj and obj.duplicate is None:
            obj.duplicate = key
        obj[key] = value
    return obj


# --- loading -------------------------------------------------------------------------------------


def load_session(path: str | os.PathLike) -> Session:
    """Read and validate a session file; raise SessionError for anything but a valid session."""
    source = os.fsdecode(path)
    try:
        info = os.stat(source)
    except FileNotFoundError:
        raise SessionError(source, FILE_FIELD, "no such file") from None
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the name
        raise SessionError(source, FILE_FIELD, f"cannot read: {_reason(e)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise SessionError(source, FILE_FIELD, "is a directory, not a session file")
    if not stat.S_ISREG(info.st_mode):
        raise SessionError(source, FILE_FIELD, "not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise SessionError(source, FILE_FIELD, _too_large(info.st_size))
    try:
        with open(source, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # bounded even if the file grew since stat
    except OSError as e:
        raise SessionError(source, FILE_FIELD, f"cannot read: {_reason(e)}") from None
    return parse_session(data, source)


def parse_session(data: bytes | str, source: str = "<memory>") -> Session:
    """Validate the text of a session file (bytes must be UTF-8) and build the Session it describes."""
    try:
        if isinstance(data, bytes):
            if len(data) > MAX_FILE_BYTES:
                raise _Invalid(FILE_FIELD, _too_large(len(data)))
            data = _decode_utf8(data)
        return _session_from(_parse_json(data))
    except _Invalid as e:
        raise SessionError(source, e.field, e.problem) from None


def _too_large(n_bytes: int) -> str:
    return f"the file is {n_bytes / 2**20:.1f} MB; a session file may be at most {MAX_FILE_BYTES // 2**20} MB"


def _decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # a leading byte-order mark (some Windows editors) is harmless
    except UnicodeDecodeError as e:
        raise _Invalid(f"byte {e.start}", "not valid UTF-8 text") from None


def _parse_json(text: str) -> Any:
    """json.loads, with NaN/Infinity kept as markers and the count of numbers bounded while parsing."""
    if not text.strip():
        raise _Invalid(DOCUMENT_FIELD, "the file is empty")

    # Integers of more than 20 digits are read as floats: Python refuses to convert over 4300 digits,
    # and a huge integer then fails as "too large" at its own field instead of breaking the parser.
    def integer(literal: str) -> int | float:
        return int(literal) if len(literal) <= 20 else float(literal)

    parse_int, parse_float = integer, float
    # Every number follows "[", "," or ":", so this bounds their count; only a text that might exceed
    # the limit pays for counting while parsing, which stops a hostile file early.
    if text.count(",") + text.count("[") + text.count(":") + 1 > MAX_NUMBERS:
        count = 0

        def counted(convert):
            def parse(literal: str):
                nonlocal count
                count += 1
                if count > MAX_NUMBERS:
                    raise _TooManyNumbers
                return convert(literal)

            return parse

        parse_int, parse_float = counted(integer), counted(float)

    try:
        return json.loads(
            text,
            parse_int=parse_int,
            parse_float=parse_float,
            parse_constant=_NonFinite,
            object_pairs_hook=_object_from_pairs,
        )
    except _TooManyNumbers:
        problem = f"more than {MAX_NUMBERS:,} numbers (the most a session may hold)"
        raise _Invalid(DOCUMENT_FIELD, problem) from None
    except RecursionError:
        raise _Invalid(DOCUMENT_FIELD, "nested too deeply to be a session file") from None
    except json.JSONDecodeError as e:
        where = f"line {e.lineno} column {e.colno}"
        if e.pos >= len(text.rstrip()):
            raise _Invalid(where, f"not valid JSON: the text ends too early (truncated?): {e.msg}") from None
        raise _Invalid(where, f"not valid JSON: {e.msg}") from None


def _session_from(doc: Any) -> Session:
    top = _object(doc, "", "a session (a JSON object)")
    if "format" not in top:
        raise _Invalid("format", f'missing: a session file says "format": "{FORMAT}"')
    if top["format"] != FORMAT:
        raise _Invalid("format", f'expected "{FORMAT}", got {_describe(top["format"])}')
    version = _required(top, "version", "")
    if not _is_int(version):
        raise _Invalid("version", f"expected the integer {VERSION}, got {_describe(version)}")
    if version != VERSION:
        raise _Invalid("version", f"unsupported version {version} (this nnsurface reads version {VERSION})")
    _known_keys(top, "", ("format", "version", "network", "trajectory", "view"))
    network = _network(_required(top, "network", ""), "network")
    trajectory = _trajectory(top.get("trajectory", {}), "trajectory")
    view = _view(top.get("view", {}), "view")
    return Session(network=network, trajectory=trajectory, view=view)


def _network(value: Any, path: str) -> Network:
    obj = _object(value, path, "the network (an object with activation and layers)")
    _known_keys(obj, path, ("activation", "layers"))
    activation = _required(obj, "activation", path)
    if activation not in ACTIVATIONS:  # also refuses non-strings: none is in the tuple
        choices = ", ".join(ACTIVATIONS)
        raise _Invalid(_join(path, "activation"), f"expected one of {choices}, got {_describe(activation)}")
    layers = _required(obj, "layers", path)
    layers_path = _join(path, "layers")
    if not isinstance(layers, list):
        raise _Invalid(layers_path, f"expected a list of layers, got {_describe(layers)}")
    if not layers:
        raise _Invalid(layers_path, "expected at least one layer, got none")
    weights, biases = [], []
    fan_in, why = INPUT_DIM, f"the input is {INPUT_DIM}-D"
    for i, layer in enumerate(layers):
        lpath = f"{layers_path}[{i}]"
        obj = _object(layer, lpath, "a layer (an object with weights and bias)")
        _known_keys(obj, lpath, ("weights", "bias"))
        last = i == len(layers) - 1
        w = _matrix(_required(obj, "weights", lpath), _join(lpath, "weights"), fan_in, why, last)
        fan_out = w.shape[1]
        if "bias" in obj:
            b = _vector(obj["bias"], _join(lpath, "bias"), fan_out, "one per output")
        else:
            b = np.zeros(fan_out)
        weights.append(w)
        biases.append(b)
        fan_in, why = fan_out, f"layers[{i}] has {fan_out} outputs"
    return Network(weights, biases, activation)


def _matrix(value: Any, path: str, rows: int, why: str, last: bool) -> np.ndarray:
    """A (rows × cols) weight matrix; cols is 1 for the last layer, else the length of the first row."""
    if not isinstance(value, list):
        raise _Invalid(path, f"expected a matrix (a list of {rows} rows), got {_describe(value)}")
    if last:
        cols, cols_why = 1, "the last layer has 1 output"
    elif value and isinstance(value[0], list):
        cols, cols_why = len(value[0]), "like row 0"
        if cols == 0:
            raise _Invalid(f"{path}[0]", "expected at least 1 number (a layer needs an output), got none")
    else:
        cols, cols_why = None, ""
    if len(value) != rows:
        shape = _count(rows, "row") + (f" of {_count(cols, 'number')}" if cols else "")
        raise _Invalid(path, f"expected {shape}, got {_count(len(value), 'row')} ({why})")
    for r, row in enumerate(value):
        if not isinstance(row, list):
            raise _Invalid(f"{path}[{r}]", f"expected a row of numbers, got {_describe(row)}")
        if len(row) != cols:
            raise _Invalid(f"{path}[{r}]", f"expected {_count(cols, 'number')} ({cols_why}), got {len(row)}")
    if all(_is_number(x) for row in value for x in row):  # the common case, in bulk
        arr = np.array(value, dtype=np.float64)
        if np.isfinite(arr).all():
            return arr
    for r, row in enumerate(value):  # name the first entry that is not a finite number
        _numbers(row, f"{path}[{r}]")
    raise AssertionError("unreachable: some entry failed the bulk check")  # pragma: no cover


def _vector(value: Any, path: str, size: int, why: str) -> np.ndarray:
    if not isinstance(value, list):
        raise _Invalid(path, f"expected a list of {_count(size, 'number')}, got {_describe(value)}")
    if len(value) != size:
        raise _Invalid(path, f"expected {_count(size, 'number')} ({why}), got {len(value)}")
    return _numbers(value, path)


def _numbers(values: list, path: str) -> np.ndarray:
    """The list as float64, or the path and problem of its first entry that is not a finite number.

    The common case is checked in bulk; the per-entry walk only runs to name the culprit.
    """
    if all(_is_number(x) for x in values):
        arr = np.array(values, dtype=np.float64)  # ints have ≤ 20 digits (see _parse_json): no overflow
        if np.isfinite(arr).all():
            return arr
    for j, x in enumerate(values):
        _number(x, f"{path}[{j}]")
    raise AssertionError("unreachable: some entry failed the bulk check")  # pragma: no cover


def _number(value: Any, path: str) -> float:
    if isinstance(value, _NonFinite):
        raise _Invalid(path, f"{value.literal} is not allowed (numbers must be finite)")
    if not _is_number(value):
        raise _Invalid(path, f"expected a number, got {_describe(value)}")
    x = float(value)
    if not math.isfinite(x):
        raise _Invalid(path, "number too large (it overflows to infinity)")
    return x


def _trajectory(value: Any, path: str) -> Trajectory:
    obj = _object(value, path, "the trajectory (an object with center and radius)")
    _known_keys(obj, path, ("center", "radius"))
    center = tuple(DEFAULT_CENTER)
    if "center" in obj:
        center = tuple(_vector(obj["center"], _join(path, "center"), INPUT_DIM, "x, y"))
    radius = DEFAULT_RADIUS
    if "radius" in obj:
        radius = _number(obj["radius"], _join(path, "radius"))
        if radius < 0:
            raise _Invalid(_join(path, "radius"), f"expected a number ≥ 0, got {_describe(obj['radius'])}")
    return Trajectory.circle(center, radius)


def _view(value: Any, path: str) -> ViewSettings:
    obj = _object(value, path, "the view (an object with extent and resolution)")
    _known_keys(obj, path, ("extent", "resolution"))
    extent = DEFAULT_EXTENT
    if "extent" in obj:
        extent = _number(obj["extent"], _join(path, "extent"))
        if extent <= 0:
            raise _Invalid(_join(path, "extent"), f"expected a number > 0, got {_describe(obj['extent'])}")
    resolution = DEFAULT_RESOLUTION
    if "resolution" in obj:
        resolution = obj["resolution"]
        if not _is_int(resolution) or not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
            raise _Invalid(
                _join(path, "resolution"),
                f"expected an integer from {MIN_RESOLUTION} to {MAX_RESOLUTION}, got {_describe(resolution)}",
            )
    return ViewSettings(extent=extent, resolution=resolution)


# --- saving --------------------------------------------------------------------------------------


def session_to_dict(session: Session) -> dict:
    """The session as the JSON object of DESIGN.md (floats kept exact); SessionError if the format
    cannot hold it (a trajectory that is not a circle in the plane, an input that is not 2-D)."""
    try:
        return _to_dict(session)
    except _Invalid as e:
        raise SessionError("<session>", e.field, e.problem) from None


def save_session(session: Session, path: str | os.PathLike) -> None:
    """Write the session atomically: a temporary file in the same folder, written, fsynced, then renamed
    over `path`. On any failure the temporary file is removed, an existing file at `path` is left exactly
    as it was, and SessionError says why."""
    source = os.fsdecode(path)
    try:
        data = (_format(_to_dict(session)) + "\n").encode("utf-8")
        _check_loadable(data)
    except _Invalid as e:
        raise SessionError(source, e.field, e.problem) from None
    try:
        target = os.path.realpath(source)  # save through a symlink into the file it points to
        if os.path.isdir(target):
            raise SessionError(source, FILE_FIELD, "is a directory; cannot save a session over it")
        _write_atomically(target, data)
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the name
        problem = f"cannot save: {_reason(e)} (any existing file is unchanged)"
        raise SessionError(source, FILE_FIELD, problem) from e


def _write_atomically(target: str, data: bytes) -> None:
    folder, name = os.path.split(target)
    temp = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        try:
            _keep_mode_of(target, fd)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    _sync_folder(folder)


def _keep_mode_of(target: str, fd: int) -> None:
    """Give the new file the permissions of the one it replaces (a new one gets the umask default)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable where the platform allows it (POSIX); best effort elsewhere."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder or ".", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _to_dict(session: Session) -> dict:
    net, traj, view = session.network, session.trajectory, session.view
    if net.input_dim != INPUT_DIM:
        problem = f"a session file holds {INPUT_DIM}-D input, got {net.input_dim}-D"
        raise _Invalid("network.layers[0].weights", problem)
    radius = float(traj.u[0]) if traj.dim == INPUT_DIM else math.nan
    if not (traj.dim == INPUT_DIM and traj.u.tolist() == [radius, 0.0] and traj.v.tolist() == [0.0, radius]):
        raise _Invalid("trajectory", "a session file holds a circle in the plane; this trajectory is not one")
    pairs = zip(net.weights, net.biases, strict=True)
    layers = [{"weights": w.tolist(), "bias": b.tolist()} for w, b in pairs]
    return {
        "format": FORMAT,
        "version": VERSION,
        "network": {"activation": net.activation, "layers": layers},
        "trajectory": {"center": traj.center.tolist(), "radius": radius},
        "view": {"extent": float(view.extent), "resolution": int(view.resolution)},
    }


def _check_loadable(data: bytes) -> None:
    """Refuse to write what load_session would refuse (a resolution out of range, too many numbers…)."""
    _session_from(_parse_json(data.decode("utf-8")))


def _format(value: Any, indent: str = "") -> str:
    """JSON with objects and lists of rows indented, and each list of numbers on one line (a matrix
    reads as rows); json.dumps writes floats with repr, so every number round-trips exactly."""
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {_format(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (list, dict)) for v in value):
        return "[\n" + ",\n".join(inner + _format(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(", ", ": "))


# --- small validators and message helpers --------------------------------------------------------


def _object(value: Any, path: str, what: str) -> dict:
    """`value` if it is a JSON object without a repeated key; `path` is "" for the document itself."""
    if not isinstance(value, dict):
        raise _Invalid(path or DOCUMENT_FIELD, f"expected {what}, got {_describe(value)}")
    if getattr(value, "duplicate", None) is not None:
        raise _Invalid(_join(path, value.duplicate), "appears twice in one object (which one is meant?)")
    return value


def _required(obj: dict, key: str, path: str) -> Any:
    if key not in obj:
        raise _Invalid(_join(path, key), "missing")
    return obj[key]


def _known_keys(obj: dict, path: str, known: tuple[str, ...]) -> None:
    for key in obj:
        if key not in known:
            hint = difflib.get_close_matches(key, known, n=1)
            guess = f"; did you mean {hint[0]!r}?" if hint else ""
            raise _Invalid(_join(path, key), f"unknown key (expected {', '.join(known)}){guess}")


def _is_number(value: Any) -> bool:
    return type(value) is float or type(value) is int  # `is`, not isinstance: JSON true is no number


def _is_int(value: Any) -> bool:
    return type(value) is int  # bool is a subclass of int; JSON true is not a number


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


def _join(path: str, key: str) -> str:
    """`path.key`, or `path["odd key"]` (escaped, shortened) for keys that would not read as one word."""
    if _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{_short_json(key)}]"


def _short_json(s: str, limit: int = 40) -> str:
    """A string as an ASCII JSON literal, cut at `limit` characters: messages stay one short line."""
    return json.dumps(s[:limit] + ("…" if len(s) > limit else ""))


def _describe(value: Any) -> str:
    if isinstance(value, _NonFinite):
        return value.literal
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"a string ({_short_json(value)})"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return f"a list of {_count(len(value), 'item')}"
    return "an object"


def _count(n: int | None, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _reason(e: OSError | ValueError) -> str:
    return (getattr(e, "strerror", None) or str(e)).lower()
