# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The environment the modules read is the environment the documentation lists, and the getting-started guide's
commands name paths that exist where the guide's reader has the collection.

The environment variables are read from the argument specs themselves: every ``fallback=(env_fallback, [...])``
of the plugins (parsed with ast, nothing imported), and every E(INVOCA_...) of the doc fragments.

    python -m pytest tests/docs/test_environment_docs.py
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = REPO / 'README.md'
GETTING_STARTED = REPO / 'docs' / 'docsite' / 'rst' / 'getting_started.rst'
# Where getting_started.rst has the reader install the collection (ansible-galaxy collection install's default).
INSTALLED = '~/.ansible/collections/ansible_collections/invoca/messaging/'


def env_fallbacks():
    """{variable: option} of every env_fallback in the plugins' argument specs."""
    found = {}
    for path in sorted((REPO / 'plugins').rglob('*.py')):
        tree = ast.parse(path.read_text(encoding='utf-8'))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            for option in call.keywords:
                if not isinstance(option.value, ast.Call) or option.arg is None:
                    continue
                for keyword in option.value.keywords:
                    value = keyword.value
                    if (keyword.arg == 'fallback' and isinstance(value, ast.Tuple) and len(value.elts) == 2
                            and getattr(value.elts[0], 'id', None) == 'env_fallback'):
                        for name in ast.literal_eval(value.elts[1]):
                            found[name] = option.arg
    return found


def fragment_variables():
    names = set()
    for path in sorted((REPO / 'plugins' / 'doc_fragments').glob('*.py')):
        names.update(re.findall(r'E\((INVOCA_[A-Z_]+)\)', path.read_text(encoding='utf-8')))
    return names


def readme_table():
    """{variable: the first option named in its row} of README.md's table of environment variables."""
    rows = {}
    for line in README.read_text(encoding='utf-8').splitlines():
        match = re.match(r'^\|\s*`(INVOCA_[A-Z_]+)`\s*\|\s*([^|]*)\|', line)
        if match:
            option = re.search(r'`(\w+)`', match.group(2))
            rows[match.group(1)] = option.group(1) if option else None
    return rows


def test_the_fallbacks_are_found():
    fallbacks = env_fallbacks()
    assert fallbacks.get('INVOCA_API_TOKEN') == 'api_token', fallbacks


def test_every_variable_the_modules_read_is_in_the_readme_table():
    fallbacks = env_fallbacks()
    table = readme_table()
    missing = sorted((set(fallbacks) | fragment_variables()) - set(table))
    assert not missing, 'README.md\'s table of environment variables lacks %s' % ', '.join(missing)
    wrong = dict((name, (table[name], option)) for name, option in fallbacks.items() if table[name] != option)
    assert not wrong, 'README.md names the wrong option for (README, code): %s' % wrong
    extra = sorted(set(table) - set(fallbacks))
    assert not extra, 'README.md lists variables no module reads: %s' % extra


def test_the_doc_fragment_names_the_same_variables_as_the_code():
    assert fragment_variables() == set(env_fallbacks())


def test_the_getting_started_commands_name_the_installed_collection():
    """The guide's reader is not in the collection's directory (they cd there only for the demo), so an inline
    ``python3 <script>`` must name the script where the guide installed the collection, and the script must ship
    in the collection."""
    text = GETTING_STARTED.read_text(encoding='utf-8')
    commands = re.findall(r'``(python3 [^`]+)``', text)
    assert commands, 'no inline python3 command left in %s: drop this test' % GETTING_STARTED.name
    for command in commands:
        script = command.split()[1]
        assert script.startswith(INSTALLED), '%r works only in a checkout of the collection' % command
        assert (REPO / script[len(INSTALLED):]).exists(), '%r names a file the collection does not have' % command
