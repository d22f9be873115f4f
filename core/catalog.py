"""The pages of Gradient Lab as plain data: the router (app.py) and the Home page's cards both read this list.

Only pages whose file exists are listed, so the navigation never offers a page that is not there yet.

The page scripts live in ``views/``, not ``pages/``: Streamlit treats a ``pages/`` folder beside the entrypoint as a
legacy (v1) multipage app until app.py has run once, so on a freshly started server a shared link such as
``/derivative`` would run that page's script alone, without app.py's router and frame, and list every file of the
folder in the sidebar.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PAGES", "PageInfo", "SECTIONS"]

SECTIONS = ("Calculus", "Optimization")


@dataclass(frozen=True)
class PageInfo:
    """One page: its script under ``views/``, the sidebar ``section`` ("" for Home), a title, icon and blurb."""

    path: str
    section: str
    title: str
    icon: str
    blurb: str
    url_path: str


PAGES: tuple[PageInfo, ...] = (
    PageInfo("views/home.py", "", "Home", ":material/home:", "What Gradient Lab is, and a formula preview.", "home"),
    PageInfo("views/derivative.py", "Calculus", "Derivative", ":material/show_chart:",
             "Tangent and secant, four finite-difference stencils side by side, and their error against the step h.",
             "derivative"),
    PageInfo("views/gradient.py", "Calculus", "Gradient", ":material/explore:",
             "Partial derivatives, the gradient arrow, level curves, a gradient field and the tangent plane of f(x1, x2).",
             "gradient"),
)
