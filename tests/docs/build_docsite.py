#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the HTML documentation site of this collection with antsibull-docs and Sphinx.

    python tests/docs/build_docsite.py OUTPUT_DIR

Run it with the Python of a virtualenv made from tests/requirements/core-newest.txt: the antsibull-docs, ansible-doc and
sphinx-build next to that Python are the ones used. Steps, all in a temporary directory:

1. copy the collection (the files git tracks, plus new files git does not ignore) to
   TMP/collections/ansible_collections/NAMESPACE/NAME;
2. fill the benchmark page of the copy with the tables of tests/benchmark/results.md (converted from Markdown);
3. antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs on the copy;
4. antsibull-docs sphinx-init, then antsibull-docs collection --fail-on-error, which writes the RST of the module
   pages and copies the guides of docs/docsite/rst/;
5. sphinx-build -W --keep-going -n -b html into OUTPUT_DIR.

Any warning fails the build, and so does a missing input: a guide listed in docs/docsite/extra-docs.yml (such as
awx_guide), or tests/benchmark/results.md. No network is needed: the two labels of the Ansible documentation that
the generated pages refer to come from a small local intersphinx inventory (ANSIBLE_DOCS_LABELS below).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import yaml

if __name__ == '__main__':
    # Run as a program, where no pytest.ini puts tests/ on the path: the helper it shares with the tests,
    # collection_tree.py, is there.
    sys.path.append(str(Path(__file__).resolve().parents[1]))
import collection_tree  # noqa: E402  pylint: disable=wrong-import-position

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BENCHMARK_RESULTS = REPO / 'tests' / 'benchmark' / 'results.md'
BENCHMARK_PAGE = Path('docs') / 'docsite' / 'rst' / 'benchmark.rst'
BENCHMARK_MARKER = re.compile(r'^\.\. benchmark-results:.*$', re.MULTILINE)
# Never copied into the build tree, even when git does not ignore them.

ANSIBLE_DOCS_URL = 'https://docs.ansible.com/projects/ansible/devel/'
# label -> (page, anchor, title) in the Ansible documentation, for the :ref: links antsibull-docs generates.
ANSIBLE_DOCS_LABELS = {
    'ansible_configuration_settings': ('reference_appendices/config.html', 'ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    'common_return_values': ('reference_appendices/common_return_values.html', 'common-return-values', 'Return Values'),
}

# conf.py settings added after the one antsibull-docs sphinx-init writes.
CONF_OVERRIDES = '''
# Added by tests/docs/build_docsite.py: no network at build time, so intersphinx reads a local inventory of the
# few Ansible documentation labels the generated pages link to.
intersphinx_mapping = {{
    'ansible_devel': ({url!r}, {inventory!r}),
}}
# sphinx-init makes YAML+Jinja the language of plain "::" literal blocks, and Sphinx warns (which fails the build)
# when one holds console output instead. The guides name the language of each code-block; plain blocks stay plain.
highlight_language = 'none'
html_title = {title!r}
html_show_copyright = True
# The theme's top bar links to Ansible's blog and forum by default: link this collection's pages instead.
html_theme_options = dict(globals().get('html_theme_options', {{}}), topbar_links={topbar!r}, show_rtd_ethical_ads=False)
templates_path = ['_templates']
html_static_path = ['_static']
html_css_files = ['invoca-docsite.css']
'''

# Wide tables (the benchmark report has 11 columns) wrap their cells, in a smaller font, to fit the page (the
# theme's ansible.css gives every cell a min-width of 100px).
EXTRA_CSS = '''\
.wy-nav-content table.docutils.benchmark-table {
  font-size: 85%;
}
.wy-nav-content table.docutils.benchmark-table td,
.wy-nav-content table.docutils.benchmark-table th {
  min-width: 3em;
  white-space: normal;
  padding: 4px 6px;
}
'''

# The theme's top-left logo links to theme option documentation_home_url, "/" by default: the root of the web server,
# or of the file system for a local build. The copy of the theme's template written to _templates/ links to this
# site's own start page instead.
HOME_LINK_OLD = '{{ theme_documentation_home_url }}'
HOME_LINK_NEW = '{{ pathto(root_doc) }}'


class BuildError(Exception):
    pass


def log(message):
    sys.stderr.write('build_docsite: %s\n' % message)
    sys.stderr.flush()


# ------------------------------------------------------------------------------------------ Markdown to RST

INLINE = re.compile(r'`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)')
# Characters after which an inline markup start is recognised, and before which its end is (docutils' rules).
OPEN_OK = set(' \t\n-:/\'"<([{')
CLOSE_OK = set(' \t\n-.,:;!?\\/\'")]}>')
# A cell or paragraph starting like a list item or an enumerator would become a list in RST.
LIST_START = re.compile(r'^([-+*\u2022])(\s|$)')
ENUM_START = re.compile(r'^(\(?)([0-9]+|[a-zA-Z]|#|[ivxlcdmIVXLCDM]+)([.)])(\s|$)')


def escape_text(text):
    """Plain Markdown text as RST text: every character with a meaning in RST inline markup is backslash-escaped."""
    text = text.replace('\\|', '|')
    text = re.sub(r'([\\*`|_])', r'\\\1', text)
    # Sphinx's smart quotes would turn "--quick" into "\u2013quick" and "..." into "\u2026": escaped, they stay.
    text = re.sub(r'-(?=-)|(?<=-)-', r'\\-', text)
    return text.replace('...', '\\.\\.\\.')


def inline(text):
    """Markdown inline markup (code spans, strong emphasis, links) as RST, everything else escaped."""
    out = []
    pos = 0
    for match in INLINE.finditer(text):
        out.append(escape_text(text[pos:match.start()]))
        code, strong, link_text, url = match.groups()
        if code is not None:
            code = code.replace('\\|', '|')
            rst = '``%s``' % code if '``' not in code and not code.startswith(' ') and not code.endswith(' ') else escape_text(code)
        elif strong is not None:
            rst = '**%s**' % strong.replace('\\', '\\\\').replace('*', '\\*')
        else:
            rst = '`%s <%s>`__' % (escape_text(link_text), url)
        before = text[match.start() - 1] if match.start() else ' '
        after = text[match.end()] if match.end() < len(text) else ' '
        if before not in OPEN_OK:
            rst = '\\ ' + rst
        if after not in CLOSE_OK:
            rst += '\\ '
        out.append(rst)
        pos = match.end()
    out.append(escape_text(text[pos:]))
    return protect_start(''.join(out))


def protect_start(rst):
    """Escape a leading bullet or enumerator, so that a cell like "-" or "(a) x" stays text."""
    if LIST_START.match(rst):
        return '\\' + rst
    match = ENUM_START.match(rst)
    if match:
        return rst[:match.start(3)] + '\\' + rst[match.start(3):]
    return rst


def split_row(line):
    line = line.strip()
    if line.startswith('|'):
        line = line[1:]
    if line.endswith('|') and not line.endswith('\\|'):
        line = line[:-1]
    return [cell.strip() for cell in re.split(r'(?<!\\)\|', line)]


def is_separator(line):
    return bool(re.match(r'^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$', line))


def table_to_rst(rows):
    header, body = rows[0], rows[1:]
    width = len(header)
    lines = ['.. list-table::', '   :header-rows: 1', '   :widths: auto', '   :class: benchmark-table', '']
    for row in [header] + body:
        row = (row + [''] * width)[:width]
        for index, cell in enumerate(row):
            text = inline(cell)
            lines.append(('   * - ' if index == 0 else '     - ') + text if text else ('   * -' if index == 0 else '     -'))
    return lines


def markdown_to_rst(markdown, heading_chars='~^"\''):
    """Convert the Markdown of a benchmark report (headings, paragraphs, pipe tables, lists, code) to RST.

    A leading level-1 heading is dropped (the page has its own title); the remaining heading levels are mapped, in
    order, to ``heading_chars``, so they nest under the section the result is inserted into.
    """
    lines = markdown.replace('\r\n', '\n').split('\n')
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and re.match(r'^#\s', lines[0]):
        lines.pop(0)
    levels = sorted(set(len(m.group(1)) for m in (re.match(r'^(#{1,6})\s', line) for line in lines) if m))
    if len(levels) > len(heading_chars):
        raise BuildError('results.md has %d heading levels; at most %d are supported' % (len(levels), len(heading_chars)))
    underline = dict((level, heading_chars[index]) for index, level in enumerate(levels))

    out = []
    paragraph = []

    def flush():
        if paragraph:
            out.extend([inline(' '.join(part.strip() for part in paragraph)), ''])
            del paragraph[:]

    index = 0
    while index < len(lines):
        line = lines[index]
        heading = re.match(r'^(#{1,6})\s+(.*?)\s*#*\s*$', line)
        fence = re.match(r'^(```|~~~)', line)
        if not line.strip():
            flush()
            index += 1
        elif heading:
            flush()
            title = inline(heading.group(2))
            out.extend([title, underline[len(heading.group(1))] * max(len(title), 3), ''])
            index += 1
        elif fence:
            flush()
            code = []
            index += 1
            while index < len(lines) and not lines[index].startswith(fence.group(1)):
                code.append(lines[index])
                index += 1
            index += 1
            out.extend(['.. code-block:: text', ''] + ['   ' + c if c.strip() else '' for c in code] + [''])
        elif line.lstrip().startswith('|') and index + 1 < len(lines) and is_separator(lines[index + 1]):
            flush()
            rows = [split_row(line)]
            index += 2
            while index < len(lines) and lines[index].lstrip().startswith('|'):
                rows.append(split_row(lines[index]))
                index += 1
            out.extend(table_to_rst(rows) + [''])
        elif re.match(r'^\s*[-*+]\s+', line):
            flush()
            item = re.sub(r'^\s*[-*+]\s+', '', line)
            index += 1
            while index < len(lines) and lines[index].startswith('  ') and lines[index].strip():
                item += ' ' + lines[index].strip()
                index += 1
            out.append('* ' + inline(item))
            if index >= len(lines) or not re.match(r'^\s*[-*+]\s+', lines[index]):
                out.append('')
        else:
            paragraph.append(line)
            index += 1
    flush()
    return '\n'.join(out).rstrip('\n') + '\n'


# --------------------------------------------------------------------------------------------------- steps

def tool(name):
    try:
        return collection_tree.tool(name, 'tests/requirements/core-newest.txt')
    except LookupError as exc:
        raise BuildError(str(exc))


def run(command, env=None, cwd=None):
    log('$ %s' % ' '.join(str(part) for part in command))
    completed = subprocess.run([str(part) for part in command], env=env, cwd=cwd, check=False)
    if completed.returncode != 0:
        raise BuildError('%s exited with %d' % (Path(str(command[0])).name, completed.returncode))


def check_inputs(repo, results):
    """Every guide extra-docs.yml lists and the benchmark results exist; raises BuildError naming what is missing."""
    missing = []
    index = repo / 'docs' / 'docsite' / 'extra-docs.yml'
    with open(str(index), encoding='utf-8') as handle:
        sections = (yaml.safe_load(handle) or {}).get('sections') or []
    for section in sections:
        for entry in section.get('toctree') or []:
            ref = entry['ref'] if isinstance(entry, dict) else entry
            page = repo / 'docs' / 'docsite' / 'rst' / (ref + '.rst')
            if not page.is_file():
                missing.append('%s (listed in docs/docsite/extra-docs.yml)' % page.relative_to(repo))
    if not results.is_file():
        missing.append('%s (the benchmark page shows its tables; write it with make bench, i.e. tests/benchmark/run_benchmark.py)' % results)
    if missing:
        raise BuildError('missing input(s):\n  ' + '\n  '.join(missing))


def fill_benchmark_page(collection, results):
    page = collection / BENCHMARK_PAGE
    text = page.read_text(encoding='utf-8')
    if not BENCHMARK_MARKER.search(text):
        raise BuildError('%s has no ".. benchmark-results:" line to replace with the results' % BENCHMARK_PAGE)
    table = markdown_to_rst(results.read_text(encoding='utf-8'))
    page.write_text(BENCHMARK_MARKER.sub(lambda match: table.rstrip('\n'), text, count=1), encoding='utf-8')


def write_inventory(path, project='Ansible', version='devel'):
    """A Sphinx intersphinx inventory (version 2) of ANSIBLE_DOCS_LABELS."""
    body = ''.join('%s std:label -1 %s#%s %s\n' % (label, page, anchor, title)
                   for label, (page, anchor, title) in sorted(ANSIBLE_DOCS_LABELS.items()))
    header = ('# Sphinx inventory version 2\n# Project: %s\n# Version: %s\n'
              '# The remainder of this file is compressed using zlib.\n' % (project, version))
    path.write_bytes(header.encode('utf-8') + zlib.compress(body.encode('utf-8')))


def override_home_link(templates):
    """Write _templates/extrabody.html: the theme's own, with the logo linking to this site's start page."""
    import sphinx_ansible_theme  # pylint: disable=import-outside-toplevel
    original = Path(sphinx_ansible_theme.__file__).parent / 'extrabody.html'
    text = original.read_text(encoding='utf-8') if original.is_file() else ''
    if HOME_LINK_OLD not in text:
        log('note: %s has no %s; the logo keeps the theme\'s link' % (original, HOME_LINK_OLD))
        return
    templates.mkdir(parents=True, exist_ok=True)
    (templates / 'extrabody.html').write_text(text.replace(HOME_LINK_OLD, HOME_LINK_NEW), encoding='utf-8')


def prepare_output(output):
    """OUTPUT_DIR must be absent, empty, or an earlier Sphinx HTML build (which is then replaced)."""
    if output.exists():
        if not output.is_dir():
            raise BuildError('%s exists and is not a directory' % output)
        if any(output.iterdir()):
            if not (output / '.buildinfo').exists():
                raise BuildError('%s is not empty and not an earlier HTML build; refusing to replace it' % output)
            shutil.rmtree(str(output))
    output.mkdir(parents=True, exist_ok=True)


def build(output, results, keep, lint=True):
    started = time.time()
    with open(str(REPO / 'galaxy.yml'), encoding='utf-8') as handle:
        galaxy = yaml.safe_load(handle)
    fqcn = '%s.%s' % (galaxy['namespace'], galaxy['name'])
    check_inputs(REPO, results)
    prepare_output(output)

    tmp = Path(tempfile.mkdtemp(prefix='invoca-docsite-'))
    try:
        collections = tmp / 'collections'
        collection = collections / 'ansible_collections' / galaxy['namespace'] / galaxy['name']
        collection_tree.copy_collection(collection)
        fill_benchmark_page(collection, results)

        env = dict(os.environ)
        env.update({
            'PATH': '%s%s%s' % (BIN, os.pathsep, env.get('PATH', '')),
            'ANSIBLE_COLLECTIONS_PATH': str(collections),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_HOME': str(tmp / 'ansible-home'),
            'ANSIBLE_LOCAL_TEMP': str(tmp / 'ansible-tmp'),
            'ANSIBLE_NOCOLOR': '1',
        })
        antsibull_docs = tool('antsibull-docs')
        if lint:
            run([antsibull_docs, 'lint-collection-docs', '--plugin-docs', '--check-extra-docs-refs', '--validate-collection-refs',
                 'all', '--disallow-unknown-collection-refs', str(collection)], env=env)

        site = tmp / 'site'
        site.mkdir(mode=0o755)
        run([antsibull_docs, 'sphinx-init', '--use-current', '--squash-hierarchy', '--fail-on-error', '--dest-dir', site,
             '--project', fqcn, '--copyright', '2026, %s contributors' % fqcn, '--title', 'Invoca Messaging Collection',
             '--html-short-title', fqcn, fqcn], env=env)
        inventory = site / 'ansible_devel.inv'
        write_inventory(inventory)
        topbar = {'Repository': galaxy.get('repository'), 'Issues': galaxy.get('issues'), 'Ansible documentation': 'https://docs.ansible.com/'}
        with open(str(site / 'conf.py'), 'a', encoding='utf-8') as handle:
            handle.write(CONF_OVERRIDES.format(url=ANSIBLE_DOCS_URL, inventory=str(inventory),
                                               title='%s %s documentation' % (fqcn, galaxy['version']),
                                               topbar=dict((k, v) for k, v in topbar.items() if v)))
        override_home_link(site / '_templates')
        (site / '_static').mkdir()
        (site / '_static' / 'invoca-docsite.css').write_text(EXTRA_CSS, encoding='utf-8')
        rst = site / 'rst'
        rst.mkdir(mode=0o755, exist_ok=True)
        os.chmod(str(rst), 0o755)  # antsibull-docs wants the directory writable by its owner only
        run([antsibull_docs, '--config-file', site / 'antsibull-docs.cfg', 'collection', '--use-current', '--squash-hierarchy',
             '--fail-on-error', '--cleanup', 'everything', '--dest-dir', rst, fqcn], env=env)
        run([tool('sphinx-build'), '-b', 'html', '-c', site, '-d', tmp / 'doctrees', '-W', '--keep-going', '-n', '-q',
             rst, output], env=env)
        if keep:
            shutil.copytree(str(site), str(keep), dirs_exist_ok=True)
    finally:
        shutil.rmtree(str(tmp), ignore_errors=True)
    log('HTML site written to %s in %.1f s' % (output, time.time() - started))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('output', help='directory for the HTML site (created; an earlier build there is replaced)')
    parser.add_argument('--benchmark-results', default=str(BENCHMARK_RESULTS),
                        help='Markdown report whose tables the benchmark page shows (default %(default)s)')
    parser.add_argument('--keep-sources', metavar='DIR', help='also copy the generated Sphinx sources (conf.py, rst/) to DIR')
    parser.add_argument('--no-lint', action='store_true', help='skip antsibull-docs lint-collection-docs')
    args = parser.parse_args(argv)
    try:
        build(Path(args.output).resolve(), Path(args.benchmark_results).resolve(),
              Path(args.keep_sources).resolve() if args.keep_sources else None, lint=not args.no_lint)
    except BuildError as exc:
        log('FAILED: %s' % exc)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
