"""What a newcomer reads names each example by what it is (issue 20): no "seed 001", "§三" or "the
document" in the README, the glossary, ``make demo``'s output, the command's help or the lessons, since
nobody outside the project has seen our source documents. Identifiers in code (``document_printed_seed001``,
``document_point``) are not words and may stay. And ``make demo`` says first that its ✗ rows are a
tutorial's slips, found by the engine."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autodiff.cli.app import build_parser

ROOT = Path(__file__).resolve().parents[1]
INTERNAL = re.compile(r"\bseeds? 0\d\d\b|§|\bdocuments?\b", re.IGNORECASE)  # words, not identifiers


def hits(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if INTERNAL.search(line)]


@pytest.fixture(scope="module")
def demo() -> str:
    p = subprocess.run([sys.executable, "-m", "autodiff.cli", "examples"], capture_output=True, text=True,
                       timeout=120, check=False)  # fmt: skip
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_the_pattern_catches_what_it_should():
    assert len(hits("Seed 001 §三\nthe document's slip\nseeds 002\nThe documents' examples")) == 4
    assert not hits('REF["document_printed_seed001"]; document_point; at_document; nn.MLP(..., seed=0); seed 0')


@pytest.mark.parametrize("name", ["README.md", "docs/glossary.md"])
def test_the_readme_and_glossary(name):
    assert hits((ROOT / name).read_text(encoding="utf-8")) == []


def test_make_demo_output(demo):
    assert hits(demo) == []


def test_make_demo_says_first_that_its_crosses_are_the_tutorials_slip(demo):
    head = " ".join(demo.splitlines()[:6])
    assert "✗ rows below are slips in a tutorial, found by the engine, not failures of the tool" in head
    assert "✗" not in " ".join(demo.splitlines()[:2])  # nothing before the explanation shows a ✗
    assert demo.index("not failures of the tool") < demo.index("2-3-2-1 sigmoid network, w(2)2,2")


def test_the_commands_help():
    parser = build_parser(with_plugins=False)
    texts = [parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            texts += [sub.format_help() for sub in action.choices.values()]
    assert len(texts) > 5
    assert [h for t in texts for h in hits(t)] == []


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_the_lessons(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert [h for c in cells for h in hits("".join(c["source"]))] == []


def test_the_readme_links_the_glossary_and_it_has_the_lessons_terms():
    assert "(docs/glossary.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1:4] for line in glossary.splitlines() if line.startswith("| ") and "---" not in line]
    chinese = " ".join(row[1] for row in rows)
    for term in ("反向传播", "计算图", "链式法则", "梯度下降", "局部梯度", "局部导数", "上游梯度", "损失函数", "隐藏层",
                 "神经元", "权重", "偏置", "激活函数", "学习率", "前向传播", "交叉熵", "偏导数", "有限差分", "卷积核"):
        assert term in chinese, term
    assert all(len(row) == 3 and all(cell.strip() for cell in row) for row in rows)  # English, 中文, meaning
