"""Harness that runs the real `respool` binary and talks to it with the official
Huawei Cloud Python SDK (huaweicloudsdkmodelarts 3.1.219).

Servers are started on demand, one per (timing profile, auth mode), on a free
loopback port with a private data directory, and are killed when the session
ends (also when tests fail or the run is interrupted).

Environment:
  RESPOOL_BIN   path of the binary (default: <repo>/target/debug/respool;
                build it with `cargo build -p respool`).
"""
import atexit
import os
import secrets
import signal
import socket
import string
import subprocess
import tempfile
import time
from pathlib import Path

import requests

# The SDK uses `requests`, which honours proxy variables: keep loopback local.
for _var in ("NO_PROXY", "no_proxy"):
    _cur = os.environ.get(_var, "")
    os.environ[_var] = ",".join(x for x in ("127.0.0.1", "localhost", _cur) if x)

from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
from huaweicloudsdkmodelarts.v1 import ModelArtsClient  # noqa: E402
from huaweicloudsdkmodelarts.v1 import model as m  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PROJECT_ID = "5a1c0ffee0ddba11c0de5eed00000001"
OTHER_PROJECT_ID = "5a1c0ffee0ddba11c0de5eed00000002"
DOMAIN_ID = "d0000000000000000000000000000001"
ACCESS_KEY = "RESPOOLSDKTESTAK0001"
SECRET_KEY = "RespoolSdkTestSecretKey0000000000000001"
REGION = "local-1"  # the server's default region; every project is also called this
FLAVOR = "modelarts.vm.cpu.4ud"
FLAVOR2 = "modelarts.vm.cpu.8ud"
STARTUP_TIMEOUT = 20.0


def respool_bin() -> Path:
    path = Path(os.environ.get("RESPOOL_BIN") or REPO / "target" / "debug" / "respool")
    if not path.is_file():
        raise RuntimeError(
            f"respool binary not found at {path}: run `cargo build -p respool` or set RESPOOL_BIN"
        )
    return path


def _clean_env(extra=None):
    """The process environment without any RESPOOL_* setting of the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESPOOL_")}
    env.update(extra or {})
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_name(prefix: str = "p") -> str:
    """A valid pool display name (4-32 chars, lowercase/digits/-, letter first)."""
    alphabet = string.ascii_lowercase + string.digits
    suffix = "".join(secrets.choice(alphabet) for _ in range(8))
    name = f"{prefix}-{suffix}"
    assert 4 <= len(name) <= 32 and name[0].isalpha(), name
    return name


def pool_body(display, scope=("Train",), resources=((FLAVOR, 1),), network="net-sdk",
              description=None, billing_mode=None, node_prefix=None):
    annotations = None
    if description is not None or billing_mode is not None:
        annotations = m.PoolAnnotationsCreation(os_modelarts_description=description,
                                                os_modelarts_billing_mode=billing_mode)
    return m.CreatePoolRequestBody(
        api_version="v2", kind="Pool",
        metadata=m.PoolMetadataCreation(
            labels=m.PoolLabelsCreation(os_modelarts_name=display, os_modelarts_workspace_id="0",
                                        os_modelarts_node_prefix=node_prefix),
            annotations=annotations),
        spec=m.PoolSpecCreation(
            type="Dedicate", scope=list(scope),
            resources=[m.PoolResourceFlavor(flavor=f, count=c) for f, c in resources],
            network=m.PoolSpecCreationNetwork(name=network)))


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    """Poll `predicate` until it returns a truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
        time.sleep(interval)


class RespoolServer:
    """One `respool serve` process with its own data dir and port."""

    def __init__(self, timing, auth, workdir: Path, extra_args=("--lenient-networks",)):
        self.timing = timing
        self.auth = auth
        self.extra_args = list(extra_args)  # more `respool serve` flags
        self.data_dir = workdir / "data"
        self.log_path = workdir / "server.log"
        self.project_id = PROJECT_ID
        self.access_key = ACCESS_KEY
        self.secret_key = SECRET_KEY
        self.proc = None
        self.port = None
        self.http = requests.Session()
        self.http.trust_env = False  # never go through a proxy

    # -- process ---------------------------------------------------------
    def start(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = _clean_env({
            "RESPOOL_ACCESS_KEY": self.access_key,
            "RESPOOL_SECRET_KEY": self.secret_key,
            "RESPOOL_PROJECT_ID": self.project_id,
            "RESPOOL_DOMAIN_ID": DOMAIN_ID,
        })
        last_error = None
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = _free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [str(respool_bin()), "serve", "--listen", f"127.0.0.1:{self.port}",
                 "--data-dir", str(self.data_dir), "--timing", self.timing, "--auth", self.auth,
                 *self.extra_args],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            log.close()
            _LIVE.add(self)
            try:
                self._wait_healthy()
                return self
            except RuntimeError as e:
                last_error = e
                self.stop()
        raise RuntimeError(f"respool did not start: {last_error}\n{self.log_tail()}")

    def _wait_healthy(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with {self.proc.returncode}")
            try:
                if self.http.get(self.url("/healthz"), timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("no 200 from /healthz")

    def stop(self):
        _LIVE.discard(self)
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def log_tail(self, n=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    # -- helpers -----------------------------------------------------------
    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.endpoint + path

    def cli(self, *args):
        """Run a `respool` management subcommand against this server's data dir."""
        cmd = [str(respool_bin()), *args, "--data-dir", str(self.data_dir)]
        res = subprocess.run(cmd, env=_clean_env(), capture_output=True, text=True, timeout=30)
        if res.returncode != 0:
            raise RuntimeError(f"{cmd} failed ({res.returncode}): {res.stdout}{res.stderr}")
        return res.stdout

    def create_credential(self, project_id):
        out = self.cli("credentials", "create", "--project", project_id)
        fields = dict(line.split(None, 1) for line in out.splitlines() if line.strip())
        return fields["access_key"].strip(), fields["secret_key"].strip()

    def client(self, ak=None, sk=None, project_id=None):
        cfg = HttpConfig.get_default_config()
        cfg.timeout = (5, 30)
        return (ModelArtsClient.new_builder()
                .with_http_config(cfg)
                .with_credentials(BasicCredentials(ak or self.access_key, sk or self.secret_key,
                                                   project_id or self.project_id))
                .with_endpoints([self.endpoint])
                .build())

    def token(self, scope=None, ak=None, sk=None):
        """An IAM-style token for the (default) credential, scoped by project id by default."""
        body = {"auth": {
            "identity": {"methods": ["hw_ak_sk"],
                         "hw_ak_sk": {"access": {"key": ak or self.access_key},
                                      "secret": {"key": sk or self.secret_key}}},
            "scope": scope or {"project": {"id": self.project_id}}}}
        r = self.http.post(self.url("/v3/auth/tokens"), json=body, timeout=10)
        assert r.status_code == 201, (r.status_code, r.text)
        tok = r.headers.get("X-Subject-Token")
        assert tok, r.headers
        return tok


_LIVE = set()


@atexit.register
def _kill_leftovers():
    for srv in list(_LIVE):
        srv.stop()


class ServerFarm:
    """Starts servers lazily, one per (timing, auth), and stops them all at the end."""

    def __init__(self, root: Path):
        self.root = root
        self.servers = {}

    def get(self, timing="immediate", auth="enforce", extra_args=("--lenient-networks",)):
        """Servers accept pools on networks never created unless `extra_args`
        leaves out `--lenient-networks`."""
        key = (timing, auth, tuple(extra_args))
        if key not in self.servers:
            workdir = Path(tempfile.mkdtemp(prefix=f"{timing}-{auth}-", dir=self.root))
            self.servers[key] = RespoolServer(timing, auth, workdir, extra_args).start()
        srv = self.servers[key]
        if srv.proc.poll() is not None:
            raise RuntimeError(f"respool ({timing}, {auth}) died:\n{srv.log_tail()}")
        return srv

    def stop_all(self):
        for srv in self.servers.values():
            srv.stop()




def expect_client_error(call, status, error_code):
    """Run `call`; it must raise ClientRequestException with this status and code."""
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    try:
        call()
    except ClientRequestException as e:
        assert (e.status_code, e.error_code) == (status, error_code), \
            f"got {e.status_code} {e.error_code}: {e.error_msg}"
        assert e.request_id, "X-Request-Id missing on the error response"
        assert e.error_msg, "empty error_msg"
        return e
    raise AssertionError(f"expected {status} {error_code}, the call succeeded")


def signed_request(server, method, path, query=None, body=None, ak=None, sk=None,
                   project_id=None, sdk_date=None, extra_headers=None):
    """Send one request signed by the SDK's own Signer, through plain `requests`.

    `sdk_date` (``%Y%m%dT%H%M%SZ``) pins X-Sdk-Date; the Signer then signs with it.
    """
    import json as _json
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    pid = project_id or server.project_id
    headers = {"Content-Type": "application/json", "X-Project-Id": pid,
               "User-Agent": "huaweicloud-usdk-python/3.0; respool-sdk-tests"}
    headers.update(extra_headers or {})
    if sdk_date:
        headers["X-Sdk-Date"] = sdk_date
    req = SdkRequest(method=method, schema="http", host=f"127.0.0.1:{server.port}",
                     resource_path=path, query_params=list(query or []), header_params=headers,
                     body=_json.dumps(body) if body is not None else None)
    Signer(BasicCredentials(ak or server.access_key, sk or server.secret_key, pid)).sign(req)
    return server.http.request(method, server.endpoint + req.uri, headers=req.header_params,
                               data=req.body, timeout=10)
