"""Tests of the respool Python package against the real binary.

They use the installed package: its binary, or $RESPOOL_BIN when set.
"""
import os

pytest_plugins = ["pytester"]

# The SDK sends through `requests`, which honours proxy variables.
for _var in ("NO_PROXY", "no_proxy"):
    _cur = os.environ.get(_var, "")
    os.environ[_var] = ",".join(x for x in ("127.0.0.1", "localhost", _cur) if x)
