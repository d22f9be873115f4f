"""A minimal Streamlit websocket client, and the classroom load scenario built on it.

The client speaks the browser's own protocol: it connects to ``/_stcore/stream`` with the ``streamlit`` subprotocol,
sends ``BackMsg.rerun_script`` carrying a ``ClientState`` (query string, widget states, page) and reads
``ForwardMsg`` replies until ``script_finished``. Like the browser it finds widgets in the ``new_element`` deltas
(the user key is the last part of a widget id, ``$$ID-<hash>-<key>``), writes a URL-bound widget's new value into
the query string and takes the server's ``page_info_changed`` when the server changes it, switches pages by the
``page_script_hash`` of the ``navigation`` message, and takes part in the forward-message cache: it lists the hashes
of the cacheable messages of its last run in ``cached_message_hashes``, and the server sends ``ref_hash``
references instead of repeating them. Websocket pings are answered by the websockets library.

Forty Chromium contexts on two cores would measure Chromium; this client costs a few milliseconds per rerun.

The server side: :func:`streamlit_server` starts ``streamlit run app.py`` as tests/browser/conftest.py does, and
:class:`ServerMonitor` samples its resident memory (with any children, from /proc) and times ``/_stcore/health``,
each every 100 ms, in two threads.

The classroom: :func:`run_classroom` warms the server up with one tab, then runs students (:func:`student`: change a
control, type a formula, sometimes a typo, go to another page, train SGD, with think times between) and optionally
one :func:`hostile_student`, and returns a :class:`LoadReport`. All traffic goes to 127.0.0.1; every loop is bounded
in count and time.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib import parse

import numpy as np
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from core.derivative_lab import PRESETS as DERIVATIVE_PRESETS
from core.gradient_lab import PRESETS as GRADIENT_PRESETS

__all__ = [
    "LoadReport", "RunResult", "Server", "ServerMonitor", "StreamlitSession", "Widget", "run_classroom",
    "server_problems", "streamlit_server",
]

ROOT = Path(__file__).resolve().parents[2]
SERVER_START_SECONDS = 60  # cold start of streamlit + numpy/sympy imports on a busy 2-core machine
CONNECT_TIMEOUT = 10.0  # s: the websocket handshake; a server that cannot accept by then is counted as an error
RUN_TIMEOUT = 60.0  # s: a rerun with no script_finished by then is a hung session (an error); far above any target
MAX_ACTIONS = 10_000  # per student: bounds a session's loop in count as its duration bounds it in time
SAMPLE_INTERVAL = 0.1  # s: RSS and health are sampled every 100 ms
HEALTH_TIMEOUT = 5.0  # s: a health request unanswered by then is a failure
MAX_SAMPLES = 36_000  # one hour of 100 ms samples: the monitor threads stop by themselves
WIDGET_KINDS = {
    "text_input": "text", "number_input": "number", "slider": "slider", "button_group": "buttons",
    "selectbox": "select", "radio": "radio", "checkbox": "checkbox",
}


# ----------------------------------------------------------------------------------------------- protocol client
@dataclass(frozen=True)
class Widget:
    """A widget as the last run drew it: its user ``key``, element ``id``, ``kind`` and what values it takes.

    ``kind`` is text, number, slider, select_slider, buttons (pills, segmented control), select, radio or checkbox;
    ``options`` are the formatted options the browser sends back; ``server_set`` means the run set its value
    (through ``st.session_state``), so the browser's own value is replaced by the server's.
    """

    key: str
    id: str
    kind: str
    options: tuple[str, ...] = ()
    low: float = -math.inf
    high: float = math.inf
    step: float = 0.0
    pair: bool = False
    server_set: bool = False
    query_key: str = ""


def read_widget(element) -> Widget | None:
    """The keyed widget in a ``new_element`` delta's element, or None for any other element."""
    kind = element.WhichOneof("type")
    if kind not in WIDGET_KINDS:
        return None
    proto = getattr(element, kind)
    key = proto.id.split("-", maxsplit=2)[-1]
    if not proto.id or key == "None":
        return None
    common = {"key": key, "id": proto.id, "server_set": proto.set_value, "query_key": proto.query_param_key}
    if kind == "slider":
        if proto.options:
            return Widget(kind="select_slider", options=tuple(proto.options), pair=len(proto.default) == 2, **common)
        return Widget(kind="slider", low=proto.min, high=proto.max, step=proto.step, pair=len(proto.default) == 2,
                      **common)
    if kind == "number_input":
        return Widget(kind="number", low=proto.min if proto.has_min else -math.inf,
                      high=proto.max if proto.has_max else math.inf, step=proto.step, **common)
    if kind == "button_group":
        return Widget(kind="buttons", options=tuple(o.content for o in proto.options), **common)
    if kind in ("selectbox", "radio"):
        return Widget(kind=WIDGET_KINDS[kind], options=tuple(proto.options), **common)
    return Widget(kind=WIDGET_KINDS[kind], **common)


def widget_state(widget: Widget, value: object) -> WidgetState:
    """The ``WidgetState`` the browser sends for ``widget`` showing ``value``; sliders and button groups send a
    list (a single value is sent as a list of one)."""
    state = WidgetState(id=widget.id)
    values = value if isinstance(value, list | tuple) else [value]
    if widget.kind in ("text", "select", "radio"):
        state.string_value = str(value)
    elif widget.kind == "number":
        state.double_value = float(value)
    elif widget.kind == "checkbox":
        state.bool_value = bool(value)
    elif widget.kind == "slider":
        state.double_array_value.data.extend(float(v) for v in values)
    else:
        state.string_array_value.data.extend(str(v) for v in values)
    return state


def _url_number(v: float) -> str:
    return str(int(v)) if math.isfinite(v) and v == int(v) else str(v)


def with_param(query: str, state: WidgetState, name: str) -> str:
    """``query`` with the URL-bound widget's parameter ``name`` set to ``state``'s value, as the browser writes it
    (a list is repeated: ``x_range=-5&x_range=5``)."""
    kind = state.WhichOneof("value")
    if kind == "double_array_value":
        value: object = [_url_number(v) for v in state.double_array_value.data]
    elif kind == "string_array_value":
        value = list(state.string_array_value.data)
    elif kind == "double_value":
        value = _url_number(state.double_value)
    elif kind == "bool_value":
        value = str(state.bool_value).lower()
    else:
        value = getattr(state, kind)
    params = [(k, v) for k, v in parse.parse_qsl(query, keep_blank_values=True) if k != name]
    return parse.urlencode(params + [(name, value)], doseq=True)


@dataclass(frozen=True)
class RunResult:
    """One rerun: the page, what triggered it, send → ``script_finished`` seconds, errors seen, ``st.error`` alerts.

    Errors are exceptions drawn in the page, compile errors, an unknown page, a missing cached message, a timeout
    or a dropped connection; ``st.error`` alerts are the app's normal answer to bad input and only counted.
    """

    page: str
    action: str
    latency: float
    errors: tuple[str, ...]
    alerts: int


@dataclass
class _RunState:
    """What one run has shown so far (internal to :class:`StreamlitSession`)."""

    widgets: dict[str, Widget] = field(default_factory=dict)
    cache: dict[str, ForwardMsg] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    alerts: int = 0


class StreamlitSession:
    """One browser tab: a websocket session on ``/_stcore/stream``. Use :meth:`connect`, then :meth:`open`,
    :meth:`set` and :meth:`switch`, each of which reruns the script and returns a :class:`RunResult`."""

    def __init__(self, connection: ClientConnection) -> None:
        self._ws = connection
        self._states: dict[str, WidgetState] = {}
        self._cache: dict[str, ForwardMsg] = {}
        self._query = ""
        self._page_hash = ""
        self.page = ""
        self.pages: dict[str, str] = {}
        self.widgets: dict[str, Widget] = {}
        self.broken = False

    @classmethod
    async def connect(cls, base_url: str) -> StreamlitSession:
        uri = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        connection = await connect(uri, subprotocols=["streamlit"], max_size=None, open_timeout=CONNECT_TIMEOUT,
                                   close_timeout=2)
        return cls(connection)

    async def close(self) -> None:
        await self._ws.close()

    async def open(self, url_path: str, query: str = "") -> RunResult:
        """Load ``/<url_path>?<query>`` as a browser does on arrival."""
        self._states, self._query = {}, query
        return await self._rerun(f"open /{url_path}", page_name=url_path)

    async def switch(self, url_path: str) -> RunResult:
        """Go to another page through the sidebar navigation (the query string starts empty there)."""
        self._states, self._query = {}, ""
        return await self._rerun(f"go to /{url_path}", page_hash=self.pages[url_path])

    async def set(self, key: str, value: object) -> RunResult:
        """Give the widget ``key`` a new value and rerun, sending every value this tab has set, as a browser does."""
        widget = self.widgets[key]
        self._states[widget.id] = widget_state(widget, value)
        if widget.query_key:
            self._query = with_param(self._query, self._states[widget.id], widget.query_key)
        return await self._rerun(key, page_hash=self._page_hash)

    async def _rerun(self, action: str, *, page_name: str = "", page_hash: str = "") -> RunResult:
        message = BackMsg()
        client_state = message.rerun_script
        client_state.query_string, client_state.page_name = self._query, page_name
        client_state.page_script_hash = page_hash
        client_state.widget_states.widgets.extend(self._states.values())
        client_state.cached_message_hashes.extend(self._cache)
        run = _RunState()
        start = time.perf_counter()
        try:
            await self._ws.send(message.SerializeToString())
            await asyncio.wait_for(self._read_run(run), RUN_TIMEOUT)
        except TimeoutError:
            self.broken = True
            run.errors.append(f"no script_finished within {RUN_TIMEOUT:g} s")
        except ConnectionClosed as error:
            self.broken = True
            run.errors.append(f"connection closed: {error}")
        latency = time.perf_counter() - start
        return RunResult(self.page, action, latency, tuple(run.errors), run.alerts)

    async def _read_run(self, run: _RunState) -> None:
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self._ws.recv())
            message = self._resolve(message, run)
            if message is not None and self._take(message, run):
                break
        self._cache, self.widgets = run.cache, run.widgets
        ids = {w.id for w in run.widgets.values() if not w.server_set}
        self._states = {i: state for i, state in self._states.items() if i in ids}

    def _resolve(self, message: ForwardMsg, run: _RunState) -> ForwardMsg | None:
        """The message itself, or the cached one a ``ref_hash`` points to; remembers cacheable messages."""
        if message.WhichOneof("type") == "ref_hash":
            cached = self._cache.get(message.ref_hash)
            if cached is None:
                run.errors.append(f"reference to a message this tab does not hold: {message.ref_hash}")
                return None
            run.cache[message.ref_hash] = cached
            return cached
        if message.metadata.cacheable:
            run.cache[message.hash] = message
        return message

    def _take(self, message: ForwardMsg, run: _RunState) -> bool:
        """Record what ``message`` says; True when it ends the run."""
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self._take_element(message.delta.new_element, run)
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in message.navigation.app_pages}
            self._page_hash = message.navigation.page_script_hash
            self.page = next((u for u, h in self.pages.items() if h == self._page_hash), "?")
        elif kind == "page_info_changed":
            self._query = message.page_info_changed.query_string
        elif kind == "page_not_found":
            run.errors.append(f"page not found: {message.page_not_found.page_name!r}")
        elif kind == "session_event" and message.session_event.HasField("script_compilation_exception"):
            run.errors.append(f"compile error: {message.session_event.script_compilation_exception.message}")
        elif kind == "script_finished":
            return message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        return False

    @staticmethod
    def _take_element(element, run: _RunState) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            run.errors.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "alert" and element.alert.format == element.alert.ERROR:
            run.alerts += 1
        elif (widget := read_widget(element)) is not None:
            run.widgets[widget.key] = widget


# ----------------------------------------------------------------------------------------------- the server
@dataclass(frozen=True)
class Server:
    """A running ``streamlit run`` server: its base URL, process id and log file (its stderr)."""

    base_url: str
    pid: int
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health(base_url: str, timeout: float) -> str:
    with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=timeout) as response:
        return response.read().decode()


@contextlib.contextmanager
def streamlit_server(*, root: Path = ROOT, options: Sequence[str] = ()) -> Iterator[Server]:
    """Start the app on 127.0.0.1 at a free port, headless, without a file watcher; stop it on exit.

    ``options`` are further config options as ``name=value`` (e.g. ``runner.postScriptGC=false``), to try a setting.
    The server's stderr goes to a file (a pipe nobody reads would fill and stall the server under load)."""
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.address=127.0.0.1", f"--server.port={port}",
        "--server.headless=true", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
        *(f"--{option}" for option in options),
    ]
    with tempfile.TemporaryDirectory(prefix="gradient-lab-load-") as folder:
        log = Path(folder) / "server.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=sink)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(process, base_url, log)
            yield Server(base_url, process.pid, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_healthy(process: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if _health(base_url, timeout=2.0) == "ok":
                return
        except OSError:
            time.sleep(0.25)
    process.kill()
    raise RuntimeError(f"streamlit did not start: {log.read_text(errors='replace')[-2000:]}")


def server_problems(log: Path) -> tuple[str, ...]:
    """The tracebacks in the server's log (each with the lines around it): failures that no page shows."""
    lines = log.read_text(errors="replace").splitlines()
    return tuple("\n".join(lines[max(i - 1, 0):i + 8]) for i, line in enumerate(lines) if line.startswith("Traceback"))


def _rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants (VmRSS in /proc), 0 once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        children = " ".join(p.read_text() for p in Path(f"/proc/{pid}/task").glob("*/children"))
    except OSError:
        return 0
    rss = next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return rss + sum(_rss_bytes(int(child)) for child in children.split())


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its descendants, from /proc; 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", maxsplit=1)[1].split()
        children = " ".join(p.read_text() for p in Path(f"/proc/{pid}/task").glob("*/children"))
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14, 15 of stat
    return own + sum(_cpu_seconds(int(child)) for child in children.split())


class ServerMonitor:
    """Samples the server's resident memory and times ``/_stcore/health`` every 100 ms, in two threads.

    ``peak_rss`` is in bytes; ``health_seconds`` holds each answer's time; ``health_failures`` counts requests that
    failed or were not answered ``ok`` within 5 s; ``longest_health_gap`` is the longest time between two ``ok``
    answers (or from the start to the first one), which is what a load balancer's health check sees.
    """

    def __init__(self, server: Server) -> None:
        self._server = server
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._sample_rss), threading.Thread(target=self._poll_health)]
        self.peak_rss = 0
        self.health_seconds: list[float] = []
        self.health_failures = 0
        self.longest_health_gap = 0.0

    def __enter__(self) -> ServerMonitor:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=HEALTH_TIMEOUT + 5)

    def _sample_rss(self) -> None:
        for _ in range(MAX_SAMPLES):
            self.peak_rss = max(self.peak_rss, _rss_bytes(self._server.pid))
            if self._stop.wait(SAMPLE_INTERVAL):
                return

    def _poll_health(self) -> None:
        last_ok = time.perf_counter()
        for _ in range(MAX_SAMPLES):
            start = time.perf_counter()
            try:
                answered = _health(self._server.base_url, timeout=HEALTH_TIMEOUT) == "ok"
            except OSError:
                answered = False
            now = time.perf_counter()
            self.health_seconds.append(now - start)
            if answered:
                self.longest_health_gap, last_ok = max(self.longest_health_gap, now - last_ok), now
            else:
                self.health_failures += 1
            if self._stop.wait(SAMPLE_INTERVAL):
                return


# ----------------------------------------------------------------------------------------------- the classroom
Chooser = Callable[[np.random.Generator, Widget], object]
BAD_FORMULAS = ("sinx", "x^", "9**9**9**9", "(x+2", "2 +* x", "x1 x2 x3 x4")  # typos students make, and one bomb
X_FORMULAS = tuple(p.formula for p in DERIVATIVE_PRESETS) + ("x^2 sin(x)", "exp(-x^2)", "sqrt(x)", "1/x", "x^5 - 3x")
X1X2_FORMULAS = tuple(p.formula for p in GRADIENT_PRESETS) + ("x1 x2", "exp(-(x1^2 + x2^2))", "x1^3 - 3x1 x2^2")
BAD_FORMULA_SHARE = 0.2  # one typed formula in five is a typo
SWITCH_SHARE = 0.12  # one action in eight moves to another page
TYPING_SECONDS = (3.0, 8.0)  # typing a formula (5-20 characters at 2-4 a second) and reading the result
LOOKING_SECONDS = (2.0, 6.0)  # moving a control or clicking, then reading the plot
RAMP_SECONDS = 10.0  # students open the app over the first 10 s, as a class does when told to
PAGE_WEIGHTS = {"": 0.5, "derivative": 1.0, "gradient": 1.0, "jacobian": 1.0, "sgd": 1.5}  # SGD: training takes a while
HOSTILE_BOXES = (("derivative", "f"), ("gradient", "f"), ("jacobian", "u"), ("", "preview"))
HOSTILE_PAUSE = 0.2  # s between two hostile strings: a script, not a person


def option(*, exclude: Sequence[str] = ()) -> Chooser:
    """Any option of a choice widget (a single one, or a range for a two-thumbed select slider)."""

    def choose(rng: np.random.Generator, widget: Widget) -> object:
        options = [o for o in widget.options if o not in exclude]
        if widget.kind == "select_slider" and widget.pair:
            low, high = sorted(rng.choice(len(options), size=2, replace=False))
            return [options[low], options[high]]
        chosen = options[rng.integers(len(options))]
        return [chosen] if widget.kind in ("buttons", "select_slider") else chosen

    return choose


def uniform(low: float, high: float, *, digits: int = 2) -> Chooser:
    """A number drawn uniformly from [low, high] (within the widget's own bounds), rounded as a person types it."""
    return lambda rng, widget: round(float(np.clip(rng.uniform(low, high), widget.low, widget.high)), digits)


def one_of(*values: object) -> Chooser:
    return lambda rng, widget: values[rng.integers(len(values))]


def span(low: float, high: float) -> Chooser:
    """A (low, high) pair on the slider's step grid within [low, high]."""

    def choose(rng: np.random.Generator, widget: Widget) -> object:
        grid = np.arange(low, high + widget.step / 2, widget.step)
        a, b = sorted(rng.choice(len(grid), size=2, replace=False))
        return [float(grid[a]), float(grid[b])]

    return choose


def formula(pool: Sequence[str]) -> Chooser:
    """A formula from ``pool``, or now and then one of the typos in BAD_FORMULAS."""
    return lambda rng, widget: str(rng.choice(BAD_FORMULAS if rng.random() < BAD_FORMULA_SHARE else pool))


def flip(rng: np.random.Generator, widget: Widget) -> object:
    return bool(rng.integers(2))


PLAN: dict[str, dict[str, Chooser]] = {
    "": {"preview": formula(X_FORMULAS + X1X2_FORMULAS), "preview_vars": option()},
    "derivative": {"preset": option(), "f": formula(X_FORMULAS), "x0": uniform(-4.0, 8.0), "h": option(),
                   "method": option(), "x_range": span(-20.0, 20.0)},
    "gradient": {"gradient_preset": option(), "f": formula(X1X2_FORMULAS), "x1": uniform(-4.0, 4.0),
                 "x2": uniform(-4.0, 4.0), "angle": uniform(-180.0, 180.0, digits=-1), "method": option(),
                 "field": flip, "surface": flip, "scale": one_of(0.05, 0.1, 0.2, 0.5)},
    "jacobian": {"mode": option(), "preset": option(), "source": option(), "u": formula(X1X2_FORMULAS),
                 "v": formula(X1X2_FORMULAS), "grad": formula(X1X2_FORMULAS), "x1": uniform(0.2, 3.0),
                 "x2": uniform(-1.5, 1.5), "r": option(), "table_preset": option(), "n": one_of(1, 2, 3),
                 "m": one_of(1, 2, 3), "f1": formula(X1X2_FORMULAS), "f2": formula(X1X2_FORMULAS)},
    "sgd": {"lr": option(), "seed": uniform(0, 1_000_000, digits=0), "batch": one_of(1, 8, 32, 128),
            "noise": uniform(0.0, 0.3), "data": option(exclude=("upload",)), "steps": one_of(100, 250, 500, 1000),
            "n": one_of(500, 1000, 2000, 5000), "bias": flip, "start": option()},
}


@dataclass(frozen=True)
class Action:
    """What a student does next: give the widget ``key`` a ``value``, or (``key`` "") go to the page ``value``,
    after ``think`` seconds of typing, moving the mouse and reading."""

    key: str
    value: object
    think: float


def choose_action(session: StreamlitSession, rng: np.random.Generator) -> Action | None:
    """A change to one of the current page's controls or, now and then, a move to another page; None if neither."""
    plan = PLAN.get(session.page, {})
    keys = [k for k in plan if k in session.widgets]
    pages = [p for p in PAGE_WEIGHTS if p in session.pages and p != session.page]
    if pages and (not keys or rng.random() < SWITCH_SHARE):
        weights = np.array([PAGE_WEIGHTS[p] for p in pages])
        return Action("", pages[rng.choice(len(pages), p=weights / weights.sum())], rng.uniform(*LOOKING_SECONDS))
    if not keys:
        return None
    key = keys[rng.integers(len(keys))]
    widget = session.widgets[key]
    think = rng.uniform(*(TYPING_SECONDS if widget.kind == "text" else LOOKING_SECONDS))
    return Action(key, plan[key](rng, widget), think)


async def student(base_url: str, rng: np.random.Generator, *, start: str, duration: float,
                  pace: float = 1.0) -> list[RunResult]:
    """A student: opens ``/<start>``, then changes controls and moves between pages for ``duration`` seconds.
    Think times are multiplied by ``pace`` (0.5: a class twice as busy)."""
    session = await StreamlitSession.connect(base_url)
    try:
        results = [await session.open(start)]
        deadline = time.monotonic() + duration
        for _ in range(MAX_ACTIONS):
            action = choose_action(session, rng)
            if action is None:
                results.append(RunResult(session.page, "idle", 0.0, ("no control to use and no page to go to",), 0))
            if action is None or session.broken or time.monotonic() + action.think * pace >= deadline:
                break
            await asyncio.sleep(action.think * pace)
            go = session.switch(str(action.value)) if not action.key else session.set(action.key, action.value)
            results.append(await go)
        return results
    finally:
        await session.close()


async def hostile_student(base_url: str, corpus: Sequence[str], *, duration: float) -> list[RunResult]:
    """Types every string of ``corpus`` into the formula boxes (string i into box i + pass, rotating): one full pass
    at least, then further passes until ``duration`` has passed."""
    session = await StreamlitSession.connect(base_url)
    try:
        results = [await session.open(HOSTILE_BOXES[0][0])]
        boxes = [(page, key) for page, key in HOSTILE_BOXES if page in session.pages]
        deadline = time.monotonic() + duration
        for turn in range(MAX_ACTIONS // max(len(corpus), 1)):
            if session.broken or (turn and time.monotonic() >= deadline):
                break
            for i, text in enumerate(corpus):
                page, key = boxes[(i + turn) % len(boxes)]
                if session.page != page:
                    results.append(await session.switch(page))
                if session.broken or key not in session.widgets:
                    results.append(RunResult(page, key, 0.0, (f"no box {key!r} on /{page}",), 0))
                    break
                results.append(await session.set(key, text))
                await asyncio.sleep(HOSTILE_PAUSE)
        return results
    finally:
        await session.close()


async def warm_up(base_url: str) -> tuple[list[RunResult], list[str]]:
    """The teacher's tab: every page once, so the cold imports (SymPy, Plotly, pandas) are paid before class.
    Returns its runs and the URL paths of the pages the app offers (of those in PAGE_WEIGHTS)."""
    session = await StreamlitSession.connect(base_url)
    try:
        results = [await session.open("")]
        pages = [p for p in PAGE_WEIGHTS if p in session.pages]
        for page in pages[1:]:
            results.append(await session.switch(page))
        return results, pages
    finally:
        await session.close()


async def _guarded(work) -> list[RunResult]:
    """A session's results; a failure to connect becomes one error instead of ending the classroom."""
    try:
        return await work
    except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError) as error:
        return [RunResult("?", "connect", 0.0, (f"{type(error).__name__}: {error}",), 0)]


async def _delayed(delay: float, work) -> list[RunResult]:
    await asyncio.sleep(delay)
    return await _guarded(work)


async def _classroom(base_url: str, rng: np.random.Generator, *, sessions: int, pages: Sequence[str],
                     duration: float, pace: float, hostile: Sequence[str] | None) -> list[list[RunResult]]:
    """Every session's runs; the hostile session's (when there is one) come last. Students open the pages in turn,
    the busiest first (as PAGE_WEIGHTS ranks them), so even a small class puts every page under load."""
    count = sessions - (hostile is not None)
    delays = np.linspace(0.0, RAMP_SECONDS * (count - 1) / max(count, 1), count)
    starts = sorted(pages, key=lambda p: -PAGE_WEIGHTS[p])
    work = [_delayed(float(delay), student(base_url, r, start=starts[i % len(starts)], duration=duration, pace=pace))
            for i, (delay, r) in enumerate(zip(delays, rng.spawn(count), strict=True))]
    if hostile is not None:
        work.append(_delayed(RAMP_SECONDS / 2, hostile_student(base_url, hostile, duration=duration)))
    return list(await asyncio.gather(*work))


@dataclass(frozen=True)
class LoadReport:
    """One classroom run: every session's runs and the server's figures.

    ``students`` holds each ordinary student's runs, ``hostile`` the hostile session's, ``warm_up`` the teacher's;
    ``pages`` are the URL paths the app offered; ``server_log`` the tracebacks in the server's log. ``peak_rss`` is
    in bytes; ``slowest_health`` and ``longest_health_gap`` are seconds and ``health_polls`` counts the requests
    (see :class:`ServerMonitor`). ``class_seconds`` is the wall time of the class (after the warm-up), in which the
    server used ``server_cpu`` and this load generator ``client_cpu`` seconds of CPU, on the same two cores.
    """

    sessions: int
    duration: float
    pace: float
    pages: tuple[str, ...]
    students: tuple[tuple[RunResult, ...], ...]
    hostile: tuple[RunResult, ...]
    warm_up: tuple[RunResult, ...]
    server_log: tuple[str, ...]
    peak_rss: int
    slowest_health: float
    longest_health_gap: float
    health_polls: int
    health_failures: int
    class_seconds: float
    server_cpu: float
    client_cpu: float

    @property
    def runs(self) -> tuple[RunResult, ...]:
        """The students' reruns (not a failed connection or an idle student, which reached no script)."""
        return tuple(r for runs in self.students for r in runs if r.action not in ("connect", "idle"))

    @property
    def errors(self) -> tuple[str, ...]:
        every = [r for runs in self.students for r in runs] + [*self.hostile, *self.warm_up]
        shown = tuple(f"/{r.page} {r.action}: {e}" for r in every for e in r.errors)
        return shown + tuple(f"server log: {problem}" for problem in self.server_log)

    def latencies(self, page: str | None = None) -> np.ndarray:
        """The students' rerun latencies in seconds (send to ``script_finished``), on ``page`` only when given."""
        return np.array([r.latency for r in self.runs if page is None or r.page == page])

    def percentile(self, q: float, page: str | None = None) -> float:
        """The q-th percentile of :meth:`latencies`; NaN without runs."""
        times = self.latencies(page)
        return float(np.percentile(times, q)) if times.size else math.nan

    def worst_student_percentile(self, q: float) -> float:
        """The highest of the students' own q-th percentiles: what the unluckiest student saw."""
        own = [np.percentile([r.latency for r in runs], q) for runs in self.students if runs]
        return float(max(own, default=math.nan))


def _run_in_own_loop(coroutine):
    """asyncio.run in a thread of its own: in the full suite Playwright's sync API already runs an event loop in
    pytest's thread, and asyncio.run refuses to start a second one there."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run_classroom(server: Server, *, sessions: int, duration: float, rng: np.random.Generator,
                  hostile: Sequence[str] | None = None, pace: float = 1.0) -> LoadReport:
    """Run ``sessions`` concurrent tabs against ``server`` for about ``duration`` seconds after a warm-up.

    With ``hostile`` (a corpus of strings) one of the tabs is a hostile session that types them all into the
    formula boxes while the others work. ``pace`` multiplies the students' think times.
    """
    with ServerMonitor(server) as monitor:
        warm, pages = _run_in_own_loop(warm_up(server.base_url))
        before = (time.perf_counter(), _cpu_seconds(server.pid), time.process_time())
        results = _run_in_own_loop(_classroom(server.base_url, rng, sessions=sessions, pages=pages, duration=duration,
                                         pace=pace, hostile=hostile))
        wall, server_cpu, client_cpu = (b - a for a, b in zip(
            before, (time.perf_counter(), _cpu_seconds(server.pid), time.process_time()), strict=True))
    students, attacks = (results[:-1], results[-1]) if hostile is not None else (results, [])
    return LoadReport(
        sessions=sessions, duration=duration, pace=pace, pages=tuple(pages),
        students=tuple(tuple(runs) for runs in students), hostile=tuple(attacks), warm_up=tuple(warm),
        server_log=server_problems(server.log), peak_rss=monitor.peak_rss,
        slowest_health=max(monitor.health_seconds, default=math.nan), longest_health_gap=monitor.longest_health_gap,
        health_polls=len(monitor.health_seconds), health_failures=monitor.health_failures, class_seconds=wall,
        server_cpu=server_cpu, client_cpu=client_cpu,
    )
