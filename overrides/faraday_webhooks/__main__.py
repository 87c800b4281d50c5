"""``python -m faraday_webhooks`` runs the ``faraday-webhooks`` command."""

from .cli import main

raise SystemExit(main())
