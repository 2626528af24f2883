"""Measurements on frequency responses (AutoCkt-style definitions).

`freq` is a 1-D array of frequencies (Hz, increasing), `h` the complex response (or its
magnitude where phase is not needed). Crossings are interpolated linearly in
(log10 f, dB), i.e. on a Bode plot. A crossing that does not exist gives None.
"""
from __future__ import annotations

import math

import numpy as np


def _prep(freq, h) -> tuple[np.ndarray, np.ndarray]:
    f = np.real(np.asarray(freq)).astype(float)
    h = np.asarray(h)
    if f.shape != h.shape or f.ndim != 1 or len(f) == 0:
        raise ValueError("freq and h must be 1-D arrays of the same non-zero length")
    order = np.argsort(f, kind="stable")
    return f[order], h[order]


def _db(h: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return 20.0 * np.log10(np.abs(h))


def _first_down_crossing(f: np.ndarray, db: np.ndarray, level_db: float) -> float | None:
    """First frequency where db goes from >= level to < level, interpolated on log f."""
    above = db >= level_db
    for i in range(len(f) - 1):
        if above[i] and not above[i + 1]:
            d0, d1 = db[i], db[i + 1]
            if not (math.isfinite(d0) and math.isfinite(d1)) or d0 == d1 or f[i] <= 0:
                return float(f[i + 1])
            t = (d0 - level_db) / (d0 - d1)
            lf = math.log10(f[i]) + t * (math.log10(f[i + 1]) - math.log10(f[i]))
            return float(10.0 ** lf)
    return None


def dc_gain_db(freq, h) -> float:
    """Gain in dB at the lowest frequency simulated (AutoCkt: |H(1 Hz)|)."""
    f, h = _prep(freq, h)
    return float(_db(h[:1])[0])


def dc_gain(freq, h) -> float:
    """Gain (V/V) at the lowest frequency simulated."""
    f, h = _prep(freq, h)
    return float(np.abs(h[0]))


def unity_gain_frequency(freq, h) -> float | None:
    """First downward crossing of |H| = 1 (0 dB); None if |H| never crosses it downward."""
    f, h = _prep(freq, h)
    return _first_down_crossing(f, _db(h), 0.0)


def f3db(freq, h) -> float | None:
    """First frequency where |H| falls 3.0103 dB (1/sqrt 2) below its low-frequency value."""
    f, h = _prep(freq, h)
    db = _db(h)
    return _first_down_crossing(f, db, float(db[0]) - 20.0 * math.log10(math.sqrt(2.0)))


def phase_deg(freq, h) -> np.ndarray:
    """Unwrapped phase in degrees, in frequency order."""
    f, h = _prep(freq, h)
    return np.degrees(np.unwrap(np.angle(h)))


def phase_margin(freq, h) -> float | None:
    """180 + phase lag at the unity-gain frequency, degrees; None without a unity crossing.

    The phase is unwrapped and taken relative to the low-frequency phase (so an inverting
    response, which starts at +-180 degrees, is treated like a non-inverting one): with a
    low-frequency phase of 0 this is AutoCkt's `180 + phase(UGBW)`.
    """
    f, h = _prep(freq, h)
    ugf = unity_gain_frequency(f, h)
    if ugf is None:
        return None
    ph = np.degrees(np.unwrap(np.angle(h)))
    ph = ph - ph[0]
    lf = np.log10(np.maximum(f, 1e-300))
    p = float(np.interp(math.log10(ugf), lf, ph))
    return 180.0 + p


def ac_summary(freq, h) -> dict[str, float | None]:
    """All of the above for one response: gain_db, ugbw, f3db, pm."""
    return {"gain_db": dc_gain_db(freq, h), "ugbw": unity_gain_frequency(freq, h),
            "f3db": f3db(freq, h), "pm": phase_margin(freq, h)}
