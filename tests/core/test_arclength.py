"""Closed-form arc lengths against scipy's elliptic integrals and independent quadrature."""

import numpy as np
import pytest

from nnsurface.core.arclength import (
    carlson_rf_rd,
    duplication_steps,
    ellipeinc,
    ellipse_arcs,
    sinusoid_variations,
)

special = pytest.importorskip("scipy.special")
integrate = pytest.importorskip("scipy.integrate")


def _log_uniform(rng, lo, hi, n):
    return 10.0 ** rng.uniform(lo, hi, n)


def test_carlson_matches_scipy_over_wide_argument_ranges():
    rng = np.random.default_rng(0)
    n = 4000
    x = _log_uniform(rng, -30, 3, n)
    y = _log_uniform(rng, -30, 3, n)
    z = _log_uniform(rng, -30, 3, n)
    x[:100] = 0.0  # one zero argument is allowed
    rf, rd = carlson_rf_rd(x, y, z)
    assert np.max(np.abs(rf / special.elliprf(x, y, z) - 1)) < 4e-15
    assert np.max(np.abs(rd / special.elliprd(x, y, z) - 1)) < 4e-15


@pytest.mark.parametrize("m_kind", ["uniform", "near_one", "one", "zero", "tiny"], ids=lambda k: f"m={k}")
@pytest.mark.parametrize("phi_range", [(-1.5, 1.5), (-25.0, 25.0), (1.5, 1.5708), (-1e-3, 1e-3)])
def test_ellipeinc_matches_scipy(m_kind, phi_range):
    rng = np.random.default_rng(1)
    n = 3000
    phi = rng.uniform(*phi_range, n)
    m = {
        "uniform": rng.uniform(0, 1, n),
        "near_one": 1 - _log_uniform(rng, -17, -1, n),
        "one": np.ones(n),
        "zero": np.zeros(n),
        "tiny": _log_uniform(rng, -17, -1, n),
    }[m_kind]
    ref = special.ellipeinc(phi, m)
    got = ellipeinc(phi, m)
    assert got.shape == phi.shape
    # Relative error; near m = 1 the periodic part 2k·E(m) carries a few ulps times log(1/cos φ).
    assert np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)) < 5e-14


def test_ellipeinc_at_multiples_of_half_pi_and_m_one():
    k = np.arange(-8, 9)
    got = ellipeinc(k * np.pi / 2, np.ones(k.size))
    np.testing.assert_allclose(got, k, rtol=0, atol=1e-13)  # E(kπ/2 | 1) = k


def test_duplication_steps_grow_as_arguments_spread():
    assert (
        duplication_steps(1.0)
        <= duplication_steps(1e-3)
        <= duplication_steps(1e-30)
        <= duplication_steps(0.0)
    )


def _quad_length(a_vec, b_vec, t0, t1):
    def speed(t):
        return np.linalg.norm(-a_vec * np.sin(t) + b_vec * np.cos(t))

    # Split at the points of least speed, where a flat ellipse has a kink.
    pts = np.linspace(t0, t1, 65)
    return sum(
        integrate.quad(speed, lo, hi, epsabs=1e-16, epsrel=1e-13, limit=200)[0]
        for lo, hi in zip(pts[:-1], pts[1:], strict=True)
    )


def _gram(a_vec, b_vec):
    return np.array([[[a_vec @ a_vec], [b_vec @ b_vec], [a_vec @ b_vec]]])


@pytest.mark.parametrize("case", range(8))
def test_ellipse_arc_length_matches_quadrature(case):
    rng = np.random.default_rng(10 + case)
    a_vec = rng.normal(size=3)
    b_vec = rng.normal(size=3)
    if case == 5:
        b_vec = -0.7 * a_vec  # a segment traversed back and forth (m = 1)
    if case == 6:
        b_vec = 1e-9 * rng.normal(size=3) + 2 * a_vec  # nearly flat
    if case == 7:
        b_vec = np.array([-a_vec[1], a_vec[0], 0.0])  # a circle (m = 0)
        a_vec[2] = 0.0
    t0 = rng.uniform(-7, 7)
    t1 = t0 + rng.uniform(0, 13)
    got = ellipse_arcs(_gram(a_vec, b_vec), np.array([t0]), np.array([t1])).length[0, 0]
    assert got == pytest.approx(_quad_length(a_vec, b_vec, t0, t1), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("minor", [0.0, 1e-9, 3e-8, 1e-7, 3e-7, 1e-6, 1e-4])
def test_nearly_flat_ellipse_arcs(minor):
    # Semi-axes 2 and `minor`: around minor² = 1e-14 the arc switches to the segment formula.
    a_vec, b_vec = np.array([2.0, 0.0, 0.0]), np.array([0.0, minor, 0.0])
    rot = np.linalg.qr(np.random.default_rng(4).normal(size=(3, 3)))[0]
    a_vec, b_vec = rot @ a_vec, rot @ b_vec
    for t0, t1 in ((0.3, 1.2), (-1.0, 2.5), (0.2, 9.0), (1.5707963, 1.5707964)):
        got = ellipse_arcs(_gram(a_vec, b_vec), np.array([t0]), np.array([t1])).length[0, 0]
        assert got == pytest.approx(_quad_length(a_vec, b_vec, t0, t1), rel=1e-12, abs=1e-15)


def test_ellipse_arc_of_zero_velocity_is_zero():
    arcs = ellipse_arcs(np.zeros((2, 3, 1)), np.array([0.0, 1.0]), np.array([1.0, 7.0]), gradient=True)
    assert np.all(arcs.length == 0)
    assert np.all(arcs.g_aa == 0) and np.all(arcs.g_bb == 0)


def test_full_ellipse_perimeter_closed_form():
    # Perimeter of an ellipse with semi-axes 3 and 2 is 4·3·E(1 − 4/9).
    a_vec, b_vec = np.array([3.0, 0.0]), np.array([0.0, 2.0])
    got = ellipse_arcs(_gram(a_vec, b_vec), np.array([0.3]), np.array([0.3 + 2 * np.pi])).length[0, 0]
    assert got == pytest.approx(12 * special.ellipe(1 - 4 / 9), rel=1e-14)


@pytest.mark.parametrize("case", range(6))
def test_ellipse_arc_gradient_matches_central_differences(case):
    rng = np.random.default_rng(30 + case)
    a_vec = rng.normal(size=3)
    b_vec = rng.normal(size=3) if case < 4 else 1.5 * a_vec + (case == 5) * 1e-3 * rng.normal(size=3)
    t0 = rng.uniform(-3, 3)
    t1 = t0 + rng.uniform(0.1, 9)

    def length(a, b):
        return ellipse_arcs(_gram(a, b), np.array([t0]), np.array([t1])).length[0, 0]

    arcs = ellipse_arcs(_gram(a_vec, b_vec), np.array([t0]), np.array([t1]), gradient=True)
    grad_a = arcs.g_aa[0, 0] * a_vec + arcs.g_ab[0, 0] * b_vec
    grad_b = arcs.g_ba[0, 0] * a_vec + arcs.g_bb[0, 0] * b_vec
    h = 1e-6
    for i in range(3):
        e = np.zeros(3)
        e[i] = h
        fd_a = (length(a_vec + e, b_vec) - length(a_vec - e, b_vec)) / (2 * h)
        fd_b = (length(a_vec, b_vec + e) - length(a_vec, b_vec - e)) / (2 * h)
        assert grad_a[i] == pytest.approx(fd_a, rel=1e-6, abs=1e-7)
        assert grad_b[i] == pytest.approx(fd_b, rel=1e-6, abs=1e-7)


def test_sinusoid_variation_matches_dense_sampling_and_its_gradient():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=40), rng.normal(size=40)
    t0 = rng.uniform(-10, 10, 40)
    t1 = t0 + rng.uniform(0, 12, 40)
    var = sinusoid_variations(a, b, t0, t1, gradient=True)
    for i in range(40):
        t = np.linspace(t0[i], t1[i], 200001)
        f = a[i] * np.cos(t) + b[i] * np.sin(t)
        assert var.variation[i] == pytest.approx(np.abs(np.diff(f)).sum(), rel=1e-8)
    h = 1e-7
    fd_a = (
        sinusoid_variations(a + h, b, t0, t1).variation - sinusoid_variations(a - h, b, t0, t1).variation
    ) / (2 * h)
    fd_b = (
        sinusoid_variations(a, b + h, t0, t1).variation - sinusoid_variations(a, b - h, t0, t1).variation
    ) / (2 * h)
    np.testing.assert_allclose(var.d_a, fd_a, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(var.d_b, fd_b, rtol=1e-6, atol=1e-7)


def test_constant_sinusoid_has_zero_variation_and_zero_gradient():
    var = sinusoid_variations(np.zeros(1), np.zeros(1), np.zeros(1), np.full(1, 5.0), gradient=True)
    assert var.variation[0] == 0 and var.d_a[0] == 0 and var.d_b[0] == 0
