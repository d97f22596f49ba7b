"""Hostile templates: each is refused with a TemplateError that names the template file and line,
and none of them reads a file, the environment or the registry's internals, or changes a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.documents import templating
from reportgen.documents.model import parse
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


def test_a_template_edited_between_renders_is_read_again(figures, tmp_path):
    """Compiled templates are kept per folder; an edit, even one that keeps size and timestamp, or a
    link re-pointed out of templates/, is seen on the next render."""
    import os

    project, figs = figures
    first = _render(project, figs, tmp_path, HEAD + "甲\n")
    target = tmp_path / "templates" / "t.md.j2"
    stamp = target.stat()
    target.write_text(HEAD + "乙\n", encoding="utf-8")  # as many bytes as before
    os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    second = templating.render(tmp_path / "templates", "t.md.j2", figs, dict(project.registry.report),
                               {"year": "今年"})
    assert first.endswith("甲\n") and second.endswith("乙\n")
    target.unlink()
    target.symlink_to("/etc/passwd")
    with pytest.raises(TemplateError, match="is a link that leads outside templates/"):
        templating.render(tmp_path / "templates", "t.md.j2", figs, dict(project.registry.report), {})


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


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("link, include", [("passwd.md.j2", "passwd.md.j2"), ("etc", "etc/passwd")],
                         ids=["a link to a file", "a link to a folder"])
def test_a_link_out_of_templates_is_refused_and_not_read(link, include, figures, tmp_path):
    project, figs = figures
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / link).symlink_to("/etc/passwd" if link.endswith(".j2") else "/etc")
    with pytest.raises(TemplateError) as caught:
        _render(project, figs, tmp_path, HEAD + "\n{% include '" + include + "' %}\n")
    message = str(caught.value)
    assert f"templates/t.md.j2:7: templates/{include} is a link that leads outside templates/" in message
    assert "root:" not in message


def test_a_template_that_is_a_link_out_of_templates_is_refused(figures, tmp_path):
    project, figs = figures
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "report.md.j2").symlink_to("/etc/passwd")
    with pytest.raises(TemplateError) as caught:
        templating.render(tmp_path / "templates", "report.md.j2", figs, dict(project.registry.report), {})
    assert "templates/report.md.j2 is a link that leads outside templates/" in str(caught.value)
    assert "root:" not in str(caught.value)


def test_a_link_inside_templates_is_followed(figures, tmp_path):
    project, figs = figures
    _write(tmp_path, "parts/people.md.j2", "人员{{ f.people_count }}。\n")
    (tmp_path / "templates" / "people.md.j2").symlink_to(tmp_path / "templates" / "parts" / "people.md.j2")
    text = _render(project, figs, tmp_path, HEAD + "\n{% include 'people.md.j2' %}")
    assert text.endswith(f"人员{figs['people_count'].wording}。\n")


def test_a_link_out_of_templates_in_a_build_leaves_output(tmp_path, capsys):
    import shutil

    from reportgen.cli import main

    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / "templates" / "report.md.j2").write_text(HEAD + "\n{% include 'notes.md' %}\n", encoding="utf-8")
    (root / "templates" / "notes.md").symlink_to("/etc/passwd")
    previous = root / "output" / "2023H1"
    previous.mkdir(parents=True)
    (previous / "figures.json").write_bytes(b'{"earlier": true}\n')
    assert main(["--root", str(root), "build"]) == 2
    err = capsys.readouterr().err
    assert "templates/report.md.j2:7: templates/notes.md is a link that leads outside templates/" in err
    assert "root:" not in err
    assert [p.name for p in (root / "output").iterdir()] == ["2023H1"]
    assert (previous / "figures.json").read_bytes() == b'{"earlier": true}\n'


def test_a_leading_bom_is_dropped_as_the_encoding_mark_it_is(figures, tmp_path):
    """Notepad saves UTF-8 with a BOM: the same text as without, in the template and in an include."""
    project, figs = figures
    _write(tmp_path, "part.md.j2", "人员{{ f.people_count }}。\n")
    plain = _render(project, figs, tmp_path, HEAD + "{% include 'part.md.j2' %}")
    _write(tmp_path, "part.md.j2", "\ufeff人员{{ f.people_count }}。\n")
    with_bom = _render(project, figs, tmp_path, "\ufeff" + HEAD + "{% include 'part.md.j2' %}")
    assert with_bom == plain and "\ufeff" not in with_bom
    assert f"人员{figs['people_count'].wording}。" in plain


def test_a_bom_inside_the_text_is_a_located_control_character(figures, tmp_path):
    project, figs = figures
    with pytest.raises(TemplateError) as caught:
        _render(project, figs, tmp_path, HEAD + "\n人员\ufeff情况\n")
    assert "templates/t.md.j2:7: column 3: the control character U+FEFF" in str(caught.value)


def test_the_time_limit_stops_a_loop_and_names_its_line(figures, tmp_path, monkeypatch):
    from reportgen.documents import sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.5)
    project, figs = figures
    loops = "{% for i in range(100000) %}\n{% for j in range(100000) %}{% endfor %}\n{% endfor %}\n"
    with pytest.raises(TemplateError) as caught:
        _render(project, figs, tmp_path, HEAD + "\n" + loops)
    assert "the template ran longer than 0.5 s and was stopped" in str(caught.value)
    assert "templates/t.md.j2:" in str(caught.value)
    assert _render(project, figs, tmp_path, HEAD)  # the limit ends with the render that hit it


GROWTH = {
    "power_of_power": "{{ 9**9**9 }}",
    "int_squaring": "{% set ns = namespace(x=10**15) %}{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}"
                    "{% endfor %}{{ ns.x }}",
    "list_product_join": "{% set s = 'a' * 100000 %}{{ ([s] * 50000)|join }}",
    "list_sum_doubling": "{% set ns = namespace(l=['a' * 1000]) %}{% for i in range(40) %}"
                         "{% set ns.l = ns.l + ns.l %}{% endfor %}",
    "str_center": "{{ 'a'.center(10**9) }}",
    "str_replace_empty": "{{ ('a' * 100000).replace('', 'b' * 100) }}",
    "str_join_method": "{{ ('a' * 100000).join(['b'] * 100) }}",
    "filter_center": "{{ 'a'|center(10**9) }}",
    "filter_indent": "{{ ('a\\n' * 50000)|indent(1000) }}",
    "filter_replace": "{{ ('a' * 100000)|replace('a', 'b' * 100) }}",
    "filter_format": "{{ '%0999999999d'|format(1) }}",
    "filter_wordwrap": "{{ ('a ' * 50000)|wordwrap(1, wrapstring='b' * 1000) }}",
    "percent_star": "{{ '%*d' % (10**9, 1) }}",
}


@pytest.mark.parametrize("name", sorted(GROWTH))
def test_growth_is_refused_before_it_happens(name, figures, tmp_path):
    project, figs = figures
    with pytest.raises(TemplateError) as caught:
        _render(project, figs, tmp_path, HEAD + GROWTH[name] + "\n")
    assert "templates/t.md.j2:6:" in str(caught.value) and "too large for a template" in str(caught.value)


def test_ordinary_arithmetic_and_text_still_work(figures, tmp_path):
    project, figs = figures
    text = _render(project, figs, tmp_path, HEAD + "{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ 'x' ~ 'y' }} {{ [1] + [2] }}"
                   " {{ '%05.1f' % 3.14159 }} {{ 'a'|center(5) }}|\n")
    assert text.endswith("1024 ababab xy \\[1, 2\\] 003.1   a  |\n")  # a printed [ is escaped for the markup
    assert parse(text).blocks[-1].text.endswith("1024 ababab xy [1, 2] 003.1   a  |")


def test_a_stylesheet_that_links_out_of_templates_is_refused(tmp_path, capsys):
    """style.css is inlined into the HTML: a link to /etc/passwd would put the file there."""
    import shutil

    from reportgen.cli import main

    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / "templates" / "style.css").symlink_to("/etc/passwd")
    assert main(["--root", str(root), "build"]) == 2
    err = capsys.readouterr().err
    assert "templates/style.css is a link that leads outside templates/" in err and "root:" not in err
    assert not (root / "output").exists()


def test_a_template_file_too_large_is_refused_unread(figures, tmp_path):
    from reportgen.documents import sandbox

    project, figs = figures
    _write(tmp_path, "big.md.j2", "人" * (sandbox.MAX_OUTPUT // 3 + 1))  # three bytes each in UTF-8
    with pytest.raises(TemplateError) as caught:
        _render(project, figs, tmp_path, HEAD + "\n{% include 'big.md.j2' %}\n")
    assert f"templates/t.md.j2:7: templates/big.md.j2 is larger than {sandbox.MAX_OUTPUT:,} bytes" in str(caught.value)
