"""The README's "In your Python tests" shows python/example as it is, and its
snippet without pytest runs."""
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def section():
    readme = (REPO / "README.md").read_text()
    start = readme.index("## In your Python tests")
    return readme[start:readme.index("\n## ", start + 1)]


def blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", section(), flags=re.S)


def test_the_readme_example_is_python_example_word_for_word():
    assert blocks("python")[0] == (REPO / "python" / "example" / "test_example.py").read_text()
    assert blocks("yaml")[0] == (REPO / "python" / "example" / "scenario.yaml").read_text()


def test_the_readme_snippet_without_pytest_runs(capsys):
    pytest.importorskip("huaweicloudsdkmodelarts")
    snippet = blocks("python")[1]
    assert "with Respool(" in snippet
    exec(compile(snippet, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.startswith("Running {") and "'method': 'GET'" in printed, printed
