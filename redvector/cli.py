"""Command line: ``redvector [configfile] [--directive value ...]`` like redis-server."""

from __future__ import annotations

import logging
import sys

from redvector import __version__
from redvector.config import DIRECTIVES, Config
from redvector.errors import ConfigError

USAGE = """Usage: redvector [/path/to/redvector.conf] [--directive value ...]
       redvector --version | --help

Examples:
  redvector                                  # 127.0.0.1:6379, REST 8888, gRPC 50051, data in ./data
  redvector --port 7000 --dir /tmp/rv --appendonly no --save ""
  redvector /etc/redvector.conf --requirepass s3cret
"""

_LOG_LEVELS = {"debug": logging.DEBUG, "verbose": logging.INFO, "notice": logging.INFO,
               "warning": logging.WARNING, "nothing": logging.CRITICAL}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--version" in args or "-v" in args:
        print(f"RedVector server v={__version__}")
        return 0
    if "--help" in args or "-h" in args:
        print(USAGE + "\nDirectives: " + ", ".join(sorted(DIRECTIVES)))
        return 0
    try:
        config = Config.from_args(args)
    except (ConfigError, OSError) as exc:
        message = exc.message if isinstance(exc, ConfigError) else str(exc)
        print(f"\n*** FATAL CONFIG FILE ERROR ***\n{message}", file=sys.stderr)
        return 1
    logging.basicConfig(
        level=_LOG_LEVELS.get(config["loglevel"], logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        filename=config["logfile"] or None,
    )
    from redvector.app import run

    return run(config)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
