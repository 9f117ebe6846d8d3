"""Feedback that never shows a hidden test.

nbgrader's `ClearHiddenTests` removes the hidden region from a test cell's source, but the
cell's *outputs* still show it: an IPython traceback prints the failing hidden `assert` line
with its neighbours, and a student's `pre_run_cell` hook can print the whole cell. So in test
cells that had hidden tests, errors are cut down to `Name: message` and printed output is
dropped. After rendering, `leaks` checks the HTML text against every hidden line as a last
line of defence: feedback that fails it is deleted, not handed out.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from . import notebooks

_TAG = re.compile(r"<[^>]+>")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HideTestInternals(NbGraderPreprocessor):
    """Reduce the outputs of test cells with hidden tests to what cannot reveal them."""

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict,
                        cell_index: int) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code" and notebooks.is_test(cell) and notebooks.has_hidden_tests(cell.source):
            kept = []
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [notebooks.error_line(output)]
                    kept.append(output)
                elif output.output_type == "execute_result":   # partial credit: a number
                    kept.append(output)
            cell.outputs = kept
        return cell, resources


def hidden_lines(nb: NotebookNode) -> list[str]:
    """The code lines inside hidden-test regions of a source notebook, whitespace-normalized.
    Short lines (`pass`, `)`) and lines that also appear outside hidden regions are skipped:
    they reveal nothing, and finding them would withhold honest feedback."""
    hidden, shown = [], set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            norm = " ".join(line.split())
            if notebooks.HIDDEN_BEGIN in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside:
                if len(norm) >= 12:
                    hidden.append(norm)
            else:
                shown.add(norm)
    return [line for line in dict.fromkeys(hidden) if line not in shown]


def visible_text(page: str) -> str:
    text = html.unescape(_TAG.sub("", page))
    return " ".join(_ANSI.sub("", text).split())


def leaks(page: str, secrets: list[str]) -> list[str]:
    """The hidden lines that can be read in the rendered feedback page."""
    text = visible_text(page)
    return [s for s in secrets if s in text]


def check_files(feedback_dir: Path, secrets_by_notebook: dict[str, list[str]]) -> list[str]:
    """Delete every feedback page under `feedback_dir` that shows a hidden line; say which."""
    problems = []
    for page in sorted(Path(feedback_dir).rglob("*.html")):
        found = leaks(page.read_text(errors="replace"), secrets_by_notebook.get(page.stem, []))
        if found:
            page.unlink()
            problems.append(f"{page}: withheld, it showed hidden test text {found[0]!r}")
    return problems
