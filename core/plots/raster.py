"""A filled contour as a picture: the background of an animated figure.

plotly.js redraws every trace of a figure on each animation frame that has ``redraw: true``, and a contour trace
blinks out while it is redrawn (with ``redraw: false`` it is not drawn at all): a race played over f's contour showed
the paths over an empty plot most of the time. A layout image is never touched by an animation. So the level sets
of f are painted here into an RGB array (bands between levels in a sequential colour scale, a darker pixel where the
band changes, so the level curves show) and sent as a PNG data URI, encoded with the standard library alone.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Sequence

import numpy as np

__all__ = ["banded_image", "finer", "level_curves", "palette_png_uri", "picture", "png_bytes", "png_data_uri",
           "sample_palette"]

LINE_DARKEN = 0.72  # a level curve's pixel: the band's colour times this (visible on the lightest band too)
UNDEFINED = (235, 235, 235)  # where f is nan or infinite: light grey, so no colour claims a value there


def _rgb(color: str) -> np.ndarray:
    """A colour written "#rrggbb" or "rgb(r, g, b)" as three floats 0 … 255."""
    if color.startswith("rgb"):
        return np.array([float(c) for c in color[color.index("(") + 1: color.index(")")].split(",")][:3])
    color = color.lstrip("#")
    return np.array([int(color[i: i + 2], 16) for i in (0, 2, 4)], dtype=float)


def sample_palette(colorscale: Sequence[tuple[float, str]], bands: int) -> np.ndarray:
    """``bands`` RGB colours (bands, 3) sampled evenly along a colour scale of (position, colour) stops."""
    positions = np.array([p for p, _ in colorscale], dtype=float)
    colors = np.stack([_rgb(c) for _, c in colorscale])
    at = (np.arange(bands) + 0.5) / bands
    return np.stack([np.interp(at, positions, colors[:, k]) for k in range(3)], axis=1)


def _bands(z: np.ndarray, levels: int) -> np.ndarray:
    """Each finite cell's band 0 … levels − 1 of equal width between z's finite minimum and maximum (-1 elsewhere)."""
    finite = np.isfinite(z)
    band = np.full(z.shape, -1)
    if finite.any():
        low, high = float(z[finite].min()), float(z[finite].max())
        scaled = (z[finite] - low) / (high - low) if high > low else np.zeros(int(finite.sum()))
        band[finite] = np.minimum((scaled * levels).astype(int), levels - 1)
    return band


def finer(z: np.ndarray, factor: int) -> np.ndarray:
    """``z`` (rows, columns) on a grid ``factor`` times finer, ((rows − 1)·factor + 1, (columns − 1)·factor + 1),
    by linear interpolation along each axis (a coarse grid's bands then have smooth edges; non-finite cells spread
    to their neighbours' interpolated cells, as nan)."""
    if factor == 1:
        return z

    def along(a: np.ndarray) -> np.ndarray:  # interpolate along axis 0
        n = a.shape[0]
        at = np.linspace(0, n - 1, (n - 1) * factor + 1)
        low = np.minimum(at.astype(int), n - 2)
        share = (at - low)[:, None]
        return a[low] * (1 - share) + a[low + 1] * share

    with np.errstate(invalid="ignore"):
        return along(along(z).T).T


def level_curves(z: np.ndarray, *, levels: int) -> np.ndarray:
    """Where ``z`` (rows, columns) crosses one of ``levels`` − 1 equally spaced levels between its finite minimum and
    maximum: a boolean mask of the cells whose band differs from their right or upper neighbour's (both finite)."""
    band = _bands(z, levels)
    edge = np.zeros(z.shape, dtype=bool)
    edge[:, :-1] |= (band[:, :-1] != band[:, 1:]) & (band[:, :-1] >= 0) & (band[:, 1:] >= 0)
    edge[:-1, :] |= (band[:-1, :] != band[1:, :]) & (band[:-1, :] >= 0) & (band[1:, :] >= 0)
    return edge


def banded_image(z: np.ndarray, *, levels: int, colorscale: Sequence[tuple[float, str]]) -> np.ndarray:
    """The picture of ``z`` (rows, columns) as ``levels`` equal bands between its finite minimum and maximum.

    Returns uint8 RGB of shape (rows, columns, 3), row 0 at the top: ``z`` row 0 (the lowest x2) becomes the bottom
    row, as on a plot whose vertical axis points up. Non-finite cells are UNDEFINED grey; the cells of
    :func:`level_curves` are darkened (LINE_DARKEN), which draws the level curves.
    """
    band = _bands(z, levels)
    image = np.empty(z.shape + (3,))
    image[:] = UNDEFINED
    finite = band >= 0
    image[finite] = sample_palette(colorscale, levels)[band[finite]]
    image[level_curves(z, levels=levels)] *= LINE_DARKEN
    return np.ascontiguousarray(image[::-1].round().astype(np.uint8))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(rgb: np.ndarray) -> bytes:
    """A PNG file of an RGB uint8 image (rows, columns, 3): 8-bit truecolour, no filter, zlib level 6 (the PNG
    specification's minimum: signature, IHDR, one IDAT, IEND)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb: need a (rows, columns, 3) uint8 array; got {rgb.dtype} {rgb.shape}")
    rows, columns, _ = rgb.shape
    scanlines = np.concatenate([np.zeros((rows, 1), dtype=np.uint8), rgb.reshape(rows, columns * 3)], axis=1)
    header = struct.pack(">IIBBBBB", columns, rows, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 6))
            + _chunk(b"IEND", b""))


def palette_png_uri(indices: np.ndarray, palette: np.ndarray) -> str:
    """A palette PNG (colour type 3, 8-bit indices into ``palette``, uint8 rows of RGB) of ``indices`` (rows,
    columns), row 0 at the top, as a data URI: a byte a pixel where the truecolour PNG takes three (banded pictures
    compress to about two thirds), zlib level 6 (level 9 takes 7× as long for 2% fewer bytes on these pictures)."""
    rows, columns = indices.shape
    scanlines = np.concatenate([np.zeros((rows, 1), np.uint8), indices.astype(np.uint8)], axis=1)
    header = struct.pack(">IIBBBBB", columns, rows, 8, 3, 0, 0, 0)
    png = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"PLTE", palette.tobytes())
           + _chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 6)) + _chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def png_data_uri(rgb: np.ndarray) -> str:
    """The image as a ``data:image/png;base64,…`` URI, what a Plotly layout image's ``source`` takes."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode("ascii")


def picture(rgb: np.ndarray, *, x: tuple[float, float], y: tuple[float, float], xref: str = "x",
            yref: str = "y") -> dict:
    """A Plotly layout image filling the data rectangle ``x`` = (low, high) × ``y`` = (low, high) of the axes
    ``xref``/``yref`` with ``rgb`` (row 0 at the top), under the traces."""
    return {"source": png_data_uri(rgb), "xref": xref, "yref": yref, "x": x[0], "y": y[1], "sizex": x[1] - x[0],
            "sizey": y[1] - y[0], "sizing": "stretch", "layer": "below"}
