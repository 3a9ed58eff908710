# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the HTML documentation site that tests/docs/build_docsite.py builds.

    DOCSITE_HTML=docs/build/html python -m pytest tests/docs/test_docsite.py    # check an existing build
    python -m pytest tests/docs/test_docsite.py                                  # build into a temporary directory first

DOCSITE_BENCHMARK_RESULTS names another benchmark report than tests/benchmark/results.md (as the build's
--benchmark-results does).

Run with the Python of the main virtualenv, .venv (tests/requirements/core-newest.txt). The converter of the benchmark report and
the simulator page are checked without a build.
"""

from __future__ import annotations

import ast
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

import build_docsite  # noqa: E402  pylint: disable=wrong-import-position

MODULES = ('sms_phone_number', 'sms_phone_number_info', 'sms_message', 'sms_message_info')
GUIDES = ('getting_started', 'awx_guide', 'notify_guide', 'reliability', 'eda_guide', 'simulator', 'benchmark')


# ------------------------------------------------------------------------------------------------ helpers

def python_constant(path, name, class_name=None):
    """The string assigned to ``name`` at module level (or in class ``class_name``) of a Python file, without importing it."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    body = tree.body
    if class_name:
        body = [node for node in body if isinstance(node, ast.ClassDef) and node.name == class_name][0].body
    for node in body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError('%s has no %s' % (path, name))


def fragment_options(fragment):
    namespace, collection, name = fragment.split('.', 2)
    if (namespace, collection) != ('invoca', 'messaging'):
        return {}  # ansible.builtin.action_common_attributes and the like add attributes, not options
    path = REPO / 'plugins' / 'doc_fragments' / (name.split('.')[0] + '.py')
    doc = yaml.safe_load(python_constant(path, 'DOCUMENTATION', 'ModuleDocFragment'))
    return doc.get('options') or {}


def option_paths(options, prefix=''):
    """Every option and sub-option, as dotted paths (the form antsibull-docs uses in its anchors)."""
    for name, spec in sorted((options or {}).items()):
        yield prefix + name
        for key in ('suboptions', 'options'):
            if isinstance(spec, dict) and spec.get(key):
                yield from option_paths(spec[key], prefix + name + '/')


def module_docs(module):
    path = REPO / 'plugins' / 'modules' / (module + '.py')
    doc = yaml.safe_load(python_constant(path, 'DOCUMENTATION'))
    assert isinstance(doc, dict), '%s: DOCUMENTATION is not a YAML mapping' % path
    options = {}
    for fragment in doc.get('extends_documentation_fragment') or []:
        options.update(fragment_options(fragment))
    options.update(doc.get('options') or {})
    returns = yaml.safe_load(python_constant(path, 'RETURN')) or {}
    return options, returns


def page_text(path):
    """The visible text of an HTML page, roughly: tags dropped, entities decoded, whitespace collapsed."""
    raw = path.read_text(encoding='utf-8')
    raw = re.sub(r'(?is)<(script|style)\b.*?</\1>', ' ', raw)
    text = html.unescape(re.sub(r'<[^>]+>', ' ', raw))
    # Sphinx's smart quotes turn "x" into \u201cx\u201d and it's into it\u2019s.
    text = text.translate({0x201c: '"', 0x201d: '"', 0x2018: "'", 0x2019: "'"})
    return ' '.join(text.split())


def markdown_table_cells(markdown):
    """The cells of every pipe table of a Markdown text, as the page shows them (code spans and bold unwrapped)."""
    cells = []
    for line in markdown.splitlines():
        if line.lstrip().startswith('|') and not build_docsite.is_separator(line):
            for cell in build_docsite.split_row(line):
                cell = re.sub(r'`([^`]*)`', r'\1', cell).replace('**', '').replace('\\|', '|')
                if cell:
                    cells.append(' '.join(cell.split()))
    return cells


# ------------------------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope='session')
def site(tmp_path_factory):
    given = os.environ.get('DOCSITE_HTML')
    if given:
        # Resolved: the link check compares resolved link targets with these page paths.
        path = Path(given).resolve()
        assert (path / 'index.html').is_file(), 'DOCSITE_HTML=%s has no index.html; build it with tests/docs/build_docsite.py' % given
        return path
    path = tmp_path_factory.mktemp('docsite') / 'html'
    args = [str(path)]
    if os.environ.get('DOCSITE_BENCHMARK_RESULTS'):
        args += ['--benchmark-results', os.environ['DOCSITE_BENCHMARK_RESULTS']]
    assert build_docsite.main(args) == 0, 'tests/docs/build_docsite.py failed; see its output above'
    return path


# ------------------------------------------------------------------------------------------------ the built site

def test_site_has_every_page(site):
    expected = ['index.html'] + ['%s_module.html' % m for m in MODULES] + ['docsite/%s.html' % g for g in GUIDES]
    missing = [name for name in expected if not (site / name).is_file()]
    assert not missing, 'pages missing from %s: %s' % (site, missing)


def test_index_links_every_page(site):
    index = (site / 'index.html').read_text(encoding='utf-8')
    for target in ['%s_module.html' % m for m in MODULES] + ['docsite/%s.html' % g for g in GUIDES]:
        assert 'href="%s"' % target in index, 'index.html does not link to %s' % target


@pytest.mark.parametrize('module', MODULES)
def test_module_page_documents_every_option(site, module):
    options, dummy = module_docs(module)
    page = (site / ('%s_module.html' % module)).read_text(encoding='utf-8')
    names = list(option_paths(options))
    assert names, 'no options found in the DOCUMENTATION of %s' % module
    missing = [name for name in names if 'id="parameter-%s"' % name not in page]
    assert not missing, '%s_module.html has no entry for option(s) %s' % (module, missing)


@pytest.mark.parametrize('module', MODULES)
def test_module_page_documents_every_return_value(site, module):
    dummy, returns = module_docs(module)
    page = (site / ('%s_module.html' % module)).read_text(encoding='utf-8')
    missing = [name for name in option_paths(returns) if 'id="return-%s"' % name not in page]
    assert not missing, '%s_module.html has no entry for return value(s) %s' % (module, missing)


@pytest.mark.parametrize('name', ['index.html'] + ['%s_module.html' % m for m in MODULES] + ['docsite/%s.html' % g for g in GUIDES])
def test_no_raw_markup_or_error_on_pages(site, name):
    page = (site / name).read_text(encoding='utf-8')
    text = page_text(site / name)
    assert 'system-message' not in page, '%s shows a docutils error or warning' % name
    for raw in (':ansopt:', ':ansplugin:', ':ansretval:', ':ref:', ':doc:', '.. code-block', '.. list-table', 'O(', 'RV(', 'M('):
        assert raw not in text, '%s shows raw markup %r' % (name, raw)


def test_internal_links_resolve(site):
    """Every relative link of every page names an existing page, and an existing anchor on it."""
    ids = {}
    broken = []
    pages = sorted(site.rglob('*.html'))
    for page in pages:
        ids[page] = set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding='utf-8')))
    for page in pages:
        for href in re.findall(r'\bhref="([^"]+)"', page.read_text(encoding='utf-8')):
            href = html.unescape(href)
            if re.match(r'^[a-z][a-z0-9+.-]*:', href) or href.startswith('//'):
                continue  # external: http(s), mailto and the like
            path, dummy, anchor = href.partition('#')
            path = path.split('?', 1)[0]
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                broken.append('%s -> %s (no such file)' % (page.relative_to(site), href))
            elif anchor and target.suffix == '.html' and anchor not in ids.get(target, ()):
                broken.append('%s -> %s (no such anchor)' % (page.relative_to(site), href))
    assert not broken, '%d broken link(s):\n%s' % (len(broken), '\n'.join(broken[:30]))


def test_benchmark_page_has_the_results_tables(site):
    results = Path(os.environ.get('DOCSITE_BENCHMARK_RESULTS') or build_docsite.BENCHMARK_RESULTS)
    if os.environ.get('DOCSITE_HTML') and not results.is_file():
        pytest.skip('%s does not exist' % results)

    # Text taken from HTML has a space where an element ends before punctuation ("sms_message_info )").
    def tight(value):
        return re.sub(r'\s+([),.;:])', r'\1', value)

    text = tight(page_text(site / 'docsite' / 'benchmark.html'))
    cells = markdown_table_cells(results.read_text(encoding='utf-8'))
    assert cells, '%s has no table' % results
    missing = [cell for cell in cells if tight(cell) not in text]
    assert not missing, 'benchmark.html lacks %d cell(s) of results.md, such as %r' % (len(missing), missing[:5])


# ------------------------------------------------------------------------------------------------ without a build

def test_simulator_page_documents_every_simulator_option():
    """docs/docsite/rst/simulator.rst stays true to the simulator: every command-line option is on the page."""
    helptext = subprocess.run([sys.executable, str(REPO / 'tests' / 'simulator' / 'invoca_simulator'), '--help'],
                              stdout=subprocess.PIPE, check=True).stdout.decode('utf-8')
    options = sorted(set(re.findall(r'(?<![\w-])(--[a-z][a-z0-9-]+)', helptext)) - {'--help'})
    page = (REPO / 'docs' / 'docsite' / 'rst' / 'simulator.rst').read_text(encoding='utf-8')
    missing = [option for option in options if '``%s' % option not in page]
    assert options and not missing, 'simulator.rst does not document %s' % missing


def test_extra_docs_lists_every_guide():
    index = yaml.safe_load((REPO / 'docs' / 'docsite' / 'extra-docs.yml').read_text(encoding='utf-8'))
    listed = [entry if isinstance(entry, str) else entry['ref'] for section in index['sections'] for entry in section['toctree']]
    assert sorted(listed) == sorted(GUIDES)


def rst_problems(rst):
    """docutils' warnings and errors for an RST text (Sphinx directives replaced by plain ones)."""
    from docutils.core import publish_doctree  # pylint: disable=import-outside-toplevel
    from docutils.utils import SystemMessage  # pylint: disable=import-outside-toplevel
    rst = rst.replace('.. code-block:: text', '.. code::')
    try:
        doctree = publish_doctree(rst, settings_overrides={'report_level': 2, 'halt_level': 5, 'warning_stream': False})
    except SystemMessage as exc:  # pragma: no cover
        return [str(exc)]
    return [node.astext() for node in doctree.findall() if node.tagname == 'system_message']


TRICKY_MARKDOWN = '''# title that is dropped

Intro with `code`, **bold**, a [link](https://example.com/x), snake_case_ words, a*b, x|y and `code`s glued.

## Section (a) `uri` loop

| header | (a) `uri` loop | - |
|---|:---:|---:|
| - | (b) item | 1. first |
| a \\| b | * star | `x \\| y` |
| # hash | 2) two | |

- a list item
  continued here
- another

```
code block | with pipes
```

### deeper

Last paragraph.
'''


def test_markdown_to_rst_gives_clean_rst():
    rst = build_docsite.markdown_to_rst(TRICKY_MARKDOWN)
    document = 'Page\n====\n\nResults\n-------\n\n' + rst
    assert rst_problems(document) == [], rst
    assert 'title that is dropped' not in rst
    assert '``uri``' in rst and '**bold**' in rst and '`link <https://example.com/x>`__' in rst


def test_markdown_to_rst_keeps_table_text():
    from docutils.core import publish_string  # pylint: disable=import-outside-toplevel
    rst = build_docsite.markdown_to_rst(TRICKY_MARKDOWN)
    output = publish_string('Page\n====\n\n' + rst, writer='html', settings_overrides={'report_level': 5}).decode('utf-8')
    text = ' '.join(html.unescape(re.sub(r'<[^>]+>', ' ', output)).split())
    for cell in markdown_table_cells(TRICKY_MARKDOWN):
        assert cell in text, 'cell %r lost in conversion' % cell
    assert '<table' in output and '<ul' in output and '<pre' in output
    assert output.count('<table') == 1


def test_markdown_to_rst_of_the_committed_results():
    if not build_docsite.BENCHMARK_RESULTS.is_file():
        pytest.skip('%s does not exist yet' % build_docsite.BENCHMARK_RESULTS)
    rst = build_docsite.markdown_to_rst(build_docsite.BENCHMARK_RESULTS.read_text(encoding='utf-8'))
    assert rst_problems('Page\n====\n\nResults\n-------\n\n' + rst) == []
