"""What the ``faraday-webhooks`` command does, once ``faraday_webhooks_cli`` has read its flags.

    commands.py  each command
    output.py    what is printed (escaped, secrets masked)
    demo.py      the offline demo

``main`` and ``build_parser`` live in ``faraday_webhooks_cli``, which imports nothing
of this package until a command runs; they are re-exported here.
"""

from faraday_webhooks_cli import build_parser, main

__all__ = ["build_parser", "main"]
