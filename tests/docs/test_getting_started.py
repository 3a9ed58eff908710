# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files the getting-started guide shows work as the guide says, against the API simulator.

The guide names every module and plugin of the collection, and the output it shows for the first check run is what
that run prints. The code blocks of docs/docsite/rst/getting_started.rst that carry a ``:caption:`` (sms.yml, reconcile.yml,
sms_numbers.txt, the tasks of info.yml) are written to a directory and run with ansible-playbook, with the
commands the guide gives (--check --diff first, then for real, then again), the token from the environment or
from an Ansible Vault file. ansible-playbook is taken from the directory of the running Python, so run this with
the docs virtualenv (it has ansible-core and requests):

    python -m pytest tests/docs/test_getting_started.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GUIDE = REPO / 'docs' / 'docsite' / 'rst' / 'getting_started.rst'
BIN = Path(sys.executable).parent

import build_docsite  # noqa: E402  pylint: disable=wrong-import-position
from simulator_control import Simulator  # noqa: E402  pylint: disable=wrong-import-position

GUIDE_NUMBERS = ['+18885550100', '+18885550101']
RECONCILED = ['+18885550100', '+18885550102']


def captioned_blocks(rst):
    """{caption: content} of every code block with a :caption: option."""
    blocks = {}
    lines = rst.splitlines()
    for index, line in enumerate(lines):
        if not re.match(r'^\s*\.\. code-block::', line):
            continue
        indent = len(line) - len(line.lstrip()) + 3
        cursor = index + 1
        caption = None
        while cursor < len(lines) and lines[cursor].strip().startswith(':'):
            match = re.match(r'^\s*:caption:\s*(.+)$', lines[cursor])
            if match:
                caption = match.group(1).strip()
            cursor += 1
        body = []
        cursor += 1  # the blank line after the options
        while cursor < len(lines) and (not lines[cursor].strip() or lines[cursor].startswith(' ' * indent)):
            body.append(lines[cursor])
            cursor += 1
        if caption:
            blocks[caption] = textwrap.dedent('\n'.join(body)).strip('\n') + '\n'
    return blocks


@pytest.fixture(scope='module')
def guide_files():
    return captioned_blocks(GUIDE.read_text(encoding='utf-8'))


@pytest.fixture(scope='module')
def collections_path(tmp_path_factory):
    path = tmp_path_factory.mktemp('collections')
    build_docsite.collection_tree.copy_collection(path / 'ansible_collections' / 'invoca' / 'messaging')
    return path


@pytest.fixture()
def simulator():
    with Simulator(token='guide-token') as sim:
        yield sim


@pytest.fixture()
def workdir(tmp_path, guide_files):
    for name in ('sms.yml', 'reconcile.yml', 'sms_numbers.txt'):
        assert name in guide_files, 'getting_started.rst has no code block with ":caption: %s"' % name
        (tmp_path / name).write_text(guide_files[name], encoding='utf-8')
    return tmp_path


def playbook(workdir, collections_path, sim, *args, token=True):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'INVOCA_')))
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(collections_path),
        'ANSIBLE_HOME': str(workdir / '.ansible-home'),
        'ANSIBLE_LOCAL_TEMP': str(workdir / '.ansible-tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'INVOCA_API_URL': sim.url,
    })
    if token:
        env['INVOCA_API_TOKEN'] = sim.token
    completed = subprocess.run([str(BIN / 'ansible-playbook')] + list(args), cwd=str(workdir), env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    return completed.returncode, completed.stdout.decode('utf-8', 'replace')


def recap(output):
    match = re.search(r'localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', output)
    assert match, output
    return dict(zip(('ok', 'changed', 'unreachable', 'failed'), (int(g) for g in match.groups())))


def test_guide_files_are_yaml(guide_files):
    for name, content in guide_files.items():
        if name.endswith('.yml'):
            assert yaml.safe_load(content), name


def shown_output(rst, command):
    """The output lines that a console block of the guide shows after ``$ COMMAND`` (up to the next command): the
    first block that shows any."""
    for block in re.findall(r'\.\. code-block:: console\n\n((?:(?:   .*)?\n)+)', rst):
        lines = textwrap.dedent(block).splitlines()
        if '$ ' + command in lines:
            shown = []
            for line in lines[lines.index('$ ' + command) + 1:]:
                if line.startswith('$ '):
                    break
                shown.append(line)
            if '\n'.join(shown).strip():
                return '\n'.join(shown).strip('\n')
    raise AssertionError('getting_started.rst shows no output after "$ %s"' % command)


def test_the_guide_shows_the_output_a_run_prints(workdir, collections_path, simulator):
    shown = shown_output(GUIDE.read_text(encoding='utf-8'), 'ansible-playbook sms.yml --check --diff')
    assert shown.count('TASK [') == 2 and '++18885550101' in shown, shown
    rc, out = playbook(workdir, collections_path, simulator, 'sms.yml', '--check', '--diff')
    assert rc == 0, out
    printed = '\n'.join(line.rstrip() for line in out.splitlines())
    assert shown in printed, 'getting_started.rst shows:\n%s\n--- but the run printed ---\n%s' % (shown, printed)


def test_the_guide_names_every_module_and_plugin():
    text = GUIDE.read_text(encoding='utf-8')
    modules = sorted(path.stem for path in (REPO / 'plugins' / 'modules').glob('*.py') if not path.stem.startswith('_'))
    lookups = sorted(path.stem for path in (REPO / 'plugins' / 'lookup').glob('*.py') if not path.stem.startswith('_'))
    sources = sorted(path.stem for path in (REPO / 'extensions' / 'eda' / 'plugins' / 'event_source').glob('*.py')
                     if not path.stem.startswith('_'))
    assert len(modules) >= 4, modules
    named = ['invoca.messaging.%s#module' % name for name in modules] + ['invoca.messaging.%s#lookup' % name for name in lookups]
    missing = [name for name in named if ':ansplugin:`%s`' % name not in text]
    missing += ['invoca.messaging.%s (event source)' % name for name in sources if '``invoca.messaging.%s``' % name not in text]
    assert not missing, 'getting_started.rst does not name %s' % missing
    assert 'has two modules' not in text


def test_first_playbook_check_then_apply_then_idempotent(workdir, collections_path, simulator):
    rc, out = playbook(workdir, collections_path, simulator, 'sms.yml', '--check', '--diff')
    assert rc == 0 and recap(out)['changed'] == 1, out
    # One number per line: each number the run would create is one added line of the diff.
    assert '\n++18885550100\n++18885550101\n' in out, out
    assert 'would create 2, would delete 0, unchanged 0' in out, out
    assert simulator.active_numbers() == [] and simulator.writes() == [], 'check mode wrote to the API'

    rc, out = playbook(workdir, collections_path, simulator, 'sms.yml')
    assert rc == 0 and recap(out)['changed'] == 1, out
    assert sorted(simulator.active_numbers()) == GUIDE_NUMBERS

    simulator.clear_log()
    rc, out = playbook(workdir, collections_path, simulator, 'sms.yml')
    assert rc == 0 and recap(out)['changed'] == 0, out
    assert simulator.writes() == []


def test_first_playbook_with_the_token_in_a_vault(workdir, collections_path, simulator):
    password = workdir / 'vault-password'
    password.write_text('guide-vault-password\n', encoding='utf-8')
    vault = workdir / 'group_vars' / 'all' / 'vault.yml'
    vault.parent.mkdir(parents=True)
    vault.write_text('invoca_api_token: "%s"\n' % simulator.token, encoding='utf-8')
    subprocess.run([str(BIN / 'ansible-vault'), 'encrypt', '--vault-password-file', str(password), str(vault)],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert vault.read_text(encoding='utf-8').startswith('$ANSIBLE_VAULT;')

    rc, out = playbook(workdir, collections_path, simulator, 'sms.yml', '--vault-password-file', str(password), token=False)
    assert rc == 0 and recap(out)['changed'] == 1, out
    assert sorted(simulator.active_numbers()) == GUIDE_NUMBERS
    assert simulator.token not in out


def test_without_any_token_the_task_fails_clearly(workdir, collections_path, simulator):
    rc, out = playbook(workdir, collections_path, simulator, 'sms.yml', token=False)
    assert rc != 0 and 'api_token' in out, out


def test_reconcile_previews_then_makes_the_network_match_the_file(workdir, collections_path, simulator):
    simulator.seed(phone_numbers=['+18885550100', '+18885550101', '+18885550199'])
    rc, out = playbook(workdir, collections_path, simulator, 'reconcile.yml', '--check', '--diff')
    assert rc == 0 and recap(out)['changed'] == 1, out
    assert simulator.writes() == []

    rc, out = playbook(workdir, collections_path, simulator, 'reconcile.yml')
    assert rc == 0, out
    assert sorted(simulator.active_numbers()) == RECONCILED


def test_reconcile_refuses_more_deletions_than_max_deletions(workdir, collections_path, simulator):
    extra = ['+1555000%04d' % index for index in range(21)]
    simulator.seed(phone_numbers=RECONCILED + extra)
    rc, out = playbook(workdir, collections_path, simulator, 'reconcile.yml', '--check', '--diff')
    assert rc != 0 and 'max_deletions' in out, out
    assert simulator.writes() == []
    assert len(simulator.active_numbers()) == 23


def test_info_tasks(workdir, collections_path, simulator, guide_files):
    tasks = yaml.safe_load(guide_files['tasks of info.yml'])
    play = [{
        'name': 'Info tasks of the getting-started guide',
        'hosts': 'localhost',
        'connection': 'local',
        'gather_facts': False,
        'tasks': tasks + [{'name': 'Check what the guide says they return',
                           'ansible.builtin.assert': {'that': ['sms_count.count == 2', 'sms_list.phone_numbers | length == 2',
                                                               "sms_list.phone_numbers[0].phone_number == '+18885550102'",
                                                               'sms_one.phone_numbers | length == 1']}}],
    }]
    (workdir / 'info.yml').write_text(yaml.safe_dump(play, sort_keys=False), encoding='utf-8')
    simulator.seed(phone_numbers=RECONCILED)
    rc, out = playbook(workdir, collections_path, simulator, 'info.yml', '--check')
    assert rc == 0 and recap(out)['failed'] == 0, out
    assert '2 numbers: +18885550102, +18885550100; +18885550100 is SMS-enabled' in out, out
