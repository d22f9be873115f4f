"""AppTest: an unexpected error in a page shows a plain message, never a traceback, and the traceback is logged;
Streamlit's control-flow exceptions (st.stop, st.rerun) pass through app.py's wrapper untouched."""

from __future__ import annotations

import logging

import streamlit as st

import core.derivative_lab
from tests.app.support import open_page

PLAIN = "Something went wrong on this page"


def test_unexpected_error_shows_a_plain_message_and_logs_the_traceback(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("deliberately broken for test_errors")

    monkeypatch.setattr(core.derivative_lab, "study_derivative", broken)
    with caplog.at_level(logging.ERROR, logger="gradient_lab"):
        at = open_page({"x0": "1.23456789"}, page="views/derivative.py")  # a point no cache has seen
    assert not at.exception
    shown = [e.value for e in at.error]
    assert len(shown) == 1 and shown[0].startswith(PLAIN), shown
    assert "reload" in shown[0] and "RuntimeError" not in shown[0] and "Traceback" not in shown[0]
    logged = [r for r in caplog.records if r.name == "gradient_lab"]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert "Derivative" in logged[0].getMessage()
    kind, error, _ = logged[0].exc_info
    assert kind is RuntimeError and str(error) == "deliberately broken for test_errors"
    assert "Traceback (most recent call last)" in caplog.text and 'in broken' in caplog.text
    assert at.sidebar.caption[-1].value.startswith("Gradient Lab")  # the frame after the page still ran


def test_expected_errors_keep_their_own_message(caplog):
    with caplog.at_level(logging.ERROR, logger="gradient_lab"):
        at = open_page({"f": "sinx", "x0": "2.3456789"}, page="views/derivative.py")
    assert any("write sin" in e.value for e in at.error)
    assert not any(e.value.startswith(PLAIN) for e in at.error)
    assert not [r for r in caplog.records if r.name == "gradient_lab"]


def test_st_stop_passes_through_the_wrapper(monkeypatch, caplog):
    def stopping(*args, **kwargs):
        st.stop()

    monkeypatch.setattr(core.derivative_lab, "study_derivative", stopping)
    with caplog.at_level(logging.ERROR, logger="gradient_lab"):
        at = open_page({"x0": "3.456789"}, page="views/derivative.py")
    assert not at.exception
    assert not at.error
    assert not [r for r in caplog.records if r.name == "gradient_lab"]
    assert not at.sidebar.caption  # st.stop ended the whole run: the frame after the page did not run
