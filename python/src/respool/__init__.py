"""respool: the ModelArts resource-pool API emulator, for Python tests.

    from respool import Respool

    with Respool() as rp:                      # manual clock, signed requests
        client = rp.client()                   # huaweicloudsdkmodelarts, if installed
        ...
        rp.advance(720)                        # nodes take 720 s to create

The pytest plugin (installed with this package) gives tests the fixtures
`respool`, `respool_server` and `modelarts_client`.
"""
from ._server import Respool, RespoolError, find_respool_bin

__all__ = ["Respool", "RespoolError", "find_respool_bin", "__version__"]

try:
    from importlib.metadata import PackageNotFoundError, version as _version

    try:
        __version__ = _version("respool")
    except PackageNotFoundError:  # imported from a source tree
        __version__ = "0+unknown"
except ImportError:  # pragma: no cover
    __version__ = "0+unknown"
