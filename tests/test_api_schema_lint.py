"""The served OpenAPI document lints clean under Redocly CLI, with the rules in redocly.yaml.

`make test` installs the linter first (`make openapi-lint-tools`, from npm, pinned in
tools/openapi-lint/package-lock.json). Where it is not installed the test is skipped, saying why,
except in CI (CI=true), where a missing linter fails the run unless the machine has no npm at all.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
REDOCLY = ROOT / "tools" / "openapi-lint" / "node_modules" / ".bin" / "redocly"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def redocly() -> Path:
    if not REDOCLY.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed, so neither is Redocly CLI: the OpenAPI lint cannot run")
        message = "Redocly CLI is not installed: run `make openapi-lint-tools` (make test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return REDOCLY


def test_the_served_document_lints_clean(redocly, tmp_path):
    document = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(document))
    environment = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    lint = subprocess.run(
        [str(redocly), "lint", "--config", str(ROOT / "redocly.yaml"), "--format", "stylish", str(document)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Your API description is valid" in lint.stdout + lint.stderr
