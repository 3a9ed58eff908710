# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every YAML and console snippet of README.md and of the docsite guides runs as shown, against the simulator.

Each document is read the way a new user reads it: top to bottom, in one shell session (one bash process, so
``export``, ``cd`` and background jobs carry over from one snippet to the next), starting in a fresh copy of the
collection's files (a "fresh clone") with an empty HOME, ansible-core and requests of the running Python's
virtualenv first on PATH (``python3`` is that Python), INVOCA_API_URL / INVOCA_API_TOKEN pointing at a
simulator started for the document (on the real clock, as one started by hand runs), as if the reader had exported
them, and the collection installed in ~/.ansible/collections unless the document installs it itself (README.md,
getting_started.rst). Then, in order:

* A console snippet (``console``, ``shell``, ``bash``, ``sh``) runs in the session. When some of its lines start
  with ``$ ``, only those are commands and the other lines are output; otherwise every line is a command. Every
  command must succeed. ``read`` reads the session's INVOCA_API_TOKEN, as if the reader typed it.
* A YAML snippet named by a ``:caption:`` (rst) or by a first-line comment such as ``# sms.yml`` (Markdown), or a
  named ``text`` snippet, is saved under that name in the session's directory, for later snippets to use.
* An unnamed YAML snippet runs with ansible-playbook: a list of plays as it is, a list of tasks inside a play on
  localhost. It must succeed.

Port 8080 and 8081 in a document are replaced by free ports, so that parallel runs do not collide.

Only ``.. code-block::`` directives (and Markdown fences) are snippets. An rst ``::`` literal block that holds
YAML or shell commands would be shown and never run, so the guides may not have one: write it as a
``.. code-block::`` (``text`` for output or a file listing), or mark the paragraph that ends in ``::`` with a skip
marker and its reason.

Markers, each with a reason in parentheses that the test requires (rst comments and HTML comments, invisible in
the rendered page); keep them few, and prefer making a snippet runnable:

* ``<!-- snippet: skip (REASON) -->`` (Markdown) or ``.. snippet: skip (REASON)`` (rst), on the lines just before a
  snippet: that snippet is not run (a real API, an interactive editor, make's own targets).
* ``<!-- snippets: skip section (REASON) -->`` or ``.. snippets: skip section (REASON)``, anywhere in a section:
  every later snippet of that section (up to the next heading of the same or a higher level) is not run. For a
  section that cannot run here as a whole, such as building an execution environment or a table of guarantees.
* ``.. snippet: background (REASON)`` / ``<!-- snippet: background (REASON) -->``: the snippet's first command is
  a server that runs in the foreground; it is started in the background, and the next commands run once its
  output shows the line the document shows after it.

Run with the docs virtualenv (it has ansible-core and requests): ``make docs-test``, or
``.venv/bin/python -m pytest tests/docs/test_snippets.py``.
"""

from __future__ import annotations

import os
import queue
import re
import shlex
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent

import collection_tree  # noqa: E402  pylint: disable=wrong-import-position
from simulator_control import Simulator  # noqa: E402  pylint: disable=wrong-import-position

DOCUMENTS = ['README.md'] + sorted(str(p.relative_to(REPO)) for p in (REPO / 'docs' / 'docsite' / 'rst').glob('*.rst'))
CONSOLE = {'console', 'shell', 'shell-session', 'bash', 'sh'}
YAML = {'yaml', 'yml', 'yaml+jinja'}
FILE_NAME = re.compile(r'^[\w.-]+\.(yml|yaml|txt|cfg|ini|json)$')
MARKER = re.compile(r'^\s*(?:<!--|\.\.)\s*(snippet|snippets):\s*(skip section|skip|background)\s*(\((.*)\))?\s*(-->)?\s*$')
PORTS_IN_DOCS = ('8080', '8081')
SNIPPET_TIMEOUT = 600
INSTALLS_ITSELF = {'README.md', 'docs/docsite/rst/getting_started.rst'}
SERVER_START_TIMEOUT = 30


class Snippet:
    def __init__(self, document, line, language, text, name=None, marker=None, reason=None):
        self.document = document
        self.line = line
        self.language = language
        self.text = text
        self.name = name
        self.marker = marker
        self.reason = reason

    def __repr__(self):
        return '%s:%d (%s%s)' % (self.document, self.line, self.language, ', ' + self.name if self.name else '')


def _marker(line):
    match = MARKER.match(line)
    if not match:
        return None
    kind = match.group(2) if match.group(1) == 'snippet' else 'skip section'
    return kind, (match.group(4) or '').strip()


def markdown_snippets(document, text):
    """Fenced blocks of a Markdown file, with the markers before them and the section markers above them."""
    snippets = []
    lines = text.splitlines()
    pending = None
    section = None  # (heading level, reason) of an open "skip section"
    index = 0
    while index < len(lines):
        line = lines[index]
        heading = re.match(r'^(#+)\s', line)
        if heading and section and len(heading.group(1)) <= section[0]:
            section = None
        marker = _marker(line)
        if marker and marker[0] == 'skip section':
            section = (current_level(lines, index), marker[1])
        elif marker:
            pending = marker
        fence = re.match(r'^(`{3,})\s*([\w+-]*)\s*$', line)
        if fence:
            end = index + 1
            while end < len(lines) and not lines[end].startswith(fence.group(1)):
                end += 1
            body = '\n'.join(lines[index + 1:end]) + '\n'
            language = fence.group(2).lower()
            first = body.splitlines()[0] if body.strip() else ''
            named = re.match(r'^#\s*(\S+)\s*$', first)
            name = named.group(1) if named and FILE_NAME.match(named.group(1)) else None
            marker, reason = (('skip', section[1]) if section else pending) or (None, None)
            snippets.append(Snippet(document, index + 1, language, body, name, marker, reason))
            pending = None
            index = end + 1
            continue
        index += 1
    return snippets


def current_level(lines, index):
    """The level of the Markdown heading above line ``index``."""
    for line in reversed(lines[:index]):
        heading = re.match(r'^(#+)\s', line)
        if heading:
            return len(heading.group(1))
    return 0


RST_UNDERLINE = re.compile(r'^([=\-~^"\'`#*+<>])\1{2,}\s*$')


def rst_snippets(document, text):
    """code-block directives of an rst file, with their caption and the markers before them."""
    snippets = []
    lines = text.splitlines()
    heading_chars = []  # underline characters in order of first use: their index is the level
    section = None
    pending = None
    for index, line in enumerate(lines):
        if index and RST_UNDERLINE.match(line) and lines[index - 1].strip() and len(line.strip()) >= len(lines[index - 1].strip()):
            char = line.strip()[0]
            if char not in heading_chars:
                heading_chars.append(char)
            level = heading_chars.index(char)
            if section and level <= section[0]:
                section = None
            continue
        marker = _marker(line)
        if marker and marker[0] == 'skip section':
            section = (_last_level(lines, index, heading_chars), marker[1])
            continue
        if marker:
            pending = marker
            continue
        directive = re.match(r'^(\s*)\.\. code-block::\s*(\S+)\s*$', line)
        if not directive:
            continue
        indent = len(directive.group(1)) + 3
        cursor = index + 1
        caption = None
        while cursor < len(lines) and lines[cursor].strip().startswith(':'):
            found = re.match(r'^\s*:caption:\s*(.+)$', lines[cursor])
            if found:
                caption = found.group(1).strip()
            cursor += 1
        body = []
        cursor += 1
        while cursor < len(lines) and (not lines[cursor].strip() or lines[cursor].startswith(' ' * indent)):
            body.append(lines[cursor])
            cursor += 1
        content = textwrap.dedent('\n'.join(body)).strip('\n') + '\n'
        name = caption if caption and FILE_NAME.match(caption) else None
        marker, reason = (('skip', section[1]) if section else pending) or (None, None)
        snippets.append(Snippet(document, index + 1, directive.group(2).lower(), content, name, marker, reason))
        pending = None
    return snippets


SHELL_WORDS = frozenset((
    'ansible', 'ansible-builder', 'ansible-doc', 'ansible-galaxy', 'ansible-inventory', 'ansible-playbook',
    'ansible-runner', 'ansible-test', 'ansible-vault', 'apt', 'apt-get', 'awx', 'cat', 'cd', 'chmod', 'cp', 'curl',
    'docker', 'echo', 'export', 'git', 'kill', 'ls', 'make', 'mkdir', 'mv', 'nohup', 'pip', 'pip3', 'pipx', 'podman',
    'python', 'python3', 'read', 'rm', 'source', 'sudo', 'tar', 'unset', 'wget'))
LITERAL_START = re.compile(r'^(\s*)(.*)::\s*$')
NOT_A_PARAGRAPH = re.compile(r'^\s*\.\.\s')  # a directive (.. code-block::, .. contents::) or a comment


def literal_blocks(document, text):
    """The ``::`` literal blocks of an rst file, as Snippets of language ``literal``, with their markers.

    A literal block is the more-indented block after a paragraph that ends in ``::`` (or a lone ``::``). Its
    marker is a skip marker on the lines just before that paragraph, or a skip section it is in.
    """
    blocks = []
    lines = text.splitlines()
    heading_chars = []
    section = None
    in_code = None  # indentation of a code-block directive whose body is being passed over
    for index, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if in_code is not None:
            if not line.strip() or indent > in_code:
                continue
            in_code = None
        if index and RST_UNDERLINE.match(line) and lines[index - 1].strip() and len(line.strip()) >= len(lines[index - 1].strip()):
            char = line.strip()[0]
            if char not in heading_chars:
                heading_chars.append(char)
            if section and heading_chars.index(char) <= section[0]:
                section = None
            continue
        marker = _marker(line)
        if marker and marker[0] == 'skip section':
            section = (_last_level(lines, index, heading_chars), marker[1])
            continue
        if re.match(r'^\s*\.\.\s+(code-block|code|sourcecode|literalinclude)::', line):
            in_code = indent
            continue
        if not LITERAL_START.match(line) or NOT_A_PARAGRAPH.match(line):
            continue
        first = index  # the paragraph's first line: the lines above it of the same indentation
        while (first > 0 and lines[first - 1].strip() and not NOT_A_PARAGRAPH.match(lines[first - 1])
               and len(lines[first - 1]) - len(lines[first - 1].lstrip()) == indent):
            first -= 1
        cursor = index + 1
        while cursor < len(lines) and not lines[cursor].strip():
            cursor += 1
        body = []
        while cursor < len(lines) and (not lines[cursor].strip() or len(lines[cursor]) - len(lines[cursor].lstrip()) > indent):
            body.append(lines[cursor])
            cursor += 1
        if not any(item.strip() for item in body):
            continue
        before = first - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        found = _marker(lines[before]) if before >= 0 else None
        marker, reason = (('skip', section[1]) if section else (found if found and found[0] == 'skip' else None)) or (None, None)
        content = textwrap.dedent('\n'.join(body)).strip('\n') + '\n'
        blocks.append(Snippet(document, index + 1, 'literal', content, None, marker, reason))
    return blocks


def holds_yaml_or_shell(text):
    """Whether a literal block's text is YAML (a mapping or a list) or shell commands, which should run."""
    for line in text.splitlines():
        words = line.strip().split()
        if not words:
            continue
        if words[0] == '$' or (words[0] in SHELL_WORDS and not line.rstrip().endswith(':')):
            return True
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(data, (dict, list)) and bool(data)


def _last_level(lines, index, heading_chars):
    for cursor in range(index - 1, 0, -1):
        if RST_UNDERLINE.match(lines[cursor]) and lines[cursor - 1].strip():
            return heading_chars.index(lines[cursor].strip()[0])
    return 0


def snippets_of(document):
    text = (REPO / document).read_text(encoding='utf-8')
    found = markdown_snippets(document, text) if document.endswith('.md') else rst_snippets(document, text)
    return [s for s in found if s.language in CONSOLE | YAML or s.name]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


class Session:
    """One bash process that a document's commands run in, one snippet at a time."""

    def __init__(self, workdir, env):
        self.workdir = workdir
        self.scratch = workdir.parent / 'scratch'
        self.scratch.mkdir()
        self._count = 0
        self.process = subprocess.Popen(['bash', '--noprofile', '--norc'], cwd=str(workdir), env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.process.stdout:
            self._lines.put(raw.decode('utf-8', 'replace'))
        self._lines.put(None)

    def run(self, script, timeout=SNIPPET_TIMEOUT):
        """Source ``script`` in the session; (exit status, output)."""
        self._count += 1
        path = self.scratch / ('snippet-%d.sh' % self._count)
        path.write_text(script, encoding='utf-8')
        sentinel = '__snippet_%d_done__' % self._count
        # stdin of the snippet is the token, as a reader would type it at a `read` prompt.
        command = ('printf "%%s\\n" "$INVOCA_API_TOKEN" > %s.in; source %s < %s.in; echo "%s $?"\n'
                   % (shlex.quote(str(path)), shlex.quote(str(path)), shlex.quote(str(path)), sentinel))
        self.process.stdin.write(command.encode('utf-8'))
        self.process.stdin.flush()
        output = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, ''.join(output) + '\n[timed out after %d s]' % timeout
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                return None, ''.join(output) + '\n[the shell exited]'
            if line.startswith(sentinel):
                return int(line.split()[1]), ''.join(output)
            output.append(line)

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write(b'kill $(jobs -p) 2> /dev/null; exit 0\n')
                self.process.stdin.flush()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


def commands_of(text):
    """The commands of a console snippet, as (command, the output lines shown after it)."""
    lines = text.splitlines()
    prompted = any(line.startswith('$ ') or line == '$' for line in lines)
    commands = []
    pending = ''
    for line in lines:
        if prompted and not (line.startswith('$ ') or pending):
            if commands and line.strip():
                commands[-1][1].append(line)
            continue
        body = line[2:] if prompted and line.startswith('$ ') and not pending else line
        if body.rstrip().endswith('\\'):
            pending += body.rstrip()[:-1] + ' '
            continue
        body = pending + body
        pending = ''
        if body.strip() and not body.strip().startswith('#'):
            commands.append((body, []))
    return commands


def console_script(snippet):
    """A script that stops at the first failing command and says which one."""
    parts = []
    commands = commands_of(snippet.text)
    for number, (command, shown) in enumerate(commands):
        if number == 0 and snippet.marker == 'background':
            log = '.server-%d.log' % snippet.line
            expected = shown[0].strip() if shown else ''
            parts.append('%s > %s 2>&1 &' % (command.rstrip(), log))
            parts.append(wait_for_output(log, expected))
            continue
        if re.search(r'(^|[^&])&\s*(#.*)?$', command):
            parts.append(command)
            continue
        quoted = command.replace('"', '\\"').replace('$', '\\$').replace('`', '\\`')
        parts.append('%s || { echo "FAILED (exit $?): %s"; return 1; }' % (command, quoted))
    return '\n'.join(parts) + '\n'


def wait_for_output(log, expected):
    """A bounded wait, in the session, until the server's output shows ``expected``."""
    check = ('import sys, time\n'
             'deadline = time.monotonic() + %d\n'
             'while time.monotonic() < deadline:\n'
             '    try:\n'
             '        if %r in open(%r, encoding="utf-8", errors="replace").read():\n'
             '            sys.exit(0)\n'
             '    except OSError:\n'
             '        pass\n'
             '    time.sleep(0.1)\n'
             'sys.exit("the server did not print %%r within %d s" %% (%r,))\n'
             % (SERVER_START_TIMEOUT, expected, log, SERVER_START_TIMEOUT, expected))
    return 'python3 -c %s || { cat %s; return 1; }' % (shlex.quote(check), log)


def yaml_script(snippet, session):
    """Save a named snippet under its name; run an unnamed playbook or task list with ansible-playbook."""
    source = session.scratch / ('snippet-%d.yml' % snippet.line)
    if snippet.name:
        source.write_text(snippet.text, encoding='utf-8')
        return 'cp %s ./%s\n' % (shlex.quote(str(source)), shlex.quote(snippet.name))
    data = yaml.safe_load(snippet.text)
    assert isinstance(data, list) and data and all(isinstance(item, dict) for item in data), \
        '%r is neither a playbook nor a list of tasks, and has no name to be saved under' % snippet
    is_play = any('hosts' in item or 'import_playbook' in item or 'ansible.builtin.import_playbook' in item
                  for item in data)
    if not is_play:
        data = [{'name': 'Tasks of %s line %d' % (snippet.document, snippet.line), 'hosts': 'localhost',
                 'connection': 'local', 'gather_facts': False, 'tasks': data}]
    source.write_text(yaml.safe_dump(data, sort_keys=False) if not is_play else snippet.text, encoding='utf-8')
    name = '.snippet-%d.yml' % snippet.line
    return ('cp %s ./%s && ansible-playbook ./%s || { echo "FAILED: ansible-playbook of the snippet"; return 1; }\n'
            % (shlex.quote(str(source)), name, name))


@pytest.fixture(scope='module')
def clone(tmp_path_factory):
    """The collection's files, as a fresh clone has them (the build also takes uncommitted work)."""
    path = tmp_path_factory.mktemp('clone') / 'invoca.messaging'
    collection_tree.copy_collection(path)
    return path


def session_env(home, sim):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'INVOCA_', 'PYTHON')))
    env.update({'HOME': str(home), 'PATH': '%s:%s' % (BIN, env.get('PATH', '/usr/bin:/bin')),
                'INVOCA_API_URL': sim.url, 'INVOCA_API_TOKEN': sim.token, 'ANSIBLE_NOCOLOR': '1',
                'PIP_DISABLE_PIP_VERSION_CHECK': '1'})
    return env


@pytest.fixture(scope='module')
def tarball(clone, tmp_path_factory):
    build = tmp_path_factory.mktemp('build')
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', '--output-path', str(build), str(clone)],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return next(build.glob('invoca-messaging-*.tar.gz'))


@pytest.mark.parametrize('document', DOCUMENTS)
def test_every_snippet_runs_as_shown(document, clone, tarball, tmp_path):
    snippets = snippets_of(document)
    workdir = tmp_path / 'invoca.messaging'
    shutil.copytree(str(clone), str(workdir))
    home = tmp_path / 'home'
    home.mkdir()
    if document not in INSTALLS_ITSELF:
        # The other guides assume the collection installed as README.md and getting_started.rst show.
        subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'install', str(tarball)], env=dict(os.environ, HOME=str(home)),
                       check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ports = dict((port, free_port()) for port in PORTS_IN_DOCS)
    ran, skipped = [], []
    # The real clock, as a reader who started the simulator by hand has it: a text is delivered two seconds after
    # it was sent, so a snippet with wait: true ends, and "today" is today.
    with Simulator(token='snippet-token', clock='real') as sim:
        session = Session(workdir, session_env(home, sim))
        try:
            for snippet in snippets:
                if snippet.marker == 'skip':
                    assert snippet.reason, '%r is skipped without a reason in parentheses' % snippet
                    skipped.append('%r: %s' % (snippet, snippet.reason))
                    continue
                for port, free in ports.items():
                    snippet.text = snippet.text.replace(port, free)
                if snippet.language in CONSOLE:
                    script = console_script(snippet)
                else:
                    script = yaml_script(snippet, session)
                status, output = session.run(script)
                assert status == 0, '%r failed as shown in %s:\n%s\n--- its output ---\n%s' % (
                    snippet, document, snippet.text, output[-6000:])
                ran.append(snippet)
        finally:
            session.close()
    print('%s: ran %d snippets; skipped %d:\n  %s' % (document, len(ran), len(skipped), '\n  '.join(skipped)))


def test_markers_are_found_and_need_a_reason():
    text = ('# T\n\n## A\n<!-- snippets: skip section (builds an EE) -->\n```yaml\n- a: 1\n```\n### A.1\n```console\nls\n```\n'
            '## B\n<!-- snippet: skip (real API) -->\n```console\nls\n```\n\n```yaml\n# site.yml\n- hosts: x\n```\n')
    found = markdown_snippets('x.md', text)
    assert [(s.line, s.marker, s.reason, s.name) for s in found] == [
        (5, 'skip', 'builds an EE', None), (9, 'skip', 'builds an EE', None), (14, 'skip', 'real API', None),
        (18, None, None, 'site.yml')]
    rst = ('Title\n=====\n\nA\n---\n\n.. snippets: skip section (AWX)\n\n.. code-block:: yaml\n\n   x: 1\n\nB\n---\n\n'
           '.. snippet: background (a server)\n\n.. code-block:: console\n\n   $ serve\n   listening\n')
    found = rst_snippets('x.rst', rst)
    assert [(s.marker, s.reason) for s in found] == [('skip', 'AWX'), ('background', 'a server')]


def test_console_commands_leave_out_output_and_join_continuations():
    assert commands_of('$ a \\\n  --b\n$ c\nshown output\n') == [('a    --b', []), ('c', ['shown output'])]
    assert commands_of('make x   # why\n# a comment\nmake y\n') == [('make x   # why', []), ('make y', [])]


def test_a_failing_command_fails_its_snippet_and_the_session_goes_on(tmp_path):
    workdir = tmp_path / 'work'
    workdir.mkdir()
    session = Session(workdir, dict(os.environ, INVOCA_API_TOKEN='typed-token'))
    try:
        failing = Snippet('x.md', 1, 'console', 'true\nfalse\necho not reached\n')
        status, output = session.run(console_script(failing), timeout=60)
        assert status == 1 and 'FAILED (exit 1): false' in output and 'not reached' not in output
        status, output = session.run(console_script(Snippet('x.md', 2, 'console', 'export A=1\ncd /\n')), timeout=60)
        assert status == 0
        reading = Snippet('x.md', 3, 'console', 'read -rs T && echo "$A $PWD $T"\n')
        assert session.run(console_script(reading), timeout=60) == (0, '1 / typed-token\n')
    finally:
        session.close()


def test_the_awx_guide_shows_the_credential_type_as_the_file_defines_it():
    """The two credential-type snippets are pasted into AWX, so they are checked against the file instead of run."""
    definition = yaml.safe_load((REPO / 'extensions' / 'awx' / 'invoca_sms_credential_type.yml').read_text(encoding='utf-8'))
    shown = [yaml.safe_load(s.text) for s in snippets_of('docs/docsite/rst/awx_guide.rst') if s.language == 'yaml']
    inputs = dict(definition['inputs'], fields=[dict((k, v) for k, v in field.items() if k != 'help_text')
                                                for field in definition['inputs']['fields']])
    assert inputs in shown
    assert definition['injectors'] in shown


@pytest.mark.parametrize('document', [document for document in DOCUMENTS if document.endswith('.rst')])
def test_no_literal_block_holds_a_snippet_that_is_not_run(document):
    """A ``::`` literal block is never run: YAML or commands in one must be a code-block, or marked skipped."""
    blocks = literal_blocks(document, (REPO / document).read_text(encoding='utf-8'))
    hidden = [block for block in blocks if holds_yaml_or_shell(block.text) and block.marker != 'skip']
    assert not hidden, ('these "::" literal blocks hold YAML or commands that the snippet test would never run; make '
                        'each a ".. code-block:: console" (or yaml) so that it runs, or put ".. snippet: skip (REASON)" '
                        'before its paragraph:\n%s' % '\n'.join('%r:\n%s' % (block, block.text) for block in hidden))
    unexplained = [block for block in blocks if block.marker == 'skip' and not block.reason]
    assert not unexplained, '%r skipped without a reason in parentheses' % unexplained


def test_literal_blocks_are_found_with_their_markers():
    rst = ('Title\n=====\n\nRun this::\n\n    ansible-playbook site.yml\n\nA term\n    A definition that ends\n'
           '    in a block::\n\n        ---\n        collections:\n          - name: x\n\n    After it.\n\n'
           '.. snippet: skip (a real controller)\n\nAnd this\none::\n\n    $ awx login\n\nOutput::\n\n'
           '    TASK [Summary]\n    ok: [localhost] => {\n    }\n\n.. code-block:: yaml\n\n   key::\n\n     not a block\n\n'
           'A lone marker\n\n::\n\n    export A=1\n')
    found = literal_blocks('x.rst', rst)
    assert [(block.line, block.marker, block.reason, holds_yaml_or_shell(block.text)) for block in found] == [
        (4, None, None, True), (10, None, None, True), (21, 'skip', 'a real controller', True), (25, None, None, False),
        (39, None, None, True)]
    assert found[1].text == '---\ncollections:\n  - name: x\n'
    assert not holds_yaml_or_shell('collections/requirements.yml    # step 1\nsms_numbers.txt    # the numbers\n')
    assert holds_yaml_or_shell('- name: A task\n  ansible.builtin.debug:\n')


def test_the_awx_guide_shows_the_example_project_as_it_is():
    """The project files the AWX guide shows but cannot run are the example project's own."""
    project = REPO / 'docs' / 'examples' / 'awx_project'
    named = dict((s.name, s) for s in snippets_of('docs/docsite/rst/awx_guide.rst') if s.name)
    requirements = [s for s in snippets_of('docs/docsite/rst/awx_guide.rst')
                    if s.language == 'yaml' and 'collections' in (yaml.safe_load(s.text) or {})]
    assert len(requirements) == 1
    assert yaml.safe_load(requirements[0].text) == yaml.safe_load(
        (project / 'collections' / 'requirements.yml').read_text(encoding='utf-8'))
    assert named['sms_numbers.txt'].text == (project / 'sms_numbers.txt').read_text(encoding='utf-8')
