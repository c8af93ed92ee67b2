"""The `homelint` command and `python -m homelint`: a check whose invocation and inputs are
unchanged is answered from its record (engine.replay) before the CLI is even imported."""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["check"]:
        from homelint.engine import replay

        try:
            code = replay.replay(sys.argv[1:])
        except Exception:  # never worse than no record: the CLI checks as usual
            code = None
        if code is not None:
            os._exit(code)  # as cli.run ends: the output is written, nothing to tear down
        replay.ARGV = sys.argv[1:]  # this check may be recorded for the next run
    from homelint.cli import run

    run()


if __name__ == "__main__":
    main()
