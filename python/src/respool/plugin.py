"""The pytest plugin of respool (entry point `pytest11`).

Fixtures:

- `respool_server` (session): one server for the whole session (manual
  clock, auth enforced), reset before each test that uses it, unless the
  test's marker says `keep_state=True`.
- `respool` (function): a clean server for this test: the session's, reset,
  or, when the marker asks for another `timing`, `auth`, `flavors` or a
  `seed`, a server of its own, stopped (and its data removed) after the test.
- `modelarts_client` (function): the official SDK's `ModelArtsClient` for
  `respool`.

Marker: `@pytest.mark.respool(timing=..., auth=..., flavors=..., seed=...,
faults=[...], keep_state=False)`. Relative paths are taken from the test
file's directory. A fault is `{"selector": ..., "effect": ..., "count": ...}`
or a tuple `(selector, effect)` / `(selector, effect, count)`.

Options: `--respool-bin PATH` runs another binary; `--respool-keep` keeps the
data dirs and logs of failed tests and prints where they are.

When a test fails, the lines its servers logged meanwhile are attached to
the report (section "respool server log").
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from ._server import Respool

_DEFAULTS = {"timing": "manual", "auth": "enforce"}
_OWN_SERVER_KEYS = ("timing", "auth", "flavors", "seed", "postgres_url")
_MARKER_KEYS = set(_OWN_SERVER_KEYS) | {"faults", "keep_state"}

_reports = pytest.StashKey[Dict[str, pytest.TestReport]]()
_used = pytest.StashKey[List[Any]]()  # (server, log offset) of each server the test used
_manager_key = pytest.StashKey["_Manager"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("respool", "respool (the ModelArts resource-pool API emulator)")
    group.addoption("--respool-bin", metavar="PATH", default=None,
                    help="the respool binary to run (default: $RESPOOL_BIN, else the one "
                         "installed with the respool package)")
    group.addoption("--respool-keep", action="store_true", default=False,
                    help="keep the data dirs and logs of the servers of failed tests")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "respool(timing=None, auth=None, flavors=None, seed=None, faults=(), keep_state=False): "
        "the server the respool fixtures give this test")
    config.stash[_manager_key] = _Manager(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    manager = config.stash.get(_manager_key, None)
    if manager is not None:
        manager.stop()


class _Manager:
    """The session's server, started when a test first needs it."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.bin = config.getoption("--respool-bin")
        self.keep = config.getoption("--respool-keep")
        self.shared: Optional[Respool] = None
        self.shared_failed = False
        self.kept: List[str] = []

    def server(self) -> Respool:
        if self.shared is None or not self.shared.running:
            if self.shared is not None:
                self.shared.stop(keep=True)
                raise RuntimeError(f"the session's respool server died:\n{self.shared.log_tail()}")
            self.shared = Respool(bin=self.bin).start()
        return self.shared

    def stop(self) -> None:
        if self.shared is not None:
            keep = self.keep and self.shared_failed
            self.shared.stop(keep=keep)
            if keep:
                self.kept.append(str(self.shared.root))
            self.shared = None


def _options(node: pytest.Item) -> Dict[str, Any]:
    opts: Dict[str, Any] = {}
    # The closest marker wins: a function's over its class's and module's.
    for mark in reversed(list(node.iter_markers("respool"))):
        if mark.args:
            raise pytest.UsageError("@pytest.mark.respool takes keyword arguments only")
        unknown = set(mark.kwargs) - _MARKER_KEYS
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.respool: unknown argument(s) {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(_MARKER_KEYS))})")
        opts.update(mark.kwargs)
    return opts


def _resolve(node: pytest.Item, value: Any) -> Any:
    if value is None or isinstance(value, dict):
        return value
    path = Path(value)
    if not path.is_absolute():
        path = Path(node.path).parent / path
    return path


def _needs_own_server(opts: Dict[str, Any]) -> bool:
    return any(opts.get(k) not in (None, _DEFAULTS.get(k)) for k in _OWN_SERVER_KEYS)


def _add_faults(server: Respool, faults: Any) -> None:
    for f in faults or ():
        if isinstance(f, dict):
            f = dict(f)
            selector = f.pop("selector", None) or f.pop("labelSelector", None) \
                or f.pop("label_selector", "")
            effect = f.pop("effect")
            server.add_fault(selector, effect, **f)
        else:
            selector, effect, *rest = f
            kw = rest[0] if rest and isinstance(rest[0], dict) else (
                {"count": rest[0]} if rest else {})
            server.add_fault(selector, effect, **kw)


def _track(node: pytest.Item, server: Respool) -> None:
    _log_caught_up(server)
    try:
        offset = server.log_path.stat().st_size if server.log_path else 0
    except OSError:
        offset = 0
    node.stash.setdefault(_used, []).append((server, offset))


def _log_caught_up(server: Respool, timeout: float = 2.0) -> None:
    """Waits until the lines of earlier requests are in the log: the server
    writes them off the request path, in order, so once a request made now
    is logged, so is every request before it."""
    marker = "path=/_respool/clock "
    if not server.log_path or "path=/" not in server.log():
        return  # nothing is logged per request
    seen = server.log().count(marker)
    server.admin("GET", "clock")
    deadline = time.monotonic() + timeout
    while server.log().count(marker) <= seen and time.monotonic() < deadline:
        time.sleep(0.005)


def _failed(node: pytest.Item) -> bool:
    return any(r.failed for r in node.stash.get(_reports, {}).values())


@pytest.fixture(scope="session")
def respool_server(pytestconfig: pytest.Config) -> Respool:
    """The session's respool server (manual clock, auth enforced), reset before each test."""
    return pytestconfig.stash[_manager_key].server()


@pytest.fixture(autouse=True)
def _respool_isolation(request: pytest.FixtureRequest):
    """Resets the session server before a test that asks for `respool_server`."""
    if "respool_server" in request.fixturenames:
        server = request.getfixturevalue("respool_server")
        _prepare_shared(request.node, server, _options(request.node))
    yield
    if "respool_server" in request.fixturenames and _failed(request.node):
        request.config.stash[_manager_key].shared_failed = True


def _prepare_shared(node: pytest.Item, server: Respool, opts: Dict[str, Any]) -> None:
    if any(s is server for s, _ in node.stash.get(_used, [])):
        return  # done for this test already
    _track(node, server)
    if not opts.get("keep_state"):
        server.reset()
    _add_faults(server, opts.get("faults"))


@pytest.fixture
def respool(request: pytest.FixtureRequest):
    """A clean respool server for this test (see the module's doc)."""
    opts = _options(request.node)
    manager: _Manager = request.config.stash[_manager_key]
    if not _needs_own_server(opts):
        server = manager.server()
        _prepare_shared(request.node, server, opts)
        yield server
        if _failed(request.node):
            manager.shared_failed = True
        return
    server = Respool(
        timing=opts.get("timing") or _DEFAULTS["timing"],
        auth=opts.get("auth") or _DEFAULTS["auth"],
        flavors=_resolve(request.node, opts.get("flavors")),
        seed=_resolve(request.node, opts.get("seed")),
        postgres_url=opts.get("postgres_url"),
        bin=manager.bin,
    )
    try:
        server.start()
        _track(request.node, server)
        _add_faults(server, opts.get("faults"))
        yield server
    finally:
        keep = manager.keep and _failed(request.node)
        server.stop(keep=keep)
        if keep and server.root is not None:
            manager.kept.append(str(server.root))


@pytest.fixture
def modelarts_client(respool: Respool):
    """The official SDK's ModelArtsClient, signed for `respool`."""
    return respool.client()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    rep: pytest.TestReport = outcome.get_result()
    item.stash.setdefault(_reports, {})[rep.when] = rep
    if rep.failed:
        for server, offset in item.stash.get(_used, []):
            log = server.log().encode()[offset:].decode(errors="replace")
            where = f"{server.endpoint}, {server.log_path}"
            rep.sections.append((f"respool server log ({rep.when}; {where})",
                                 log or "(nothing logged during this test)"))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    manager = config.stash.get(_manager_key, None)
    if manager is None:
        return
    manager.stop()  # the session's server is gone by now; this records what it kept
    if manager.kept:
        terminalreporter.section("respool")
        for path in manager.kept:
            terminalreporter.write_line(f"kept the data and log of a failed test's server: {path}")
