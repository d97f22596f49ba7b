"""Hostile templates: each is refused with a TemplateError that names the template file and line,
and none of them reads a file, the environment or the registry's internals, or changes a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.documents import templating
from reportgen.engine.project import evaluate, load_project
from reportgen.errors import TemplateError

BASE = Path(__file__).parent / "corpus" / "_base"
HEAD = "---\ntitle: {{ report.title }}\n---\n\n{{ report.township }}共有人员{{ f.people_count }}。\n"

HOSTILE = {
    "str_mro": "{{ ''.__class__.__mro__ }}",
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "namespace_class": "{{ f.__class__ }}",
    "namespace_private": "{{ f._figures }}",
    "namespace_private_item": "{{ f['_figures'] }}",
    "namespace_private_attr_filter": "{{ f|attr('_figures') }}",
    "namespace_not_a_name": "{{ f[0] }}",
    "figure_dict": "{{ f.people_count.__dict__ }}",
    "figure_reduce": "{{ f.people_count.__reduce_ex__(2) }}",
    "provenance_globals": "{{ f.people_count.provenance.as_dict.__globals__ }}",
    "cycler_globals": "{{ cycler.__init__.__globals__ }}",
    "joiner_globals": "{{ joiner.__init__.__globals__ }}",
    "lipsum_globals": "{{ lipsum.__globals__ }}",
    "lipsum_os_environ": "{{ lipsum.__globals__.os.environ }}",
    "filter_globals": "{{ hu_ren.__globals__ }}",
    "include_registry": "{% include '../figures.yaml' %}",
    "include_absolute": "{% include '/etc/passwd' %}",
    "import_outside": "{% import '../../x' as y %}",
    "extends_outside": "{% extends '../figures.yaml' %}",
    "os_environ": "{{ os.environ }}",
    "environ": "{{ environ['HOME'] }}",
    "config": "{{ config }}",
    "config_items": "{{ config.items() }}",
    "self_dict": "{{ self.__dict__ }}",
    "self_context": "{{ self._TemplateReference__context }}",
    "request": "{{ request }}",
    "range_huge": "{{ range(10**9) }}",
    "range_huge_loop": "{% for i in range(10**9) %}{{ i }}{% endfor %}",
    "string_repeat_huge": "{{ 'a' * 10**9 }}",
    "power_huge": "{{ 9 ** 99999 }}",
    "format_map": "{{ ''.format_map }}",
    "format_map_item": "{{ ''['format_map'] }}",
    "format_escape": "{{ '{0.__class__}'.format(f) }}",
    "report_update": "{{ report.update({}) }}",
    "report_setitem": "{% set _ = report.__setitem__('township', '别处') %}",
    "report_clear": "{{ report.clear() }}",
    "period_pop": "{{ period.pop('year') }}",
    "list_append": "{% set xs = [1] %}{{ xs.append(2) }}",
    "dict_setdefault": "{{ {}.setdefault('a', 1) }}",
    "loop_class": "{% for x in [1] %}{{ loop.__class__ }}{% endfor %}",
}


@pytest.fixture(scope="module")
def figures():
    project = load_project(BASE, cache=False)  # read only: nothing written into the source tree
    return project, evaluate(project, project.timeframe()).figures


def _render(project, figures, folder: Path, text: str, report: dict | None = None) -> str:
    templates = folder / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "t.md.j2").write_text(text, encoding="utf-8")
    (folder / "figures.yaml").write_text("SECRET-REGISTRY: 1\n", encoding="utf-8")
    report = dict(project.registry.report) if report is None else report
    return templating.render(templates, "t.md.j2", figures, report, {"year": "今年"})


def test_a_plain_template_renders(figures, tmp_path):
    project, figs = figures
    text = _render(project, figs, tmp_path, HEAD)
    assert f"共有人员{figs['people_count'].wording}。" in text


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_template_is_refused_with_file_and_line(name, figures, tmp_path):
    project, figs = figures
    blank_lines = len(name) % 4  # the offending line moves, so a constant line number would not pass
    line = HEAD.count("\n") + blank_lines + 1
    report = dict(project.registry.report)
    before = dict(report)
    with pytest.raises(TemplateError) as caught:
        _render(project, figs, tmp_path, HEAD + "\n" * blank_lines + HOSTILE[name] + "\n", report)
    message = str(caught.value)
    assert f"templates/t.md.j2:{line}:" in message
    assert "SECRET-REGISTRY" not in message and "root:" not in message
    assert report == before


def test_hostile_template_in_a_build_is_refused_and_leaves_output(tmp_path, capsys):
    """The same refusal through the command line: exit 2, file and line, output untouched."""
    import shutil

    from reportgen.cli import main

    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / "templates" / "report.md.j2").write_text(HEAD + "{{ cycler.__init__.__globals__ }}\n", encoding="utf-8")
    previous = root / "output" / "2023H1"
    previous.mkdir(parents=True)
    (previous / "figures.json").write_bytes(b'{"earlier": true}\n')
    assert main(["--root", str(root), "build"]) == 2
    err = capsys.readouterr().err
    assert "templates/report.md.j2:6:" in err and "__init__" in err
    assert [p.name for p in (root / "output").iterdir()] == ["2023H1"]
    assert (previous / "figures.json").read_bytes() == b'{"earlier": true}\n'
