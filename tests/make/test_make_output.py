# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make demo as a new user meets it: a lean virtualenv, and output a person can read.

* tests/requirements/demo.txt pins ansible-core and requests, at core-newest.txt's versions (the demo runs the
  ansible-core the tests check), and exactly their dependency closure: computed from the installed .venv-demo's
  metadata (importlib.metadata, markers evaluated by that venv's Python), or, without that venv, from
  ``pip install --dry-run --report`` with demo.txt as constraints (which names what the two pull in).
* ``make demo`` (run for real: about 15 s once the venv and the build exist, as they do by the time make test runs
  this from docs-test; the text it sends is delivered about 2 s after the send, on the simulator's real clock)
  succeeds, names the Python it picked at most once, and echoes no command line: its recipes are silent, and a
  long command line in the output buries what the demo shows.
* It shows messages too: the text it sends with ``wait: true`` is shown delivered, and the rerun of the same task
  with ``dedupe_window`` shows the recipient skipped.
* A make run that has to make two virtualenvs names the Python once (a dry run, ``make -n``, that pretends both
  pin files changed).

Run by ``make docs-test`` (with the docs virtualenv's Python), or ``python -m pytest tests/make``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
DEMO_PINS = REPO / 'tests' / 'requirements' / 'demo.txt'
CORE_PINS = REPO / 'tests' / 'requirements' / 'core-newest.txt'
DEMO_VENV = REPO / '.venv-demo'
DIRECT = {'ansible-core', 'requests'}
LONG_LINE = 120
# A line that make echoed: variable assignments, then a command (a path, or a tool's name).
COMMAND_ECHO = re.compile(r'^\s*(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?:"?[\w.$()~-]*/[\w./$()-]*"?|python3?(?:\.\d+)?|rm|mkdir|'
                          r'touch|cd|if|for|set|pip3?|ansible[\w-]*|git|sed|test|\[)\s')
# The closure of ansible-core and requests, as the demo venv's Python sees it: {name: version}.
CLOSURE_SCRIPT = r'''
import importlib.metadata as metadata, json, sys
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
installed = dict((canonicalize_name(d.metadata['Name']), d) for d in metadata.distributions())
seen, todo = {}, list(sys.argv[1:])
while todo:
    name = canonicalize_name(todo.pop())
    if name in seen:
        continue
    seen[name] = installed[name].version
    for line in installed[name].requires or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({'extra': ''}):
            todo.append(requirement.name)
print(json.dumps({'closure': seen, 'installed': dict((n, d.version) for n, d in installed.items())}))
'''


def pins_of_text(text):
    """{canonical name: version} of the name==version lines of a pin file's text."""
    found = {}
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            name, version = line.split('==')
            found[canonicalize_name(name)] = version.strip()
    return found


def pins(path):
    return pins_of_text(path.read_text(encoding='utf-8'))


def clean_env():
    """The environment of a make run of its own: nothing inherited from a make that runs this test."""
    return dict((k, v) for k, v in os.environ.items() if k not in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES'))


def demo_closure():
    """({name: version} of the closure of ansible-core and requests, {name: version} of all installed or None)."""
    python = DEMO_VENV / 'bin' / 'python'
    if python.exists():
        completed = subprocess.run([str(python), '-c', CLOSURE_SCRIPT] + sorted(DIRECT), stdout=subprocess.PIPE,
                                   check=True)
        found = json.loads(completed.stdout)
        return found['closure'], found['installed']
    direct = pins(DEMO_PINS)
    completed = subprocess.run([sys.executable, '-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--quiet',
                                '--report', '-', '--constraint', str(DEMO_PINS)] + ['%s==%s' % (name, direct[name]) for name in sorted(DIRECT)],
                               stdout=subprocess.PIPE, check=True)
    report = json.loads(completed.stdout)
    return dict((canonicalize_name(item['metadata']['name']), item['metadata']['version'])
                for item in report['install']), None


def test_demo_pins_ansible_core_and_requests_at_the_tested_versions():
    demo, core = pins(DEMO_PINS), pins(CORE_PINS)
    text = DEMO_PINS.read_text(encoding='utf-8')
    direct_section = text.split('# What the demo needs directly', 1)[1].split('\n\n', 1)[0]
    assert set(pins_of_text(direct_section)) == DIRECT, direct_section
    for name in DIRECT:
        assert demo[name] == core[name], '%s: demo.txt pins %s, core-newest.txt %s' % (name, demo[name], core[name])
    differ = dict((name, (version, core[name])) for name, version in demo.items() if name in core and core[name] != version)
    assert not differ, 'demo.txt and core-newest.txt pin these differently (demo, core): %s' % differ


def test_demo_pins_exactly_the_dependency_closure():
    demo = pins(DEMO_PINS)
    closure, installed = demo_closure()
    assert set(closure) == set(demo), ('demo.txt pins %s but ansible-core and requests need %s'
                                       % (sorted(demo), sorted(closure)))
    assert closure == demo, 'installed (or resolved) versions differ from demo.txt: %s' % dict(
        (name, (closure[name], demo[name])) for name in demo if closure[name] != demo[name])
    if installed is not None:
        # The venv is made without pip (make demo installs into it from outside): nothing but the closure.
        extra = sorted(set(installed) - set(closure) - {'pip', 'setuptools', 'wheel'})
        assert not extra, '.venv-demo holds packages demo.txt does not pin: %s' % extra


def echoed_commands(output):
    return [line for line in output.splitlines() if len(line) > LONG_LINE and COMMAND_ECHO.match(line)]


def test_make_demo_succeeds_and_its_output_is_readable():
    completed = subprocess.run(['make', 'demo'], cwd=str(REPO), env=clean_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=900, check=False)
    output = completed.stdout.decode('utf-8', 'replace')
    assert completed.returncode == 0, output[-6000:]
    assert 'make: running tests/demo/demo.yml against a local simulator' in output, output[-3000:]
    assert re.search(r'localhost\s*:\s*ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0', output), output[-3000:]
    assert re.search(r'"msg": "\+18885550111: delivered at \d{4}-\d\d-\d\dT', output), output[-3000:]
    assert re.search(r'"msg": "sent 0 message\(s\) from \+18885550100; 1 recipient\(s\) skipped .*: skipped '
                     r"\['\+18885550111'\]", output), output[-3000:]
    named = [line for line in output.splitlines() if line.startswith('make: Python')]
    assert len(named) <= 1, 'make named its Python %d times:\n%s' % (len(named), '\n'.join(named))
    assert not echoed_commands(output), 'make echoed these command lines:\n%s' % '\n'.join(echoed_commands(output))


def test_a_run_that_makes_two_venvs_names_the_python_once():
    """A dry run: -W pretends the pin files changed, so both venvs would be made again; nothing is changed."""
    completed = subprocess.run(['make', '-n', '-W', 'tests/requirements/demo.txt', '-W', 'tests/requirements/core-newest.txt',
                                '.venv-demo/.installed', '.venv/.installed'], cwd=str(REPO), env=clean_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120, check=False)
    output = completed.stdout.decode('utf-8', 'replace')
    assert completed.returncode == 0, output
    named = [line for line in output.splitlines() if line.startswith('make: Python')]
    assert len(named) == 1, output
    assert output.count('-m venv') >= 2, 'the dry run should make both venvs:\n%s' % output


def test_command_echoes_are_told_from_output():
    long_path = 'x' * 130
    assert echoed_commands('PATH="/a/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="/b" .venv-demo/bin/python %s' % long_path)
    assert echoed_commands('.venv-demo/bin/python -m pip install -q -r %s' % long_path)
    assert not echoed_commands('TASK [Show the writes the API saw (none came from the rerun)] %s' % ('*' * 80))
    assert not echoed_commands('    "msg": "created 3, deleted 0, unchanged 0: %s"' % long_path)
    assert not echoed_commands('make: Python 3.12.1 at /root/.pyenv/versions/3.12.1/bin/python3.12')
