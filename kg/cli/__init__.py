"""The ``kg`` command line: the only place that prints or exits.

Exit codes: 0 success; 1 unexpected error; 2 bad settings or usage; 3 corpus or
metadata problem (and, with ``--strict``, rejected files); 4 build failed;
5 build missing or stale; 6 missing dependency; 7 query refused or failed.

Each command family is one module that registers on :data:`kg.cli.common.main`; importing them
here is what puts every command on the group.
"""

from kg.cli import commands, remote, sparql, trace  # noqa: F401  (registers the commands)
from kg.cli.common import main

__all__ = ["main"]
