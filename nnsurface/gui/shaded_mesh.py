"""A lit triangle mesh for pyqtgraph's GL view that uploads only the arrays that changed, once per change.

Why not GLSurfacePlotItem/GLMeshItem: they keep x, y and z interleaved in one position array, so an
edit re-uploads all three and rebuilds their MeshData; and their colours are per vertex, so a height
colormap over a large polygon is blended in RGB instead of mapped. Here each attribute is its own
vertex buffer (x,y once per mesh, z, normals and colours per edit), heights are coloured per fragment
from a colormap texture, and arrays are uploaded in paint(), so a burst of changes between two frames
costs one upload of the latest arrays and a hidden item costs nothing.

On software GL (Mesa llvmpipe) the cost of a frame is dominated by the number of vertices and
triangles, so the shader is kept short and a regular grid is drawn as joined triangle strips.
"""

from __future__ import annotations

import ctypes

import numpy as np
from OpenGL import GL
from OpenGL.GL import shaders as gl_shaders
from OpenGL.raw.GL.VERSION import GL_1_4 as raw_gl_1_4
from OpenGL.raw.GL.VERSION import GL_1_5 as raw_gl
from pyqtgraph.opengl.GLGraphicsItem import GLGraphicsItem
from PySide6.QtGui import QOpenGLContext

# Generic attribute locations, bound before linking; 0 must always come from an array (a_xy does).
_ATTRIBUTES = {"a_xy": (0, 2), "a_z": (1, 1), "a_normal": (2, 3), "a_color": (3, 4)}
_INDEX_BUFFERS = ("triangles", "lines")
# Drawn from the CPU, no buffer: "fans", (R,) int32 vertex counts of triangle fans laid one after
# another in the vertex buffers (GL_TRIANGLE_FAN, one glMultiDrawArrays call for all of them).
_FANS = "fans"
_WHITE = (1.0, 1.0, 1.0, 1.0)

_VERTEX_SHADER = """
attribute vec2 a_xy;
attribute float a_z;
attribute vec3 a_normal;
attribute vec4 a_color;
uniform mat4 u_mvp;
uniform mat4 u_modelview;
uniform mat3 u_normal;
uniform float u_z0;
uniform float u_zscale;
varying vec3 v_normal;
varying vec4 v_color;
varying float v_t;
varying vec3 v_eye;
void main() {
    v_normal = u_normal * a_normal;
    v_eye = (u_modelview * vec4(a_xy, a_z, 1.0)).xyz;
    v_color = a_color;
    v_t = (a_z - u_z0) * u_zscale;
    gl_Position = u_mvp * vec4(a_xy, a_z, 1.0);
}
"""

# Lighting in eye space (x right, y up, z towards the viewer), so the surface stays lit from the
# upper left however the camera turns: a key light, a weaker fill and a faint highlight. Two-sided:
# the normals point to the side the triangles face, and a face seen from behind is lit like the front.
# Flat (u_flat): each fragment's normal is that of the plane it lies on, from the screen-space
# derivatives of its eye-space position, turned towards the viewer: planar facets need no normals.
_FRAGMENT_SHADER = """
uniform sampler2D u_colormap;
uniform float u_by_height;
uniform float u_lines;
uniform float u_flat;
uniform vec4 u_line_color;
varying vec3 v_normal;
varying vec4 v_color;
varying float v_t;
varying vec3 v_eye;
void main() {
    if (u_lines > 0.5) {
        gl_FragColor = u_line_color;
        return;
    }
    vec3 base = v_color.rgb;
    if (u_by_height > 0.5) {
        base = texture2D(u_colormap, vec2(clamp(v_t, 0.0, 1.0) * (255.0 / 256.0) + 0.5 / 256.0, 0.5)).rgb;
    }
    vec3 n;
    if (u_flat > 0.5) {
        n = normalize(cross(dFdx(v_eye), dFdy(v_eye)));
        if (dot(n, v_eye) > 0.0) n = -n;
    } else {
        n = normalize(v_normal);
        if (!gl_FrontFacing) n = -n;
    }
    vec3 key = normalize(vec3(-0.75, 0.45, 0.45));
    vec3 fill = normalize(vec3(0.60, 0.20, 0.60));
    float diffuse = 0.85 * max(dot(n, key), 0.0) + 0.25 * max(dot(n, fill), 0.0);
    float specular = 0.10 * pow(max(dot(n, normalize(key + vec3(0.0, 0.0, 1.0))), 0.0), 40.0);
    gl_FragColor = vec4(min(base * (0.22 + diffuse) + vec3(specular), vec3(1.0)), 1.0);
}
"""


class _Program:
    """The linked shader program, its uniform locations and the colormap texture of one GL share group."""

    def __init__(self, colormap: np.ndarray):
        context = QOpenGLContext.currentContext()
        if context.isOpenGLES():
            header = "#version 100\nprecision mediump float;\n"
            fragment_header = (
                "#version 100\n#extension GL_OES_standard_derivatives : enable\nprecision mediump float;\n"
            )
        else:
            header = fragment_header = "#version 120\n"
        program = gl_shaders.compileProgram(
            gl_shaders.compileShader([header, _VERTEX_SHADER], GL.GL_VERTEX_SHADER),
            gl_shaders.compileShader([fragment_header, _FRAGMENT_SHADER], GL.GL_FRAGMENT_SHADER),
            validate=False,  # validation needs the texture bound; it is, when drawing
        )
        for name, (location, _size) in _ATTRIBUTES.items():
            GL.glBindAttribLocation(program, location, name)
        GL.glLinkProgram(program)
        self.id = program
        names = (
            "u_mvp",
            "u_modelview",
            "u_normal",
            "u_z0",
            "u_zscale",
            "u_colormap",
            "u_by_height",
            "u_lines",
            "u_flat",
            "u_line_color",
        )
        self.uniforms = {name: GL.glGetUniformLocation(program, name) for name in names}
        self.colormap = GL.glGenTextures(1)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.colormap)
        for parameter, value in (
            (GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR),
            (GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR),
            (GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE),
            (GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE),
        ):
            GL.glTexParameteri(GL.GL_TEXTURE_2D, parameter, value)
        lut = np.ascontiguousarray(colormap, dtype=np.uint8)
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA, len(lut), 1, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, lut)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)


class ShadedMesh(GLGraphicsItem):
    """Lit triangles from separate vertex buffers: x,y (float32 pairs), z, normals, colours (uint8 RGBA).

    Set arrays with `set_arrays`; each array that is not the very object already held is uploaded at
    the next paint. Colours None: the triangles are coloured by height through `colormap`, mapped over
    `set_height_range`. `primitive` is GL_TRIANGLES or GL_TRIANGLE_STRIP for the "triangles" index
    buffer; or, instead of it, "fans" gives the vertex counts of triangle fans laid one after another.
    The optional "lines" index buffer (GL_LINES pairs) is drawn over the faces when shown. Normals
    None: with `flat`, each facet is lit by its own plane (planar polygons, such as linear regions).
    """

    _programs: dict[int, _Program] = {}  # by GL share group: programs and textures are shared within one

    def __init__(
        self, colormap: np.ndarray, line_color: tuple[float, float, float, float], flat: bool = False
    ):
        super().__init__()
        self.setGLOptions("opaque")
        self._colormap = colormap
        self._line_color = line_color
        self._arrays: dict[str, np.ndarray | None] = dict.fromkeys((*_ATTRIBUTES, *_INDEX_BUFFERS, _FANS))
        self._flat = flat
        self._fans: tuple[np.ndarray, np.ndarray] | None = None  # int32 (first vertices, counts)
        self._dirty: set[str] = set()
        self._buffers: dict[str, int] = {}
        self._sizes: dict[str, int] = {}
        self._primitive = GL.GL_TRIANGLES
        self._z_range = (0.0, 1.0)
        self._lines_visible = False

    # --- data ------------------------------------------------------------------------------------
    def set_arrays(self, primitive: int | None = None, **arrays: np.ndarray | None) -> None:
        """Replace some of a_xy, a_z, a_normal, a_color, triangles, fans, lines (None drops an array)."""
        self._store(primitive, **arrays)
        self.update()

    def _store(self, primitive: int | None = None, **arrays: np.ndarray | None) -> None:
        """set_arrays without asking for a frame: what prepare() uses, being called from paint."""
        for name, array in arrays.items():
            if name not in self._arrays:
                raise KeyError(f"unknown array {name!r}")
            if array is not self._arrays[name]:
                self._arrays[name] = array
                if name == _FANS:
                    self._fans = None if array is None else _fan_firsts_and_counts(array)
                else:
                    self._dirty.add(name)
        if primitive is not None:
            self._primitive = primitive

    def set_height_range(self, zmin: float, zmax: float) -> None:
        """Heights from zmin to zmax span the colormap (when there are no colours)."""
        if (zmin, zmax) != self._z_range:
            self._z_range = (zmin, zmax)
            self.update()

    def height_range(self) -> tuple[float, float]:
        return self._z_range

    def colormap_texture(self) -> int:
        """The GL name of the colormap texture (context current)."""
        return self._program().colormap

    def set_lines_visible(self, visible: bool) -> None:
        self._lines_visible = visible
        self.update()

    def lines_visible(self) -> bool:
        return self._lines_visible

    def array(self, name: str) -> np.ndarray | None:
        """The array held for `name` (uploaded at the next paint if it is new)."""
        return self._arrays[name]

    def read_buffer(self, name: str, dtype: type, columns: int) -> np.ndarray:
        """What the GPU holds for `name` (context current): a check that uploads carry the right data."""
        size = self._sizes[name]
        target = GL.GL_ELEMENT_ARRAY_BUFFER if name in _INDEX_BUFFERS else GL.GL_ARRAY_BUFFER
        GL.glBindBuffer(target, self._buffers[name])
        raw = GL.glGetBufferSubData(target, 0, size)
        GL.glBindBuffer(target, 0)
        data = np.frombuffer(bytes(raw), dtype=dtype)
        return data.reshape(-1, columns) if columns > 1 else data

    # --- drawing ---------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Called at the start of paint: subclasses hand over arrays they build lazily."""

    def paint(self) -> None:
        self.prepare()
        if self._arrays["a_xy"] is None or (
            self._arrays["triangles"] is None and self._arrays[_FANS] is None
        ):
            return
        self.setupGLState()
        self._upload()
        program = self._program()
        u = program.uniforms
        GL.glUseProgram(program.id)
        GL.glUniformMatrix4fv(u["u_mvp"], 1, False, np.array(self.mvpMatrix().data(), dtype=np.float32))
        modelview = self.modelViewMatrix()
        GL.glUniformMatrix4fv(u["u_modelview"], 1, False, np.array(modelview.data(), dtype=np.float32))
        normal = modelview.normalMatrix()
        GL.glUniformMatrix3fv(u["u_normal"], 1, False, np.array(normal.data(), dtype=np.float32))
        zmin, zmax = self._z_range
        GL.glUniform1f(u["u_z0"], zmin)
        GL.glUniform1f(u["u_zscale"], 1.0 / (zmax - zmin) if zmax > zmin else 0.0)
        by_height = self._arrays["a_color"] is None
        GL.glUniform1f(u["u_by_height"], 1.0 if by_height else 0.0)
        GL.glUniform1f(u["u_lines"], 0.0)
        GL.glUniform1f(u["u_flat"], 1.0 if self._flat else 0.0)
        GL.glUniform1i(u["u_colormap"], 0)
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_2D, program.colormap)
        enabled = self._bind_attributes()
        # Push the faces slightly back so lines drawn on the surface (its own, creases, the
        # trajectory) win the depth test.
        GL.glEnable(GL.GL_POLYGON_OFFSET_FILL)
        GL.glPolygonOffset(1.0, 1.0)
        if self._fans is not None:
            self._draw_fans()
        else:
            self._draw("triangles", self._primitive)
        GL.glDisable(GL.GL_POLYGON_OFFSET_FILL)
        GL.glPolygonOffset(0.0, 0.0)
        if self._lines_visible and self._arrays["lines"] is not None:
            GL.glUniform1f(u["u_lines"], 1.0)
            GL.glUniform4f(u["u_line_color"], *self._line_color)
            GL.glEnable(GL.GL_BLEND)
            GL.glBlendFunc(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)
            self._draw("lines", GL.GL_LINES)
            GL.glDisable(GL.GL_BLEND)
        for location in enabled:
            GL.glDisableVertexAttribArray(location)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, 0)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        GL.glUseProgram(0)

    def release_buffers(self) -> None:
        """Delete the GL buffers (the item's view context must be current)."""
        if self._buffers:
            GL.glDeleteBuffers(len(self._buffers), list(self._buffers.values()))
        self._buffers.clear()
        self._sizes.clear()
        self._dirty = {name for name, a in self._arrays.items() if a is not None and name != _FANS}

    def _program(self) -> _Program:
        group = id(QOpenGLContext.currentContext().shareGroup())
        program = self._programs.get(group)
        if program is None:
            program = self._programs[group] = _Program(self._colormap)
        return program

    def _upload(self) -> None:
        for name in self._dirty:
            array = self._arrays[name]
            if array is None:
                continue
            target = GL.GL_ELEMENT_ARRAY_BUFFER if name in _INDEX_BUFFERS else GL.GL_ARRAY_BUFFER
            if name not in self._buffers:
                self._buffers[name] = int(GL.glGenBuffers(1))
            GL.glBindBuffer(target, self._buffers[name])
            data = np.ascontiguousarray(array)
            # The raw entry points with the array's address: PyOpenGL's array handling took 75 µs a call.
            pointer = ctypes.c_void_p(data.__array_interface__["data"][0])
            if self._sizes.get(name) == data.nbytes:
                raw_gl.glBufferSubData(target, 0, data.nbytes, pointer)
            else:
                raw_gl.glBufferData(target, data.nbytes, pointer, GL.GL_DYNAMIC_DRAW)
                self._sizes[name] = data.nbytes
            GL.glBindBuffer(target, 0)
        self._dirty.clear()

    def _bind_attributes(self) -> list[int]:
        enabled = []
        for name, (location, size) in _ATTRIBUTES.items():
            array = self._arrays[name]
            if array is None:
                if name == "a_color":
                    GL.glVertexAttrib4f(location, *_WHITE)
                elif name == "a_normal":
                    GL.glVertexAttrib3f(location, 0.0, 0.0, 1.0)
                continue
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self._buffers[name])
            if array.dtype == np.uint8:
                GL.glVertexAttribPointer(location, size, GL.GL_UNSIGNED_BYTE, True, 0, None)
            else:
                GL.glVertexAttribPointer(location, size, GL.GL_FLOAT, False, 0, None)
            GL.glEnableVertexAttribArray(location)
            enabled.append(location)
        return enabled

    def _draw_fans(self) -> None:
        firsts, counts = self._fans
        # The raw entry point with the arrays' addresses (PyOpenGL's array handling is slow).
        raw_gl_1_4.glMultiDrawArrays(
            GL.GL_TRIANGLE_FAN,
            ctypes.c_void_p(firsts.__array_interface__["data"][0]),
            ctypes.c_void_p(counts.__array_interface__["data"][0]),
            len(counts),
        )

    def _draw(self, name: str, primitive: int) -> None:
        indices = self._arrays[name]
        GL.glBindBuffer(GL.GL_ELEMENT_ARRAY_BUFFER, self._buffers[name])
        GL.glDrawElements(primitive, indices.size, GL.GL_UNSIGNED_INT, None)
        GL.glBindBuffer(GL.GL_ELEMENT_ARRAY_BUFFER, 0)


def _fan_firsts_and_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first vertex and the vertex count of each fan, int32 and contiguous as GL reads them."""
    counts = np.ascontiguousarray(counts, dtype=np.int32)
    return np.cumsum(counts, dtype=np.int32) - counts, counts


def grid_strip_indices(n: int) -> np.ndarray:
    """uint32 indices drawing the n×n grid (vertex (i, j) = i·n + j) as one GL_TRIANGLE_STRIP.

    Strip j runs down columns j and j+1, alternating v[i, j], v[i, j+1]: its triangles are exactly
    core.grid.grid_faces's, same diagonals, same winding. Strips are joined by repeating the last
    index of one and the first of the next, which makes degenerate triangles that rasterise to
    nothing and keeps every strip on an even position, so its winding stays the same.
    n² vertices, 2n(n−1) + 2(n−2) indices instead of 6(n−1)².
    """
    if n < 2:
        raise ValueError(f"n: expected at least 2, got {n}")
    i = np.arange(n, dtype=np.uint32)[None, :]
    j = np.arange(n - 1, dtype=np.uint32)[:, None]
    strips = np.empty((n - 1, 2 * n + 2), dtype=np.uint32)
    strips[:, 0 : 2 * n : 2] = i * n + j
    strips[:, 1 : 2 * n : 2] = i * n + j + 1
    strips[:, 2 * n] = strips[:, 2 * n - 1]  # repeat the last index of this strip ...
    strips[:-1, 2 * n + 1] = strips[1:, 0]  # ... and the first of the next one
    return strips.reshape(-1)[:-2]


def grid_line_indices(n: int) -> np.ndarray:
    """uint32 GL_LINES index pairs of the grid's rows and columns (vertex (i, j) = i·n + j)."""
    if n < 2:
        raise ValueError(f"n: expected at least 2, got {n}")
    v = np.arange(n * n, dtype=np.uint32).reshape(n, n)
    along_j = np.stack([v[:, :-1], v[:, 1:]], axis=-1).reshape(-1)
    along_i = np.stack([v[:-1, :], v[1:, :]], axis=-1).reshape(-1)
    return np.concatenate([along_j, along_i])
