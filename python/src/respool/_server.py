"""`Respool`: one `respool serve` process with its own port, data and credential."""
from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

__all__ = ["Respool", "RespoolError", "find_respool_bin"]

PathLike = Union[str, "os.PathLike[str]"]

#: Seconds a start may take before it is given up.
START_TIMEOUT = 30.0
_EXE = "respool.exe" if os.name == "nt" else "respool"
_TIMINGS = ("immediate", "fast", "realistic", "manual")
_AUTH = ("enforce", "log", "off")


class RespoolError(RuntimeError):
    """The server could not start, or the admin API refused a call."""


def find_respool_bin(explicit: Optional[PathLike] = None) -> Path:
    """The `respool` binary: `explicit`, else `$RESPOOL_BIN`, else the one this
    package installed into the environment's scripts directory, else PATH."""
    if explicit:
        return _check_bin(Path(explicit), "given")
    env = os.environ.get("RESPOOL_BIN")
    if env:
        return _check_bin(Path(env), "RESPOOL_BIN")
    candidates = [Path(sysconfig.get_path("scripts")) / _EXE]
    user = sysconfig.get_path("scripts", f"{os.name}_user") if os.name == "posix" else None
    if user:
        candidates.append(Path(user) / _EXE)
    candidates.append(Path(sys.executable).parent / _EXE)
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    found = shutil.which(_EXE)
    if found:
        return Path(found)
    raise RespoolError(
        "the respool binary was not found (looked in "
        + ", ".join(str(c) for c in candidates)
        + " and on PATH): pip install respool, or pass its path"
    )


def _check_bin(path: Path, how: str) -> Path:
    if not path.is_file():
        raise RespoolError(f"the respool binary ({how}) does not exist: {path}")
    if not os.access(path, os.X_OK):
        raise RespoolError(f"the respool binary ({how}) is not executable: {path}")
    return path


def _token(n: int, alphabet: str) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# Servers started by this process and not stopped yet: stopped at exit, so
# none outlives the interpreter (on Linux the kernel also ends them if the
# interpreter is killed: see _die_with_parent).
_LIVE: "set[Respool]" = set()
_LIVE_LOCK = threading.Lock()


@atexit.register
def _stop_leftovers() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE)
    for server in live:
        server.stop()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the server gets SIGTERM when the process that started it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:
        pass


class Respool:
    """A running respool server, as a context manager::

        with Respool() as rp:
            client = rp.client()
            ...
            rp.advance(720)

    `timing`: `manual` (the clock moves only with :meth:`advance`),
    `immediate`, `fast` or `realistic`. `auth`: `enforce`, `log` or `off`.
    `data_dir`: keep the data there (default: a temporary directory removed
    on exit). `postgres_url`: use PostgreSQL instead of SQLite. `flavors`: a
    JSON file of extra resource flavors. `seed`: a scenario file (YAML or
    JSON), or a dict, applied at start (see `respool serve --help`).

    Keyword-only: `bin` (the binary), `port` (default: a free one),
    `start_timeout`, `keep` (keep the temporary directory), `env` (more
    environment for the server), `extra_args` (more `serve` flags).
    """

    def __init__(
        self,
        timing: str = "manual",
        auth: str = "enforce",
        data_dir: Optional[PathLike] = None,
        postgres_url: Optional[str] = None,
        flavors: Optional[PathLike] = None,
        seed: Union[None, PathLike, Mapping[str, Any]] = None,
        *,
        bin: Optional[PathLike] = None,
        port: Optional[int] = None,
        host: str = "127.0.0.1",
        start_timeout: float = START_TIMEOUT,
        keep: bool = False,
        env: Optional[Mapping[str, str]] = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        if timing not in _TIMINGS:
            raise ValueError(f"timing must be one of {', '.join(_TIMINGS)}, not {timing!r}")
        if auth not in _AUTH:
            raise ValueError(f"auth must be one of {', '.join(_AUTH)}, not {auth!r}")
        self.timing = timing
        self.auth = auth
        self.postgres_url = postgres_url
        self.flavors = Path(flavors) if flavors is not None else None
        self.seed = seed
        self.bin = bin
        self.host = host
        self.start_timeout = start_timeout
        self.keep = keep
        self._fixed_port = port
        self._env = dict(env or {})
        self._extra_args = list(extra_args)
        self._given_data_dir = Path(data_dir) if data_dir is not None else None

        # The credential and admin token the server is started with.
        upper = string.ascii_uppercase + string.digits
        self.ak = _token(20, upper)
        self.sk = _token(40, string.ascii_letters + string.digits)
        self.project_id = secrets.token_hex(16)
        self.domain_id = secrets.token_hex(16)
        self.admin_token = secrets.token_urlsafe(24)

        self.root: Optional[Path] = None  # temporary: the log, a seed written from a dict
        self.data_dir: Optional[Path] = None
        self.log_path: Optional[Path] = None
        self.port: Optional[int] = None
        self.proc: Optional[subprocess.Popen] = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- life ------------------------------------------------------------
    def __enter__(self) -> "Respool":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Respool {state} {self.endpoint if self.port else ''} timing={self.timing}>"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "Respool":
        """Starts the server and waits until `/readyz` answers; raises
        :class:`RespoolError` (with the end of the server's log) when it
        cannot start within `start_timeout` seconds."""
        if self.running:
            return self
        binary = find_respool_bin(self.bin)
        self.root = Path(tempfile.mkdtemp(prefix="respool-"))
        self.data_dir = self._given_data_dir or self.root / "data"
        self.log_path = self.root / "server.log"
        with _LIVE_LOCK:
            _LIVE.add(self)
        try:
            seed = self._seed_file()
            attempts = 1 if self._fixed_port else 3
            for attempt in range(attempts):
                self.port = self._fixed_port or _free_port(self.host)
                self._spawn(binary, seed)
                try:
                    self._wait_ready()
                    return self
                except RespoolError as e:
                    self._kill()
                    # Another process may take the free port between probe and bind.
                    if attempt + 1 < attempts and "cannot listen" in self.log():
                        continue
                    raise RespoolError(
                        f"respool did not start ({e}); {binary} serve "
                        f"--listen {self.host}:{self.port}, log {self.log_path}:\n"
                        f"{self.log_tail()}"
                    ) from None
            raise AssertionError("unreachable")
        except BaseException:
            self.stop()
            raise

    def _seed_file(self) -> Optional[Path]:
        if self.seed is None:
            return None
        if isinstance(self.seed, Mapping):
            assert self.root is not None
            path = self.root / "seed.json"
            path.write_text(json.dumps(self.seed))
            return path
        path = Path(self.seed)
        if not path.is_file():
            raise RespoolError(f"the seed file does not exist: {path}")
        return path.resolve()

    def _spawn(self, binary: Path, seed: Optional[Path]) -> None:
        assert self.data_dir is not None and self.log_path is not None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RESPOOL_")}
        env.update({
            "RESPOOL_ACCESS_KEY": self.ak,
            "RESPOOL_SECRET_KEY": self.sk,
            "RESPOOL_PROJECT_ID": self.project_id,
            "RESPOOL_DOMAIN_ID": self.domain_id,
            "RESPOOL_ADMIN_TOKEN": self.admin_token,
            "NO_COLOR": "1",  # a log file, not a terminal
        })
        env.update(self._env)
        args = [
            str(binary), "serve",
            "--listen", f"{self.host}:{self.port}",
            "--data-dir", str(self.data_dir),
            "--timing", self.timing,
            "--auth", self.auth,
        ]
        if self.postgres_url:
            args += ["--database", self.postgres_url]
        if self.flavors is not None:
            args += ["--flavors", str(self.flavors)]
        if seed is not None:
            args += ["--seed", str(seed)]
        args += self._extra_args
        linux_main = sys.platform.startswith("linux") and (
            threading.current_thread() is threading.main_thread())
        with open(self.log_path, "ab") as log:
            try:
                self.proc = subprocess.Popen(
                    args, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    # Its own session: Ctrl-C reaches the tests, which stop it in order.
                    start_new_session=True,
                    preexec_fn=_die_with_parent if linux_main else None,
                )
            except OSError as e:
                raise RespoolError(f"cannot run {binary}: {e}") from None

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.start_timeout
        last = "no answer"
        while True:
            code = self.proc.poll()
            if code is not None:
                raise RespoolError(f"it exited with status {code}")
            try:
                with self._opener.open(self.endpoint + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
                    last = f"/readyz answered {r.status}"
            except urllib.error.HTTPError as e:
                last = f"/readyz answered {e.code}"
            except (OSError, urllib.error.URLError) as e:
                last = str(getattr(e, "reason", e))
            if time.monotonic() >= deadline:
                raise RespoolError(f"not ready after {self.start_timeout:g} s: {last}")
            time.sleep(0.02)

    def _kill(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def stop(self, keep: Optional[bool] = None) -> None:
        """Stops the server and removes its temporary directory (unless
        `keep`, or the data dir was given). Safe to call more than once."""
        try:
            self._kill()
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(self)
            keep = self.keep if keep is None else keep
            if self.root is not None and not keep:
                shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        """Everything the server logged so far."""
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    # -- the admin API -------------------------------------------------------
    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Calls `/_respool/<path>` and returns the decoded answer."""
        if not self.running:
            raise RespoolError(f"respool is not running:\n{self.log_tail()}")
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.endpoint + "/_respool/" + path.lstrip("/"), data=data, method=method,
            headers={"Authorization": f"Bearer {self.admin_token}",
                     "Content-Type": "application/json"})
        try:
            with self._opener.open(req, timeout=30) as r:
                text = r.read().decode()
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")
            raise RespoolError(f"{method} /_respool/{path.lstrip('/')}: {e.code} {detail}") from None
        return json.loads(text) if text else None

    def clock(self) -> Dict[str, Any]:
        """The virtual clock: `now`, `nowMs`, `frozen`, `timing`."""
        return self.admin("GET", "clock")

    def advance(self, seconds: float) -> Dict[str, Any]:
        """Moves the clock on by `seconds` and applies every stage that ends
        meanwhile; answers the clock and `changedPools`."""
        return self.admin("POST", "clock/advance", {"seconds": seconds})

    def add_fault(self, selector: str, effect: str, **kw: Any) -> Dict[str, Any]:
        """Adds a fault rule for the pools whose labels match `selector`:
        `creation-fails`, `nodes-abnormal` (with `count=N`), `scaling-fails`
        or `delete-stuck`. Answers the rule; its `id` removes it."""
        body = {"labelSelector": selector, "effect": effect}
        for k, v in kw.items():
            parts = k.split("_")
            body[parts[0] + "".join(p.title() for p in parts[1:])] = v
        return self.admin("POST", "faults", body)

    def faults(self) -> List[Dict[str, Any]]:
        return self.admin("GET", "faults")["items"]

    def remove_fault(self, id: Union[str, Mapping[str, Any]]) -> Dict[str, Any]:
        fault_id = id["id"] if isinstance(id, Mapping) else id
        return self.admin("DELETE", f"faults/{urllib.parse.quote(fault_id, safe='')}")

    def reset(self) -> Dict[str, Any]:
        """Deletes every pool, order, event, network, workspace and fault rule
        (the clock and credentials stay)."""
        return self.admin("POST", "reset")

    def pay(self, pool: str, project_id: Optional[str] = None) -> Dict[str, Any]:
        """Pays a yearly/monthly pool's order (`Waiting` → `Creating`).
        `pool` is its name or its display name."""
        project = project_id or self.project_id
        name = pool if pool.endswith("-" + project) else f"{pool}-{project}"
        return self.admin("POST", f"pools/{project}/{urllib.parse.quote(name, safe='')}/pay")

    def requests(self, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """The request log, oldest first: `method`, `path`, `status`,
        `accessKey`, `durationMs`, `requestId`, `time`."""
        query = f"?limit={int(limit)}" if limit is not None else ""
        return self.admin("GET", "requests" + query)["items"]

    # -- clients -------------------------------------------------------------
    def client(self, **config: Any):
        """A `huaweicloudsdkmodelarts` `ModelArtsClient` signed with this
        server's credential (`pip install huaweicloudsdkmodelarts`)."""
        try:
            from huaweicloudsdkcore.auth.credentials import BasicCredentials
            from huaweicloudsdkcore.http.http_config import HttpConfig
            from huaweicloudsdkmodelarts.v1 import ModelArtsClient
        except ImportError as e:
            raise ImportError(
                "Respool.client() needs the official SDK: pip install huaweicloudsdkmodelarts "
                f"({e})") from e
        _no_proxy_for_loopback()
        http = HttpConfig.get_default_config()
        http.timeout = (5, 60)
        for k, v in config.items():
            setattr(http, k, v)
        return (ModelArtsClient.new_builder()
                .with_http_config(http)
                .with_credentials(BasicCredentials(self.ak, self.sk, self.project_id))
                .with_endpoints([self.endpoint])
                .build())

    def credentials(self) -> Dict[str, str]:
        """The credential as `credentials.json` would hold it."""
        return {"ak": self.ak, "sk": self.sk, "project_id": self.project_id,
                "domain_id": self.domain_id, "endpoint": self.endpoint}


def _no_proxy_for_loopback() -> None:
    """The SDK sends through `requests`, which honours proxy variables: keep loopback direct."""
    for var in ("NO_PROXY", "no_proxy"):
        current = [x for x in os.environ.get(var, "").split(",") if x]
        missing = [h for h in ("127.0.0.1", "localhost") if h not in current]
        if missing:
            os.environ[var] = ",".join(missing + current)
