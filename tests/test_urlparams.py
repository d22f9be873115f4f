"""core.urlparams: link parameters are read leniently where the meaning is clear, refused with a reason otherwise."""

from __future__ import annotations

import pytest

from core.urlparams import (
    BoolParam,
    ChoiceParam,
    ChoicesParam,
    FloatParam,
    IntParam,
    LogStepParam,
    RangeParam,
    TextParam,
    log_steps,
    read_params,
)

STEPS = log_steps(low_exponent=-12, high_exponent=0)
SPECS = {
    "x0": FloatParam(5.0, -100.0, 100.0),
    "n": IntParam(2000, 100, 100_000),
    "method": ChoiceParam("central", ("forward", "central")),
    "h": LogStepParam(1e-6, STEPS),
    "f": TextParam("x^2", max_length=20),
}


def test_log_steps_are_1_2_5_and_print_exactly():
    assert STEPS[:4] == (1e-12, 2e-12, 5e-12, 1e-11) and STEPS[-1] == 1.0 and len(STEPS) == 37
    assert all(float(f"{s:.0e}") == s for s in STEPS)


def test_absent_parameters_take_defaults():
    readings = read_params({}, SPECS)
    assert {k: r.value for k, r in readings.items()} == {
        "x0": 5.0, "n": 2000, "method": "central", "h": 1e-6, "f": "x^2"
    }
    assert all(r.problem is None for r in readings.values())


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [("x0", "-3.25", -3.25), ("n", "500", 500), ("method", "forward", "forward"), ("h", "1e-6", 1e-6),
     ("h", "0.0001", 1e-4), ("h", "3e-5", 2e-5), ("h", "4e-5", 5e-5), ("f", "sin(x)", "sin(x)")],
    ids=["float", "int", "choice", "h-written-short", "h-decimal", "h-snaps-down", "h-snaps-up", "text"],
)
def test_good_values_are_read(name, raw, value):
    reading = read_params({name: raw}, SPECS)[name]
    assert reading.problem is None and reading.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [("x0", "abc", "is not a number"), ("x0", "1e9", r"is outside -100 … 100"), ("x0", "nan", "outside"),
     ("n", "0", "is outside 100 … 100000"), ("n", "2.5", "not a whole number"),
     ("method", "foo", "is not one of forward, central"),
     ("h", "-1", "outside"), ("h", "7", "outside"), ("h", "x", "not a number"), ("f", "x" * 21, "longer than 20")],
    ids=["x0-text", "x0-large", "x0-nan", "n-zero", "n-fraction", "method", "h-negative", "h-large", "h-text",
         "f-long"],
)
def test_bad_values_fall_back_with_a_reason(name, raw, message):
    reading = read_params({name: raw}, SPECS)[name]
    assert reading.value == SPECS[name].default
    assert reading.problem.startswith(f"Link parameter {name}=")
    assert message in reading.problem and "using the default" in reading.problem


def test_log_steps_validates():
    with pytest.raises(ValueError, match="low_exponent"):
        log_steps(low_exponent=0, high_exponent=0)


RANGE = {"x1_range": RangeParam((-5.0, 5.0), -50.0, 50.0)}


@pytest.mark.parametrize(
    ("raw", "value", "problem"),
    [(["-2", "3.5"], (-2.0, 3.5), None), ([], (-5.0, 5.0), None), (["3", "1"], (-5.0, 5.0), "low < high"),
     (["a", "1"], (-5.0, 5.0), "not two numbers"), (["1"], (-5.0, 5.0), "low < high"),
     (["-99", "1"], (-5.0, 5.0), "within -50")],
    ids=["good", "absent", "reversed", "text", "one-value", "outside"],
)
def test_ranges_are_read_from_repeated_values(raw, value, problem):
    reading = read_params({"x1_range": raw}, RANGE)["x1_range"]
    assert reading.value == value
    assert (reading.problem is None) if problem is None else (problem in reading.problem)


def test_single_valued_parameters_take_the_last_repeat():
    assert read_params({"x0": ["1", "2"]}, SPECS)["x0"].value == 2.0


@pytest.mark.parametrize(("raw", "value", "problem"), [("true", True, None), ("False", False, None), ("1", True, None),
                                                       ("maybe", False, "is not true or false")],
                         ids=["true", "False", "1", "maybe"])
def test_booleans(raw, value, problem):
    reading = read_params({"bias": raw}, {"bias": BoolParam(False)})["bias"]
    assert reading.value is value and (reading.problem is None if problem is None else problem in reading.problem)


METHODS = ChoicesParam(("gd", "adam"), ("gd", "momentum", "adam", "newton"))


@pytest.mark.parametrize(("raw", "value", "refused"), [
    pytest.param(["adam", "gd"], ("adam", "gd"), False, id="repeated values, in the link's order"),
    pytest.param(["adam", "adam"], ("adam",), False, id="duplicates once"),
    pytest.param("newton", ("newton",), False, id="a single value"),
    pytest.param([""], (), False, id="an empty value clears the choice"),
    pytest.param(["gd", "sgd"], ("gd", "adam"), True, id="an unknown value: the default"),
    pytest.param(["ADAM", "Newton"], ("adam", "newton"), False, id="any case, read as the option"),
])
def test_several_choices_are_read_from_repeated_values(raw, value, refused):
    reading = read_params({"methods": raw}, {"methods": METHODS})["methods"]
    assert reading.value == value and (reading.problem is not None) == refused
    if refused:
        assert "sgd, not one of gd, momentum, adam, newton" in reading.problem


@pytest.mark.parametrize(("raw", "value", "refused"), [
    pytest.param("central", "central", False, id="exact"),
    pytest.param("Central", "central", False, id="another case"),
    pytest.param("centre", "central", True, id="not an option"),
])
def test_a_choice_reads_any_case(raw, value, refused):
    reading = read_params({"method": raw}, SPECS)["method"]
    assert reading.value == value and (reading.problem is not None) == refused
