"""`python -m respool ...` runs the bundled binary."""
import os
import sys

from ._server import find_respool_bin


def main() -> None:
    binary = str(find_respool_bin())
    if os.name == "posix":
        os.execv(binary, [binary, *sys.argv[1:]])
    import subprocess

    sys.exit(subprocess.call([binary, *sys.argv[1:]]))


if __name__ == "__main__":
    main()
