"""The pages of Gradient Lab as plain data: the router (app.py) and the Home page's cards both read this list.

Only pages whose file exists are listed, so the navigation never offers a page that is not there yet.

The page scripts live in ``views/``, not ``pages/``: Streamlit treats a ``pages/`` folder beside the entrypoint as a
legacy (v1) multipage app until app.py has run once, so on a freshly started server a shared link such as
``/derivative`` would run that page's script alone, without app.py's router and frame, and list every file of the
folder in the sidebar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

__all__ = ["PAGES", "SCENARIOS", "SECTIONS", "PageInfo", "Scenario", "scenario_query", "view_link"]

SECTIONS = ("Calculus", "Optimization")
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class PageInfo:
    """One page: its script under ``views/``, the sidebar ``section`` ("" for Home), a title, icon and blurb."""

    path: str
    section: str
    title: str
    icon: str
    blurb: str
    url_path: str


_PLANNED: tuple[PageInfo, ...] = (
    PageInfo("views/home.py", "", "Home", ":material/home:", "What Gradient Lab is, and a formula preview.", "home"),
    PageInfo("views/derivative.py", "Calculus", "Derivative", ":material/show_chart:",
             "Tangent and secant, four finite-difference stencils side by side, and their error against the step h.",
             "derivative"),
    PageInfo("views/gradient.py", "Calculus", "Gradient", ":material/explore:",
             "Partial derivatives, the gradient arrow, level curves, a gradient field and the tangent plane "
             "of f(x1, x2).",
             "gradient"),
    PageInfo("views/jacobian.py", "Calculus", "Jacobian", ":material/grid_on:",
             "F: R² → R² near a point: J, det J and singular values, a grid and a circle under F "
             "and under its linear map, a warp animation; Rⁿ → Rᵐ Jacobian tables.", "jacobian"),
    PageInfo("views/sgd.py", "Optimization", "SGD", ":material/trending_down:",
             "Logistic regression trained by SGD, the descent animated over the loss surface "
             "beside the decision boundary.",
             "sgd"),
    PageInfo("views/taylor.py", "Calculus", "Taylor", ":material/timeline:",
             "Taylor polynomials of f around x0 up to order 12, the remainder against the distance with slope "
             "n + 1, the radius of convergence, and x0 sliding along the curve.", "taylor"),
    PageInfo("views/hessian.py", "Calculus", "Hessian", ":material/blur_circular:",
             "Second derivatives of f(x1, x2): H exact and by differences, its eigenvectors as curvature axes, "
             "minimum, maximum, saddle or degenerate, and the quadratic model over f's contour.", "hessian"),
    PageInfo("views/backprop.py", "Optimization", "Backprop", ":material/account_tree:",
             "A typed f(x1, x2) as a computational graph: forward values and backward adjoints step by step, the "
             "chain rule summed over paths, and five ways computers differentiate side by side.", "backprop"),
    PageInfo("views/optimizers.py", "Optimization", "Optimizers", ":material/sports_score:",
             "GD, momentum, Nesterov, AdaGrad, RMSProp, Adam and Newton race from one start on a surface you choose "
             "or type, each rule's state drawn, learning rates tuned for a fair race.", "optimizers"),
    PageInfo("views/newton.py", "Optimization", "Newton", ":material/my_location:",
             "Newton's method: tangents to a root with the digits doubling, bisection beside it, the failure modes "
             "named; in 2-D Newton's path beside gradient descent's with the quadratic model.", "newton"),
    PageInfo("views/network.py", "Optimization", "Network", ":material/hub:",
             "A small neural network trained on 2-D data, TensorFlow Playground's controls: the decision surface and "
             "every neuron's output over the plane, step by step, and any weight's gradient by the chain rule.",
             "network"),
)
PAGES: tuple[PageInfo, ...] = tuple(p for p in _PLANNED if (ROOT / p.path).is_file())  # pages not yet built: absent


@dataclass(frozen=True)
class Scenario:
    """A named, prepared view: a page (its ``url_path``) and the URL parameters that set it up."""

    title: str
    url_path: str
    params: tuple[tuple[str, str], ...]
    blurb: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("Tutorial A: the derivative of (x+2)(x−6) at 5", "derivative",
             (("f", "(x+2)(x-6)"), ("x0", "5"), ("h", "1e-06"), ("method", "central")),
             "f′(5) = 6.000 by the central difference with h = 10⁻⁶."),
    Scenario("Tutorial B: the gradient at (−3, −2)", "gradient",
             (("f", "(x1+2)(x1-5) + (x2+1)(x2-3)"), ("x1", "-3"), ("x2", "-2"), ("scale", "0.1")),
             "∇f(−3, −2) = (−9, −6), drawn at a tenth of its length, perpendicular to the level curve."),
    Scenario("Tutorial C: SGD on logistic regression", "sgd",
             (("data", "tutorial"), ("n", "2000"), ("lr", "2"), ("steps", "500"), ("batch", "1")),
             "α = 2, 500 single-point steps from a random β0: the path over the loss surface."),
    Scenario("Learning rate too high", "sgd", (("data", "tutorial"), ("noise", "0.1"), ("lr", "20"), ("steps", "500")),
             "With noisy labels, α = 20 makes the loss climb and the accuracy jump around — named on the page."),
    Scenario("Saddle point", "gradient",
             (("f", "x1^2 - x2^2"), ("x1", "0.8"), ("x2", "0.3"), ("field", "true"),
              ("x1_range", "-2"), ("x1_range", "2"), ("x2_range", "-2"), ("x2_range", "2"), ("scale", "0.3")),
             "Uphill along x1, downhill along x2: the gradient field flows around the saddle at the origin."),
    Scenario("Ravine: why gradient descent zig-zags", "gradient",
             (("f", "0.1x1^2 + 5x2^2"), ("x1", "4"), ("x2", "1"), ("field", "true"),
              ("x1_range", "-5"), ("x1_range", "5"), ("x2_range", "-2"), ("x2_range", "2"), ("scale", "0.1")),
             "The gradient points almost straight across the ravine, not along it toward the minimum."),
    Scenario("Near a domain edge: ln x at 0.001", "derivative",
             (("f", "ln(x)"), ("x0", "0.001"), ("h", "0.01"), ("method", "central"),
              ("x_range", "-0.5"), ("x_range", "3")),
             "A step larger than the distance to the edge leaves the domain: the stencil must change."),
    Scenario("Adam vs momentum on Rosenbrock", "optimizers",
             (("f", "(1 - x1)^2 + 100(x2 - x1^2)^2"), ("x1", "-1.5"), ("x2", "2"), ("steps", "800"),
              ("methods", "Momentum"), ("methods", "Adam"), ("lr_momentum", "0.001"), ("lr_adam", "0.05"),
              ("inspect", "Adam"), ("t", "40")),
             "Momentum overshoots across the curved valley; Adam's per-coordinate steps follow it toward (1, 1)."),
    Scenario("Nesterov in a ravine", "optimizers",
             (("f", "0.1x1^2 + 5x2^2"), ("x1", "-4.5"), ("x2", "1.5"), ("steps", "100"),
              ("x1_range", "-5"), ("x1_range", "5"), ("x2_range", "-2"), ("x2_range", "2"),
              ("methods", "GD"), ("methods", "Momentum"), ("methods", "Nesterov"),
              ("lr_gd", "0.1"), ("lr_momentum", "0.1"), ("lr_nesterov", "0.1"), ("inspect", "Nesterov"), ("t", "3")),
             "κ = 50: gradient descent crawls, momentum swings across the ravine, Nesterov's look-ahead damps it."),
    Scenario("Newton finds the saddle", "optimizers",
             (("f", "x1^4 - 2x1^2 + x2^2"), ("x1", "0.3"), ("x2", "1.5"), ("steps", "60"),
              ("x1_range", "-2"), ("x1_range", "2"), ("x2_range", "-2"), ("x2_range", "2"),
              ("methods", "GD"), ("methods", "Adam"), ("methods", "Newton"), ("lr_gd", "0.05"), ("lr_adam", "0.05"),
              ("inspect", "Newton"), ("t", "1")),
             "Newton solves ∇f = 0 and lands on the saddle at (0, 0); gradient descent rolls off it to a minimum."),
    Scenario("Taylor series of ln x and its radius", "taylor",
             (("f", "ln(x)"), ("x0", "1"), ("order", "8"), ("x_range", "-0.5"), ("x_range", "3")),
             "Around 1 the polynomials hug ln x on (0, 2) and fly off beyond: the radius is 1, the distance to 0."),
    Scenario("A saddle's Hessian", "hessian",
             (("f", "x1^2 - x2^2"), ("x1", "0"), ("x2", "0"), ("x1_range", "-2"), ("x1_range", "2"),
              ("x2_range", "-2"), ("x2_range", "2")),
             "∇f = 0 and H = diag(2, −2): one eigenvalue of each sign, so the second-derivative test says saddle."),
    Scenario("Newton cycles", "newton",
             (("f", "x^3 - 2x + 2"), ("x0", "0"), ("steps", "12")),
             "From 0 the tangents send Newton to 1 and back to 0 forever: a cycle, named on the page."),
    Scenario("colah's example: the chain rule summed over paths", "backprop",
             (("f", "(x1 + x2)(x2 + 1)"), ("x1", "2"), ("x2", "1"), ("wrt", "x2")),
             "e = (a + b)(b + 1) at a = 2, b = 1: ∂e/∂b = 1·2 + 1·3 = 5, the two paths from b summed (+=)."),
    Scenario("xor needs a hidden layer", "network",
             (("data", "xor"), ("layers", "0"), ("lr", "0.3"), ("steps", "2000")),
             "With no hidden layer the network is logistic regression: no line beats chance by much on xor. "
             "Type 4 as the hidden layers and it bends the boundary around the quadrants."),
    Scenario("Spiral: depth and features", "network",
             (("data", "spiral"), ("features", "x1"), ("features", "x2"), ("features", "x1^2"), ("features", "x2^2"),
              ("features", "sin(x1)"), ("features", "sin(x2)"), ("layers", "8,8"), ("lr", "0.1"), ("steps", "5000")),
             "Squares and sines as inputs let two layers of 8 wind around the arms; with x1 and x2 alone, "
             "three layers of 8 are still near chance after 5,000 steps. Other seeds can get stuck: add a layer."),
    Scenario("Over-fitting: noise and a small training set", "network",
             (("data", "xor"), ("n", "80"), ("noise", "0.15"), ("layers", "8,8"), ("lr", "0.3"), ("steps", "6000"),
              ("batch", "5")),
             "40 training points, 15% of labels flipped: the training loss goes to 0 while the test loss climbs — "
             "named on the page. Try L2 λ₂ = 0.01."),
    Scenario("ReLU units that die", "network",
             (("data", "circle"), ("activation", "relu"), ("layers", "8,8"), ("lr", "3"), ("steps", "500")),
             "α = 3: a few large steps push most ReLU units to output 0 at every point; their gradient is 0 and "
             "they never come back. The page counts them."),
    Scenario("Jacobian of polar coordinates", "jacobian",
             (("mode", "plane"), ("preset", "polar"), ("x1", "2"), ("x2", "0.7")),
             "(r, θ) ↦ (r cos θ, r sin θ): J = [[cos θ, −r sin θ], [sin θ, r cos θ]], det J = r."),
)


def scenario_query(scenario: Scenario) -> str:
    """The scenario's query string, e.g. ``f=ln%28x%29&x0=0.001``."""
    return urlencode(scenario.params)


def view_link(page_url: str, params: Mapping[str, str | Sequence[str]]) -> str:
    """The URL that reopens the current view: the page's address and every control's value in the query string."""
    pairs = [(k, v) for k, values in params.items() for v in ([values] if isinstance(values, str) else values)]
    return f"{page_url}?{urlencode(pairs)}" if pairs else page_url
