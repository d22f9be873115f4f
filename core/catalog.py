"""The pages of Gradient Lab as plain data: the router (app.py) and the Home page's cards both read this list.

Only pages whose file exists are listed, so the navigation never offers a page that is not there yet.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PAGES", "PageInfo", "SECTIONS"]

SECTIONS = ("Calculus", "Optimization")


@dataclass(frozen=True)
class PageInfo:
    """One page: its script under ``pages/``, the sidebar ``section`` ("" for Home), a title, icon and blurb."""

    path: str
    section: str
    title: str
    icon: str
    blurb: str
    url_path: str


PAGES: tuple[PageInfo, ...] = (
    PageInfo("pages/home.py", "", "Home", ":material/home:", "What Gradient Lab is, and a formula preview.", "home"),
)
