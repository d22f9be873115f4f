"""Numbers as people read them: the tutorial's three decimals, scientific notation for errors, and words (never
"nan") for values that do not exist."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.derivative_lab import COMPLEX_STEP, FORWARD_MODE, DerivativeStudy, step_latex
from core.gradient_lab import GradientStudy
from core.optimizers import LABELS
from core.sgd_lab import SgdStudy

__all__ = ["GradientReadouts", "SgdReadouts", "complex_step_sentence", "gradient_readouts", "sgd_readouts",
           "headline_latex", "number", "study_table", "trend_sentence"]

NOT_APPLICABLE = "does not apply"
NO_STEP = "no step"


def number(value: float, *, digits: int = 3, scientific: bool = False) -> str:
    """``value`` with ``digits`` decimals (or significant digits in scientific notation); "undefined" for nan,
    "∞"/"−∞" for infinities; tiny and huge magnitudes switch to scientific notation by themselves.
    """
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if scientific or (value != 0 and not 1e-3 <= abs(value) < 1e7):
        return f"{value:.{digits}e}"
    return f"{value:.{digits}f}"


def _row(method: str, value: float, abs_error: float, rel_error: float, best_h: str, best_error: float) -> dict:
    return {
        "method": method,
        "estimate": number(value, digits=10),
        "absolute error": number(abs_error, digits=2, scientific=True),
        "relative error": number(rel_error, digits=2, scientific=True),
        "best h": best_h,
        "error at best h": number(best_error, digits=1, scientific=True),
    }


def study_table(study: DerivativeStudy) -> list[dict[str, str]]:
    """One row per stencil (its estimate at h, absolute and relative error, the best step over the sweep), then the
    complex step at h (or "does not apply" and why) and forward mode (dual numbers: no step)."""
    rows = [_row(e.method + (" ◀" if e.method == study.method else ""), e.value, e.abs_error, e.rel_error,
                 f"{e.best_step:.1e}", e.best_error) for e in study.estimates]
    cs = study.complex_step
    if cs.applicable:
        best_h = f"{cs.best_step:.1e}" if math.isfinite(cs.best_step) else "undefined"
        rows.append(_row(COMPLEX_STEP, cs.value, cs.abs_error, cs.rel_error, best_h, cs.best_error))
    else:
        rows.append({"method": COMPLEX_STEP, "estimate": _not_applicable(cs.reason), "absolute error": "—",
                     "relative error": "—", "best h": "—", "error at best h": "—"})
    fm = study.forward_mode
    rows.append(_row(FORWARD_MODE, fm.value, fm.abs_error, fm.rel_error, NO_STEP, fm.abs_error))
    return rows


def _not_applicable(reason: str | None) -> str:
    """The engine's sentence, led by "does not apply" unless it says so itself."""
    reason = reason or "f is not complex-analytic"
    return reason if NOT_APPLICABLE in reason.lower() else f"{NOT_APPLICABLE.capitalize()}: {reason}"


def complex_step_sentence(study: DerivativeStudy) -> str:
    """Why the complex step's curve stays flat at rounding level where every difference quotient blows up, or why it
    does not apply to this f."""
    if not study.complex_step.applicable:
        return _not_applicable(study.complex_step.reason) + "."
    return ("The complex step Im f(x0 + ih)/h subtracts nothing, so no digits cancel: its error stays at rounding "
            "level however tiny h is, while each difference quotient subtracts two nearly equal values of f and "
            "loses digits like ε/h.")


def headline_latex(study: DerivativeStudy) -> str:
    """f(x) = … and f′(x) = … side by side."""
    derivative = study.derivative_latex or r"\text{(not available)}"
    return rf"f(x) = {study.expression.latex} \qquad f'(x) = {derivative}"


def trend_sentence(study: DerivativeStudy) -> str:
    """The tutorial's reading of the sign of f′: increasing, decreasing or stationary at x0."""
    if study.trend == "undefined":
        return f"At x0 = {study.x0:g} the exact slope is undefined."
    sign = ">" if study.exact > 0 else "<" if study.exact < 0 else "="
    return f"At x0 = {study.x0:g}, f is **{study.trend}** (f′(x0) {sign} 0)."


@dataclass(frozen=True)
class GradientReadouts:
    """What the Gradient page prints: f in LaTeX, metric (label, value) pairs, and LaTeX lines with the numbers."""

    function: str
    metrics: tuple[tuple[str, str], ...]
    latex: tuple[str, ...]


def _vector(values) -> str:
    return r"\left(" + r",\ ".join(number(float(v)) for v in values) + r"\right)"


def _partial_line(study: GradientStudy, i: int) -> str:
    symbol = rf"\frac{{\partial f}}{{\partial x_{i + 1}}}"
    exact = rf" = {study.partial_latex[i]} = {number(float(study.exact[i]))}" if study.partial_latex[i] else ""
    numeric = (rf"\qquad \text{{{study.method}, }} h = {step_latex(study.step)}"
               rf"\text{{: }} {float(study.numeric[i]):.10g}")
    return f"{symbol}{exact}{numeric}"


def gradient_readouts(study: GradientStudy) -> GradientReadouts:
    """f, its partials (exact and numerical), |∇f|, and the directional derivative along u with steepest directions."""
    g, u, norm = study.best, study.direction, study.norm
    p = rf"\left({study.point[0]:g},\ {study.point[1]:g}\right)"
    ascent = _vector(g / norm) if norm > 0 else r"\text{none (}\nabla f = 0\text{)}"
    descent = _vector(-g / norm) if norm > 0 else ascent
    lines = (
        _partial_line(study, 0),
        _partial_line(study, 1),
        rf"\nabla f{p} = {_vector(g)}, \qquad \lVert \nabla f \rVert = {number(norm)}",
        rf"D_u f = \nabla f \cdot u = {_vector(g)} \cdot {_vector(u)} = {number(study.directional)}",
        (rf"\text{{steepest ascent }} \frac{{\nabla f}}{{\lVert \nabla f \rVert}} = {ascent}, "
         rf"\qquad \text{{steepest descent }} {descent}"),
    )
    metrics = (("f(x1, x2)", number(study.value)), ("∂f/∂x1", number(float(g[0]))), ("∂f/∂x2", number(float(g[1]))),
               ("|∇f|", number(norm)))
    return GradientReadouts(rf"f(x_1, x_2) = {study.expression.latex}", metrics, lines)


@dataclass(frozen=True)
class SgdReadouts:
    """The tutorial's printout (β, loss, accuracy), the update rule with numbers, the gradient check, and a
    caption for the spread of the mini-batch gradients."""

    metrics: tuple[tuple[str, str], ...]
    update_rule: str
    check: str
    check_passed: bool
    spread: str


def sgd_readouts(study: SgdStudy, *, tolerance: float) -> SgdReadouts:
    """Numbers as the tutorial prints them (three decimals), words where a value is not finite."""
    history, beta = study.history, study.final_beta
    names = ("β1", "β2", "bias b")[: len(beta)]
    metrics = (*((f"final {name}", number(float(v))) for name, v in zip(names, beta)),
               ("loss", number(float(history.losses[-1]), digits=4)),
               ("accuracy", number(float(history.accuracies[-1]))))
    batch = "x_i" if study.batch_size == 1 else rf"\frac{{1}}{{{study.batch_size}}}\sum_{{i \in B}} x_i"
    where = (rf"\beta_{{{int(history.steps[-1])}}} = {_vector(beta)}, "
             rf"\quad \nabla L(\beta) = {_vector(study.analytic)}")
    if study.optimizer == "gd":
        rule = (rf"\beta \leftarrow \beta - \alpha\, {batch}\,\big(\sigma(x_i \cdot \beta) - y_i\big), "
                rf"\quad \alpha = {study.lr:g}"
                rf"\qquad {where}")
    else:
        rule = _optimizer_rule(study, rf"g = {batch}\,\big(\sigma(x_i \cdot \beta) - y_i\big)", where)
    passed = bool(np.isfinite(study.check_error)) and study.check_error <= tolerance
    check = (f"Gradient check at the final β: the formula gives {_plain(study.analytic)}, central differences give "
             f"{_plain(study.numeric)}; relative difference {number(study.check_error, digits=1, scientific=True)}")
    return SgdReadouts(metrics, rule, check, passed, _spread_caption(study.spread))


# Each optimizer's rule on the SGD page, in its own symbols (PyTorch's rules: core.optimizers), as (its state's
# update, β's update), and the options it shows with their numbers. β is the page's weight vector and α its learning
# rate, so RMSProp's smoothing constant (PyTorch's alpha) is written ρ and Adam's decay rates (PyTorch's betas) ρ1, ρ2,
# as in Goodfellow, Bengio and Courville, *Deep Learning*, algorithms 8.5 and 8.7. Squares, roots and quotients act
# per coordinate.
_RULES = {
    "momentum": (r"b \leftarrow \mu\, b + g", r"\beta \leftarrow \beta - \alpha\, b"),
    "nesterov": (r"b \leftarrow \mu\, b + g", r"\beta \leftarrow \beta - \alpha\,(g + \mu\, b)"),
    "adagrad": (r"s \leftarrow s + g^2", r"\beta \leftarrow \beta - \frac{\alpha}{\sqrt{s} + \varepsilon}\, g"),
    "rmsprop": (r"v \leftarrow \rho\, v + (1 - \rho)\, g^2",
                r"\beta \leftarrow \beta - \frac{\alpha}{\sqrt{v} + \varepsilon}\, g"),
    "adam": (r"m \leftarrow \rho_1 m + (1 - \rho_1)\, g, \quad v \leftarrow \rho_2 v + (1 - \rho_2)\, g^2",
             r"\beta \leftarrow \beta - \alpha\, "
             r"\frac{m / (1 - \rho_1^{\,t})}{\sqrt{v / (1 - \rho_2^{\,t})} + \varepsilon}"),
}
_OPTION_SYMBOLS = {"momentum": r"\mu", "alpha": r"\rho", "betas": r"(\rho_1, \rho_2)", "eps": r"\varepsilon"}
_PYTORCH_NAMES = {"alpha": r"\ \text{(PyTorch's alpha)}", "betas": r"\ \text{(PyTorch's betas)}"}
_START = {"momentum": r"b = 0", "nesterov": r"b = 0", "adagrad": r"s = 0", "rmsprop": r"v = 0",
          "adam": r"m = v = 0,\ t = 1, 2, \dots"}


def _optimizer_rule(study: SgdStudy, gradient: str, where: str) -> str:
    """The chosen optimizer's update on four centred lines (each fits the page's width): the batch gradient g and
    the state's update; β's update; the method, α and its options as used (``study.options``); the final β and the
    gradient there."""
    options = [rf"{_OPTION_SYMBOLS[name]} = {_latex_value(value)}{_PYTORCH_NAMES.get(name, '')}"
               for name, value in study.options]
    numbers = r",\ ".join([rf"\alpha = {study.lr:g}", *options])
    state, step = _RULES[study.optimizer]
    lines = (rf"{gradient}, \quad {state}", step,
             rf"\text{{{LABELS[study.optimizer]}: }} {numbers},\ {_START[study.optimizer]}", where)
    return r"\begin{gathered} " + r" \\ ".join(lines) + r" \end{gathered}"


def _latex_value(value: object) -> str:
    """An option's value in LaTeX: 0.9, 10^{-8}, 1.5 \\cdot 10^{-8}, a pair (0.9, 0.999)."""
    if isinstance(value, tuple):
        return r"\left(" + ", ".join(_latex_value(v) for v in value) + r"\right)"
    text = f"{float(value):g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \cdot {power}"


def _spread_caption(spread: np.ndarray) -> str:
    """The batch gradients (k, d) around the full gradient: their count and standard deviation along β1."""
    deviation = number(float(np.std(spread[:, 0])), digits=2, scientific=True)
    return f"Spread of {len(spread)} batch gradients around the full gradient: standard deviation {deviation} along β1."


def _plain(values) -> str:
    return "(" + ", ".join(f"{float(v):.6g}" if math.isfinite(float(v)) else "undefined" for v in values) + ")"
