"""Several replicas behind nginx, as `make serve` starts them (scripts/serve.sh).

Through the balancer: the health check answers, a browser's cookie keeps all its requests
(page, media, websocket) on one replica while different browsers spread over the replicas,
and the app really runs over the proxied websocket. nginx is installed if missing (as root
or with sudo); the only skip is where it cannot be.
"""

import asyncio
import os
import random
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect  # a dependency of streamlit

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "scripts" / "serve.sh"
REPLICAS = 2
COOKIE = "stroute"


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_base_port() -> int:
    """A port P with P (nginx) and P+100.. (the replicas) all free."""
    for _ in range(200):
        port = random.randrange(20000, 40000)
        if all(_is_free(p) for p in [port, *range(port + 100, port + 100 + REPLICAS)]):
            return port
    raise RuntimeError("no free ports")


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, list[str]]]:
    """Status and headers (lower-case names) of a GET, without any cookie jar."""
    request = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers = response.status, response.headers
            response.read()
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
    names = {name.lower() for name in headers.keys()}
    return status, {name: headers.get_all(name) for name in names}


def _route_cookie(headers: dict[str, list[str]]) -> str | None:
    for value in headers.get("set-cookie", []):
        cookie = SimpleCookie(value)
        if COOKIE in cookie:
            return cookie[COOKIE].value
    return None


@pytest.fixture(scope="module")
def balancer(tmp_path_factory):
    """The base URL of nginx in front of two replicas; everything is stopped afterwards."""
    install = subprocess.run(
        ["bash", str(SERVE), "--install-nginx"],
        cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900,
    )
    if install.returncode != 0:
        pytest.skip(f"nginx cannot be installed here: {install.stderr.strip() or install.stdout.strip()}")

    port = _free_base_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            ["bash", str(SERVE), str(REPLICAS), str(port)],
            cwd=ROOT, env={**os.environ, "SERVE_ADDRESS": "127.0.0.1"},
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole below
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 150
        while "Serving" not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"scripts/serve.sh did not start (exit {proc.returncode}):\n{log_path.read_text()}")
            time.sleep(0.3)
        while True:
            try:
                if _get(f"{url}/_stcore/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"nginx did not answer:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_health_through_the_balancer(balancer):
    status, headers = _get(f"{balancer}/_stcore/health")
    assert status == 200
    assert headers["x-upstream"][0].startswith("127.0.0.1:")


def test_a_cookie_keeps_every_request_on_one_replica(balancer):
    status, headers = _get(f"{balancer}/")
    assert status == 200
    route = _route_cookie(headers)
    assert route, f"no {COOKIE} cookie set on a first visit: {headers.get('set-cookie')}"
    first = headers["x-upstream"][0]

    paths = ["/", "/_stcore/health", "/_stcore/host-config", "/media/missing.png", "/?lang=ko"] * 2
    seen = set()
    for path in paths:
        status, headers = _get(f"{balancer}{path}", cookie=route)
        seen.add(headers["x-upstream"][0])
        assert _route_cookie(headers) is None, "the cookie is set again although the browser sent it"
    assert seen == {first}, f"one browser's requests went to {seen}"


def test_different_browsers_spread_over_the_replicas(balancer):
    upstreams = {_get(f"{balancer}/_stcore/health", cookie=f"{random.getrandbits(128):032x}")[1]["x-upstream"][0]
                 for _ in range(20)}
    assert len(upstreams) == REPLICAS, upstreams


def test_the_app_runs_over_the_proxied_websocket(balancer):
    _, headers = _get(f"{balancer}/")
    route, page_upstream = _route_cookie(headers), headers["x-upstream"][0]
    ws_url = balancer.replace("http://", "ws://") + "/_stcore/stream"

    async def run_home():
        # As the browser connects: same origin, the `streamlit` subprotocol, the route cookie.
        async with connect(
            ws_url, subprotocols=["streamlit"], origin=balancer,
            additional_headers={"Cookie": f"{COOKIE}={route}"}, max_size=None, open_timeout=20,
        ) as ws:
            upstream = ws.response.headers["X-Upstream"]
            rerun = BackMsg()
            rerun.rerun_script.query_string = ""
            rerun.rerun_script.page_script_hash = ""
            await ws.send(rerun.SerializeToString())
            kinds, exceptions = [], []
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=40))
                kind = msg.WhichOneof("type")
                kinds.append(kind)
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    if msg.delta.new_element.WhichOneof("type") == "exception":
                        exceptions.append(msg.delta.new_element.exception.message)
                if kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return upstream, kinds, exceptions, msg.script_finished

    upstream, kinds, exceptions, finished = asyncio.run(run_home())
    assert upstream == page_upstream, "the websocket went to another replica than the page"
    assert "new_session" in kinds
    assert finished == ForwardMsg.FINISHED_SUCCESSFULLY
    assert kinds.count("delta") > 10, kinds
    assert not exceptions, exceptions
