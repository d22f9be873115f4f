"""The Optimizers page in words and formulas: each rule's update in LaTeX with the numbers of an inspected step, the
table of where each method ended, and what a quadratic's eigenvalues predict."""

from __future__ import annotations

import math

from core.optimizers import LABELS
from core.optimizers_lab import RaceStudy, StepDetail
from core.presentation import number

__all__ = ["quadratic_sentence", "race_rows", "run_warnings", "step_latex"]

FLAT = 1e-12  # |λ| below this (relative to the largest) counts as zero: SymPy's exact Hessian entries, as floats


def _v(values) -> str:
    """A 2-vector in LaTeX, four significant digits: \\begin{pmatrix}a\\\\b\\end{pmatrix}."""
    return r"\begin{pmatrix}" + r"\\".join(_n(v) for v in values) + r"\end{pmatrix}"


def _n(value: float) -> str:
    if not math.isfinite(value):
        return r"\text{" + number(value) + "}"
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\cdot 10^{{{int(exponent)}}}"
    return text


def _m(matrix) -> str:
    rows = [" & ".join(_n(v) for v in row) for row in matrix]
    return r"\begin{pmatrix}" + r"\\".join(rows) + r"\end{pmatrix}"


def _sub(t: int) -> str:
    return f"_{{{t}}}"


def step_latex(detail: StepDetail) -> list[str]:
    """The rule of ``detail.method`` as PyTorch writes it, then the same lines with step t's numbers (x_{t−1}, g,
    the state before and after, x_t). Returns LaTeX lines for st.latex, rule first."""
    t, lr, g, o = detail.t, detail.lr, detail.gradient, detail.options
    prev, cur = _sub(t - 1), _sub(t)
    head = rf"g{cur} = \nabla f(x{prev}) = {_v(g)},\quad x{prev} = {_v(detail.before)},\quad \mathrm{{lr}} = {_n(lr)}"
    lines = [head]
    method = detail.method
    if method == "gd":
        lines.append(rf"x{cur} = x{prev} - \mathrm{{lr}}\, g{cur} = {_v(detail.after)}")
    elif method in ("momentum", "nesterov"):
        mu = o["momentum"]
        b_before, b = detail.state_before["momentum_buffer"], detail.state_after["momentum_buffer"]
        buffer = (rf"b{cur} = g{cur} = {_v(b)}" if t == 1 else
                  rf"b{cur} = \mu\, b{prev} + g{cur} = {_n(mu)}\cdot{_v(b_before)} + {_v(g)} = {_v(b)}")
        lines.append(buffer)
        step = rf"b{cur}" if method == "momentum" else rf"(g{cur} + \mu\, b{cur})"
        lines.append(rf"x{cur} = x{prev} - \mathrm{{lr}}\, {step} = {_v(detail.after)}")
    elif method == "adagrad":
        s = detail.state_after["sum"]
        lines.append(rf"s{cur} = s{prev} + g{cur}^2 = {_v(s)},\quad "
                     rf"\frac{{\mathrm{{lr}}}}{{\sqrt{{s{cur}}} + \varepsilon}} = {_v(detail.step_size)}"
                     rf"\quad(\varepsilon = {_n(o['eps'])})")
        lines.append(rf"x{cur} = x{prev} - \frac{{\mathrm{{lr}}\, g{cur}}}{{\sqrt{{s{cur}}} + \varepsilon}} = "
                     rf"{_v(detail.after)}")
    elif method == "rmsprop":
        v = detail.state_after["square_avg"]
        lines.append(rf"v{cur} = \alpha\, v{prev} + (1 - \alpha)\, g{cur}^2 = {_v(v)}\quad(\alpha = {_n(o['alpha'])}),"
                     rf"\quad \frac{{\mathrm{{lr}}}}{{\sqrt{{v{cur}}} + \varepsilon}} = {_v(detail.step_size)}")
        lines.append(rf"x{cur} = x{prev} - \frac{{\mathrm{{lr}}\, g{cur}}}{{\sqrt{{v{cur}}} + \varepsilon}} = "
                     rf"{_v(detail.after)}")
    elif method == "adam":
        b1, b2 = o["betas"]
        m, v = detail.state_after["exp_avg"], detail.state_after["exp_avg_sq"]
        lines.append(rf"m{cur} = \beta_1 m{prev} + (1 - \beta_1) g{cur} = {_v(m)}\quad(\beta_1 = {_n(b1)})")
        lines.append(rf"v{cur} = \beta_2 v{prev} + (1 - \beta_2) g{cur}^2 = {_v(v)}\quad(\beta_2 = {_n(b2)})")
        lines.append(rf"\hat m{cur} = \frac{{m{cur}}}{{1 - \beta_1^{{{t}}}}} = {_v(m / (1 - b1**t))},\quad "
                     rf"\hat v{cur} = \frac{{v{cur}}}{{1 - \beta_2^{{{t}}}}} = {_v(v / (1 - b2**t))}")
        lines.append(rf"x{cur} = x{prev} - \frac{{\mathrm{{lr}}\, \hat m{cur}}}{{\sqrt{{\hat v{cur}}} + \varepsilon}} "
                     rf"= {_v(detail.after)}")
    elif method == "newton":
        lines.append(rf"H(x{prev}) = {_m(detail.hessian)},\quad \lambda(H) = {_v(detail.eigenvalues)}")
        lines.append(rf"x{cur} = x{prev} - \mathrm{{lr}}\, H^{{-1}} g{cur} = {_v(detail.after)}")
    return lines


def race_rows(study: RaceStudy) -> list[dict[str, object]]:
    """One row per method: its rate, where it ended, f there (and f − f*), the steps taken, when it arrived at a
    minimum (f − f* < 10⁻⁶ or within 10⁻³ of a known minimiser), and whether it diverged (and why)."""
    rows = []
    for path in study.trajectories:
        end = path.points[-1]
        arrived = study.arrived_at(path)
        row = {"method": path.label, "lr": path.lr, "x1": float(end[0]), "x2": float(end[1]),
               "f": float(path.values[-1])}
        if study.minimum is not None:
            row["f − f*"] = float(path.values[-1] - study.minimum)
        row.update({"steps": path.steps, "arrived at step": "—" if arrived is None else str(arrived),
                    "stopped": path.reason or ""})
        rows.append(row)
    return rows


def quadratic_sentence(study: RaceStudy) -> str | None:
    """What the Hessian's eigenvalues say, when f is a quadratic (H constant), as Markdown; None otherwise."""
    if study.eigenvalues is None:
        return None
    lam = study.eigenvalues
    shown = ", ".join(f"{v:.4g}" for v in lam)
    if study.quadratic is None:
        if lam[0] < -FLAT * max(abs(lam[-1]), 1.0):
            return (f"f is a quadratic whose Hessian has eigenvalues {shown}: one is negative, so f falls without "
                    "bound along its eigenvector and has no minimum; the methods run away (Newton goes to the "
                    "stationary point, a saddle or maximum).")
        return (f"f is a quadratic whose Hessian has eigenvalues {shown}: positive semidefinite, flat along the "
                "eigenvector with λ = 0. Along it f is constant (a whole line of minima) or linear (no minimum), and "
                "H is singular, so Newton's step is undefined; κ = λmax/λmin is infinite.")
    q = study.quadratic
    rate = {path.method: path.lr for path in study.trajectories}
    verdicts = []
    for method in ("gd", "momentum"):
        if method in rate:
            verdicts.append(f"{LABELS[method]} here runs at lr = {rate[method]:g}")
    return (f"**A quadratic**: H has eigenvalues λ = {shown}, condition number κ = λmax/λmin = {q.condition:.4g}. "
            f"Gradient descent is stable only for lr < 2/λmax = **{q.stable_lr:.4g}**; its best fixed rate "
            f"2/(λmin + λmax) = {q.gd_lr:.4g} shrinks the error by (κ − 1)/(κ + 1) = {q.gd_rate:.4f} a step. "
            f"Momentum's best setting (Goh, *Why Momentum Really Works*) is lr = (2/(√λmin + √λmax))² = "
            f"**{q.momentum_lr:.4g}** with μ = ((√κ − 1)/(√κ + 1))² = **{q.momentum:.4f}**, shrinking the error by "
            f"(√κ − 1)/(√κ + 1) = {q.momentum_rate:.4f} a step"
            + (f". {'; '.join(verdicts)}." if verdicts else "."))


def run_warnings(study: RaceStudy) -> list[tuple[str, str]]:
    """(method, Markdown) for each run that stopped (the step and what was not finite) or ended higher than it
    started (its rate too high for this surface: steps overshoot), to show beside that method's rate."""
    found = []
    for path in study.trajectories:
        if path.reason:
            found.append((path.method, f"**{path.label} stopped at step {path.diverged_at}**: {path.reason}."))
        elif path.values[-1] > path.values[0]:
            found.append((path.method, f"**{path.label} went uphill**: f rose from {path.values[0]:.4g} to "
                                       f"{path.values[-1]:.4g} in {path.steps} steps; its rate is too high here."))
    return found
