"""Run the pinned openapi-python-client as its command line does, with one addition: the
templates in generator-templates/ also see the OpenAPI document itself.

The generator's own model of the document drops what the client needs to know of it
(an operation's ``operationId`` as written, a parameter's ``maxItems``, the delivery
messages' discriminator mapping). With ``document`` and the ``python_literal`` filter,
the templates write those facts into generated/ as plain Python, so the hand-written
package never reads the document at run time.

    python scripts/generate_client.py SPEC CONFIG TEMPLATES OUTPUT

Called by ./generate.sh, which checks the pinned versions and compares the output.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from openapi_python_client import Project
from openapi_python_client.cli import handle_errors
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser.errors import GeneratorError
from openapi_python_client.parser.openapi import GeneratorData
from ruamel.yaml import YAML


def python_literal(value: Any) -> str:
    """A value of the document as Python source: ``repr`` of plain JSON data is a literal,
    so text from the document can never become code."""
    if isinstance(value, (str, int, float, bool, type(None), list, dict)):
        return repr(value)
    raise TypeError(f"not plain JSON data: {type(value).__name__}")


def main(argv: list[str]) -> int:
    spec, config_file, templates, output = (Path(argument) for argument in argv)
    # The same YAML reader the generator uses, so both read the document alike.
    document = YAML(typ="safe").load(spec.read_bytes())
    config = Config.from_sources(
        ConfigFile.load_from_path(config_file), MetaType.NONE, spec, "utf-8", True, output
    )
    data = GeneratorData.from_dict(document, config=config)
    if isinstance(data, GeneratorError):
        handle_errors([data], fail_on_warning=True)
        return 1
    project = Project(openapi=data, config=config, custom_template_path=templates)
    project.env.globals["document"] = document
    project.env.filters["python_literal"] = python_literal
    try:
        handle_errors(project.build(), fail_on_warning=True)
    except SystemExit as stop:  # typer.Exit on any error or warning
        return int(stop.code or 1)
    except Exception as stop:
        print(f"generate_client: {type(stop).__name__}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
