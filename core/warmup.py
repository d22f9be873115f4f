"""Everything the pages would otherwise import or build on first use, done once when the server starts.

A class opens the app together: a fresh server then runs many sessions' first runs in parallel threads, and anything
imported or built on first use can race. Seen here: Plotly's validators and JSON encoder look pandas up in
``sys.modules`` without importing it (``_plotly_utils.optional_imports.get_module(name, should_load=False)``), so
while one session's ``st.dataframe`` was importing pandas another session's ``st.plotly_chart`` found the
*partially initialised* module and failed (``AttributeError: partially initialized module 'pandas' has no attribute
'Series'``). PyArrow's pandas bridge likewise marks pandas as tried before its import has finished, and Plotly fills
its validator cache by editing shared parameter dictionaries.

app.py imports this module before anything else. The first run to get here imports it; Python's module lock makes
every other first run wait at that import until :func:`warm_up` has finished, so no page ever meets a half-imported
module or a half-filled cache. The import order is fixed (:data:`MODULES`), and the exercise touches the same paths
the pages do: a formula parsed, evaluated and differentiated, a figure with every trace type the pages draw turned
into JSON as ``st.plotly_chart`` does, and a table turned into Arrow IPC bytes as ``st.dataframe`` does.

pandas and pyarrow are Streamlit's dependencies, not core's: they are imported here only because the pages reach
them through Streamlit. This module never imports Streamlit (app.py imports Streamlit's own lazy modules itself).
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass

__all__ = ["MODULES", "READY", "WarmUp", "warm_up"]

MODULES: tuple[str, ...] = (
    # NumPy first (everything else builds on it), with the submodules it loads lazily (np.random: SGD's batches).
    "numpy", "numpy.random", "numpy.ma", "numpy.typing",
    # pandas before anything that peeks at sys.modules for it (Plotly, narwhals); then PyArrow and its pandas bridge,
    # which st.dataframe imports on its first table; PIL.Image is the other module Plotly's JSON encoder peeks at.
    "pandas", "pyarrow", "pyarrow.pandas_compat", "PIL.Image",
    # Plotly: the figure classes, subplots, the JSON engine and the tools st.plotly_chart imports inside the call.
    "plotly.graph_objects", "plotly.subplots", "plotly.colors", "plotly.io", "plotly.io._json", "plotly.tools",
    # SymPy and the app's own modules, in dependency order (core.expressions warms SymPy's caches at import).
    "sympy", "core.errors", "core.glyphs", "core.expressions", "core.symbolic", "core.differences", "core.logistic",
    "core.urlparams", "core.budget", "core.optimizers", "core.roots", "core.autodiff", "core.derivative_lab",
    "core.gradient_lab", "core.jacobian_lab", "core.sgd_lab", "core.presentation", "core.optimizers_lab",
    "core.newton_lab", "core.optimizer_text",
    "core.hessian_lab", "core.taylor_lab", "core.backprop_lab", "core.network", "core.network_lab", "core.catalog",
    "core.plots.style", "core.plots.raster",
    "core.plots.derivative", "core.plots.gradient", "core.plots.jacobian", "core.plots.sgd", "core.plots.optimizers",
    "core.plots.hessian", "core.plots.newton", "core.plots.taylor", "core.plots.backprop",
    "core.plots.network",
)


@dataclass(frozen=True)
class WarmUp:
    """What :func:`warm_up` did, for tests and logs.

    Attributes
    ----------
    modules : the modules imported, in order.
    slope : f'(5) of the exercise's f(x) = (x+2)(x-6), exactly (6).
    gradient : grad f(1, 2) of f(x1, x2) = x1^2 x2 + sin(x2), exactly (4, 1 + cos 2).
    figure : the exercise figure as ``st.plotly_chart`` sends it (Plotly JSON).
    table_bytes : size of the exercise table as Arrow IPC bytes, as ``st.dataframe`` sends it.
    """

    modules: tuple[str, ...]
    slope: float
    gradient: tuple[float, float]
    figure: str
    table_bytes: int


def warm_up(*, modules: tuple[str, ...] = MODULES) -> WarmUp:
    """Import ``modules`` in order, then run one tiny example through the paths the pages use.

    Parameters
    ----------
    modules : module names, imported in this order.

    Returns
    -------
    WarmUp
        What was imported and the exercise's results (checked by the tests against exact values).
    """
    for name in modules:
        importlib.import_module(name)
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go
    import plotly.io as pio
    import plotly.tools
    import pyarrow as pa
    from plotly.subplots import make_subplots

    from core import symbolic
    from core.expressions import parse

    f = parse("(x+2)(x-6)", ("x",))
    slope = float(symbolic.derivative(f).func(np.array([5.0]))[0])
    g = parse("x1^2 x2 + sin(x2)", ("x1", "x2"))
    gradient = symbolic.gradient(g).func(np.array([1.0]), np.array([2.0]))[:, 0]
    jacobian = symbolic.jacobian([parse("x1 cos(x2)", ("x1", "x2")), parse("x1 sin(x2)", ("x1", "x2"))])

    xs = np.linspace(-1.0, 1.0, 5)
    grid = np.add.outer(xs, xs) ** 2
    figure = make_subplots(rows=1, cols=2)
    figure.add_trace(go.Scatter(x=xs, y=f.func(xs), mode="lines+markers+text", name="f", line={"width": 3},
                                text=["a"] * 5, textfont={"size": 12}), row=1, col=1)
    figure.add_trace(go.Contour(x=xs, y=xs, z=grid, showscale=True, colorbar={"title": {"text": "f"}},
                                contours={"coloring": "heatmap"}, line={"width": 1}), row=1, col=2)
    figure.add_trace(go.Surface(x=xs, y=xs, z=jacobian.func(xs, xs)[0, 0] + grid))
    figure.update_layout(
        annotations=[{"x": 0, "y": 0, "ax": 10, "ay": 10, "text": "∇f", "showarrow": True, "font": {"size": 14}}],
        shapes=[{"type": "line", "x0": -1, "y0": 0, "x1": 1, "y1": 0, "line": {"width": 2}}],
        updatemenus=[{"type": "buttons", "buttons": [{"label": "Play", "method": "animate", "args": [None]}]}],
        sliders=[{"steps": [{"label": "0", "method": "animate", "args": [["0"]]}], "currentvalue": {"prefix": "t"},
                  "pad": {"t": 30}}],
        legend={"orientation": "h"}, xaxis={"title": {"text": "x"}}, yaxis={"title": {"text": "y"}},
        scene={"aspectmode": "cube"}, font={"size": 16}, hovermode="closest", height=320,
    )
    figure.frames = [go.Frame(name="0", data=[go.Scatter(x=xs, y=xs)])]
    spec = pio.to_json(plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True), validate=False)

    table = pa.Table.from_pandas(pd.DataFrame({"method": ["central", "forward"], "error": [1e-10, 1e-6]}))
    sink = pa.BufferOutputStream()
    with pa.RecordBatchStreamWriter(sink, table.schema) as writer:
        writer.write_table(table)
    json.loads(spec)  # the JSON is well formed
    return WarmUp(modules=modules, slope=slope, gradient=(float(gradient[0]), float(gradient[1])), figure=spec,
                  table_bytes=len(sink.getvalue().to_pybytes()))


READY: WarmUp = warm_up()
