"""A minimal Streamlit protocol client, no browser: what the frontend says on /_stcore/stream.

One `Session` is one browser tab as the server sees it: it GETs the page (for the cookies a
load balancer sets, e.g. nginx's `stroute` affinity cookie), opens the websocket with the
subprotocol "streamlit" (the frontend's first Sec-WebSocket-Protocol entry; the second, an
XSRF token, only matters for auth cookies, which this app does not use; no Origin header is
sent, which the server allows), and sends `BackMsg.rerun_script` (a ClientState) as the
frontend does:

- the first run names the page by its URL path (`page_name`, matched against each st.Page's
  url_pathname), later runs by the `page_script_hash` that `new_session` returned;
- `query_string` starts as `lang=en` and follows `page_info_changed` (the app writes its widget
  values to the URL, and the frontend sends its current URL back on every rerun);
- `widget_states` holds every widget this session has set (keyed widgets the client never
  touched keep their value on the server), plus a button's one-shot `trigger_value`;
- a widget drawn inside an st.fragment carries `Delta.fragment_id`; moving it sends that
  `fragment_id`, so the server reruns only the fragment (status
  FINISHED_FRAGMENT_RUN_SUCCESSFULLY), exactly as the frontend does.

A run is timed from sending the BackMsg to receiving its final `script_finished` (a "slider
run"). Errors: exception elements in the run's deltas, `page_not_found`, a compile error,
a run that does not finish in time, a closed websocket. Not emulated: media files
(/media/... images) and static assets are not fetched, the message cache
(`cached_message_hashes`) is not used (every message comes in full, as for a fresh tab),
`auto_rerun` (st.fragment(run_every=...)) is not followed.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import time
import urllib.parse
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

# script_finished statuses that end what a rerun request started (FINISHED_EARLY_FOR_RERUN
# is followed by another run).
FINAL = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error",
}


class ProtocolError(Exception):
    """A run that did not finish: timeout, disconnect, nothing to move or press."""


@dataclass
class Slider:
    """A slider (st.slider or st.select_slider) as the last run drew it."""

    label: str
    id: str
    min: float
    max: float
    step: float
    default: list[float]
    options: list[str] = field(default_factory=list)  # a select slider's formatted options
    fragment_id: str = ""
    value: list = field(default_factory=list)  # the current value: numbers, or option strings

    def grid(self) -> list:
        """The values it can take: a select slider's options, else min, min + step, ... max."""
        if self.options:
            return list(self.options)
        count = int(round((self.max - self.min) / self.step)) if self.step else 0
        return [self.min + i * self.step for i in range(count + 1)] if count else [self.min, self.max]


@dataclass
class Button:
    label: str
    id: str
    fragment_id: str = ""
    disabled: bool = False


def _slider(element, fragment_id: str) -> Slider:
    proto = element.slider
    options = list(proto.options)
    if proto.set_value:
        value = list(proto.raw_value) if options else list(proto.value)
    else:
        value = [options[int(i)] for i in proto.default] if options else list(proto.default)
    return Slider(proto.label, proto.id, proto.min, proto.max, proto.step, list(proto.default), options,
                  fragment_id, value)


class Session:
    """One protocol-level session of the app at `base` (http://host:port)."""

    def __init__(self, base: str, query: str = "lang=en", timeout: float = 60.0):
        self.base = base.rstrip("/")
        self.query = query
        self.timeout = timeout
        self.page = ""
        self.page_script_hash = ""
        self.upstream = ""  # the replica that answered the page's GET (nginx's X-Upstream), if any
        self.errors: list[str] = []  # every error seen, in order
        self._sliders: dict[str, Slider] = {}
        self._buttons: dict[str, Button] = {}
        self._widgets: dict[str, WidgetState] = {}
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._done: asyncio.Future | None = None
        self._run_errors: list[str] = []

    # -- connecting ----------------------------------------------------------------------

    def _get_page(self, path: str) -> str:
        """GET the page's HTML as a browser would first: returns its cookies as a Cookie header."""
        url = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=self.timeout)
        try:
            conn.request("GET", f"/{path}?{self.query}")
            response = conn.getresponse()
            response.read()
            self.upstream = response.getheader("X-Upstream") or ""
            cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
        finally:
            conn.close()
        return "; ".join(cookies)

    async def open(self, page: str) -> float:
        """Load `page` (its URL path: "independence", "" for Home): seconds of its first run."""
        self.page = page.strip("/")
        cookie = await asyncio.to_thread(self._get_page, self.page)
        ws_url = urllib.parse.urlsplit(self.base)._replace(scheme="ws", path="/_stcore/stream").geturl()
        self._ws = await connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout,
                                 additional_headers={"Cookie": cookie} if cookie else None, proxy=None)
        self._reader = asyncio.create_task(self._read())
        return await self._run([])

    async def close(self) -> None:
        """Close the websocket (the server keeps the session for its disconnected-session TTL)."""
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._reader, 5)

    @property
    def connected(self) -> bool:
        """Whether the websocket is open (its reader still running)."""
        return self._reader is not None and not self._reader.done()

    # -- what the page shows --------------------------------------------------------------

    def sliders(self) -> dict[str, Slider]:
        """The page's sliders by label, as last drawn."""
        return dict(self._sliders)

    def buttons(self) -> dict[str, Button]:
        """The page's buttons by label, as last drawn."""
        return dict(self._buttons)

    # -- acting ---------------------------------------------------------------------------

    async def move(self, label: str, value) -> float:
        """Set the slider `label` to `value` (a number; for a select slider an option string or
        its index) and rerun as the frontend does: seconds until the run finished."""
        slider = self._sliders.get(label)
        if slider is None:
            raise self._error(ProtocolError(f"no slider {label!r} on /{self.page}"))
        state = WidgetState(id=slider.id)
        if slider.options:
            option = value if isinstance(value, str) else slider.options[int(value)]
            state.string_array_value.data.append(option)
            slider.value = [option]
        else:
            state.double_array_value.data.append(float(value))
            slider.value = [float(value)]
        self._widgets[slider.id] = state
        return await self._run(list(self._widgets.values()), slider.fragment_id)

    async def press(self, label: str, timeout: float | None = None) -> float:
        """Click the button `label` (or the one whose label starts with it): seconds until the
        run it triggered finished."""
        button = self._buttons.get(label) or next(
            (b for name, b in self._buttons.items() if name.startswith(label)), None)
        if button is None or button.disabled:
            raise self._error(ProtocolError(f"no enabled button {label!r} on /{self.page}"))
        trigger = WidgetState(id=button.id, trigger_value=True)
        return await self._run([*self._widgets.values(), trigger], button.fragment_id, timeout)

    # -- internals ------------------------------------------------------------------------

    def _error(self, error: Exception) -> Exception:
        self.errors.append(f"{type(error).__name__}: {error}")
        return error

    async def _run(self, widgets: list[WidgetState], fragment_id: str = "", timeout: float | None = None) -> float:
        if self._done is not None and not self._done.done():  # a run that timed out: let it end first
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._done), self.timeout)
            if not self._done.done():
                raise self._error(ProtocolError(f"/{self.page}: an earlier run never finished"))
        if not self.connected:
            raise self._error(ProtocolError(f"/{self.page}: the websocket is closed"))
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        if self.page_script_hash:
            state.page_script_hash = self.page_script_hash
        else:
            state.page_name = self.page
        state.widget_states.widgets.extend(widgets)
        if fragment_id:
            state.fragment_id = fragment_id
        state.context_info.locale = "en-US"
        state.context_info.timezone = "UTC"
        self._done = asyncio.get_running_loop().create_future()
        self._run_errors = []
        started = time.perf_counter()
        try:
            await self._ws.send(msg.SerializeToString())
        except ConnectionClosed as error:
            raise self._error(ProtocolError(f"/{self.page}: disconnected ({error})")) from error
        try:
            status = await asyncio.wait_for(asyncio.shield(self._done), timeout or self.timeout)
        except TimeoutError as error:
            raise self._error(ProtocolError(f"/{self.page}: run not finished in {timeout or self.timeout:.0f} s")) \
                from error
        seconds = time.perf_counter() - started
        if status != "ok":
            self.errors.append(f"/{self.page}: {status}")
        self.errors.extend(self._run_errors)
        return seconds

    async def _read(self) -> None:
        """Parse every ForwardMsg until the websocket closes."""
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg)
        except ConnectionClosed:
            pass
        finally:
            if self._done is not None and not self._done.done():
                self._done.set_exception(ProtocolError(f"/{self.page}: disconnected during a run"))
                self._done.exception()  # mark retrieved

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_script_hash = msg.new_session.page_script_hash or self.page_script_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element, fragment_id = msg.delta.new_element, msg.delta.fragment_id
            which = element.WhichOneof("type")
            if which == "slider":
                slider = _slider(element, fragment_id)
                self._sliders[slider.label] = slider
            elif which == "button":
                proto = element.button
                self._buttons[proto.label] = Button(proto.label, proto.id, fragment_id, proto.disabled)
            elif which == "exception" and not element.exception.is_warning:
                self._run_errors.append(f"/{self.page}: exception {element.exception.type}: "
                                        f"{element.exception.message[:200]}")
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            self._run_errors.append(f"/{self.page}: page not found")
        elif kind == "script_finished" and msg.script_finished in FINAL:
            if self._done is not None and not self._done.done():
                self._done.set_result(FINAL[msg.script_finished])


def nearest(grid: list, value) -> int:
    """The index of `value` in `grid` (an option string), or of the grid point nearest to it."""
    if isinstance(value, str):
        return grid.index(value) if value in grid else 0
    return min(range(len(grid)), key=lambda i: abs(grid[i] - value))


async def smoke(base: str, page: str = "discrete", label: str | None = None) -> dict:
    """Open `page` on the server at `base`, move its first slider (or `label`) one step and back,
    close: {"open", "moves" (seconds), "sliders" (labels), "errors"}. Run it against a server:
    `python -c "import asyncio, bench.protocol as p; print(asyncio.run(p.smoke('http://127.0.0.1:8501')))"`."""
    session = Session(base)
    try:
        opened = await session.open(page)
        sliders = session.sliders()
        if not sliders:
            raise ProtocolError(f"/{page} shows no slider")
        slider = sliders[label] if label else next(iter(sliders.values()))
        grid = slider.grid()
        here = nearest(grid, slider.value[0]) if slider.value else 0
        other = grid[here + 1] if here + 1 < len(grid) else grid[here - 1]
        moves = [await session.move(slider.label, other), await session.move(slider.label, grid[here])]
        return {"open": opened, "moves": moves, "sliders": list(sliders), "errors": session.errors}
    finally:
        await session.close()


def smoke_server() -> list[dict]:
    """smoke() on /discrete and /vae of a fresh `streamlit run app.py` (bench.browser.server):
    `python -m bench.protocol`. Raises if a page shows no slider or a run reports an error."""
    import tempfile
    from pathlib import Path

    from bench.browser import server

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="protocol-") as tmp, \
            server(root / "app.py", Path(tmp) / "server.log") as (_, port, _):
        base = f"http://127.0.0.1:{port}"
        results = [asyncio.run(smoke(base, "discrete")),
                   asyncio.run(smoke(base, "vae", "KL weight β (one trained checkpoint each)"))]
    errors = [error for result in results for error in result["errors"]]
    if errors:
        raise ProtocolError(f"smoke: {errors}")
    return results


if __name__ == "__main__":
    for line in smoke_server():
        print(line)
