"""The Optimizers page's "Tune learning rates" tab (not a page of its own): a fair race, every method at its best
rate for this surface and start, and a button that takes those rates."""

import streamlit as st

from core.optimizers_lab import RaceStudy, tune_rates
from core.plots.optimizers import tuning_figure
from views.common import show_chart


@st.cache_resource(max_entries=16, show_spinner=False)  # shared read-only, like the race
def tuning(f, start, methods, steps, options):
    return tune_rates(f, start=start, methods=methods, steps=steps, options=dict(options))


def use_best(tuned):
    st.session_state.update({f"lr_{m}": best for m, best in zip(tuned.methods, tuned.best) if best is not None})


def show_tuning(result: RaceStudy, *, f: str, options: dict) -> None:
    """The tab's content for the race ``result`` of f = ``f`` (methods, start and steps as raced)."""
    methods = tuple(p.method for p in result.trajectories)
    with st.spinner("Tuning …"):
        tuned = tuning(f, result.start, methods, result.steps, tuple((m, options.get(m, ())) for m in methods))
    st.button("Use the best rates", on_click=use_best, args=(tuned,), icon=":material/tune:", type="primary")
    for cap in tuned.caps:
        st.info(cap.message, icon=":material/speed:")
    quadratic = result.quadratic
    show_chart(tuning_figure(tuned, minimum=result.minimum, stable_lr=quadratic.stable_lr if quadratic else None,
                             momentum_lr=quadratic.momentum_lr if quadratic else None),
               name="optimizers-tuning", theme=None, key="tuning_chart")
    st.caption(f"Each method ran {tuned.steps} steps from the same start at every rate of its grid; the star marks "
               "its lowest final f (ties go to the run that got there sooner). Crosses along the top: rates that "
               "diverged.")
