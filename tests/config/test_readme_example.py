"""The config example in the README loads: the README stays true as the loader changes."""

from __future__ import annotations

import re
from pathlib import Path

from edgesim.config.load import load_config
from tests.conftest import ROOT


def test_readme_config_example_loads(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", readme, re.DOTALL)
    assert example, "the README shows a YAML config"
    (tmp_path / "edge.yaml").write_text(example.group(1))
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "add-index.js").write_text("function handler(event) { return event.request; }")
    (tmp_path / "lambdas" / "auth").mkdir(parents=True)
    (tmp_path / "lambdas" / "auth" / "index.js").write_text("exports.handler = async (e) => e.Records[0].cf.request;")
    config = load_config(tmp_path / "edge.yaml")
    assert config.warnings == ()
    assert config.distribution.origins["app"].base_url() == "http://127.0.0.1:3000"
    assert config.distribution.default_behavior.association("viewer-request").name == "add-index"
