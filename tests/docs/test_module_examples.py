# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's EXAMPLES runs as shown (ansible-doc and the docsite show them), against the simulator.

The EXAMPLES string of each module is read with ast (the module is not imported), and the tasks of all four
modules go, in the order below, into one play on localhost: later examples use what earlier ones registered
(sms_message deletes the message it sent) and the network they leave (sms_message sends from the number
sms_phone_number made SMS-enabled). ansible-playbook runs it the way a reader runs a copied example: the
collection on ANSIBLE_COLLECTIONS_PATH, an empty HOME, and of the invoca settings only INVOCA_API_TOKEN and
INVOCA_API_URL in the environment. The files an example reads are written next to the playbook, and the values a
reader supplies (their own variables, the uuid of one of their messages) are in READER_VALUES below.

The simulator delivers a message as soon as it is stored (delivery_delay_seconds 0), as a carrier does within
seconds, so the examples that wait for delivery, or assert it, run too: its clock moves only with requests.

An example that cannot run here is listed in SKIPPED with its reason, and printed; there is none today.

Run with the docs virtualenv (it has ansible-core and requests): ``make docs-test``, or
``.venv/bin/python -m pytest tests/docs/test_module_examples.py``.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / 'tests'))
sys.path.insert(0, str(REPO / 'tests' / 'simulator'))

import collection_tree  # noqa: E402  pylint: disable=wrong-import-position
from simulator_control import Simulator  # noqa: E402  pylint: disable=wrong-import-position

# In the order they run: numbers first, then their reads, then a message from one of them, then its reads.
MODULES = ('sms_phone_number', 'sms_phone_number_info', 'sms_message', 'sms_message_info')
SENDER = '+18885550100'
# The file sms_phone_number's reconciliation examples read: blank lines and comment lines, as they allow.
FILES = {
    'sms_numbers.txt': '# The SMS-enabled numbers of the network, one a line\n%s\n\n   # the support line\n'
                       '+18885550103\n' % SENDER,
}
RECONCILED = {SENDER, '+18885550103'}
CUSTOMERS = ['+15551230010', '+15551230011']
# The variables of the reader's own that the examples use, given as the play's vars.
READER_VARIABLES = {'app_version': '2.0.0', 'customer_numbers': CUSTOMERS}
# What a reader puts in: (module, text in its EXAMPLES) -> (what this test puts there instead, why).
READER_VALUES = {
    ('sms_message_info', 'uuid: 0536c12f-7399-4786-8682-bce652e75655'): (
        'uuid: "{{ notified.sent[-1].uuid }}"', "a message of the reader's network: here the last one "
                                                "sms_message's examples sent (and did not delete)"),
}
# (module, task name) -> why that example cannot run against the simulator. Keep it short and honest.
SKIPPED = {}


def examples_of(module):
    """The EXAMPLES string of plugins/modules/<module>.py, read without importing the module."""
    tree = ast.parse((REPO / 'plugins' / 'modules' / ('%s.py' % module)).read_text(encoding='utf-8'))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'EXAMPLES' for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError('%s has no EXAMPLES' % module)


def example_tasks(module):
    text = examples_of(module)
    for (owner, shown), (value, dummy) in READER_VALUES.items():
        if owner == module:
            assert shown in text, '%s no longer shows %r: update READER_VALUES' % (module, shown)
            text = text.replace(shown, value)
    tasks = yaml.safe_load(text)
    assert isinstance(tasks, list) and tasks and all(isinstance(task, dict) and task.get('name') for task in tasks), \
        "%s's EXAMPLES is not a list of named tasks" % module
    return [task for task in tasks if (module, task['name']) not in SKIPPED]


def test_every_skip_names_an_example_and_gives_a_reason():
    for (module, name), reason in SKIPPED.items():
        assert reason.strip(), (module, name)
        assert name in [task.get('name') for task in yaml.safe_load(examples_of(module))], (module, name)


def test_examples_need_no_variable_the_reader_has_not_defined():
    """A copied example runs with the token in INVOCA_API_TOKEN: no invoca_api_token without a default."""
    for module in MODULES:
        text = examples_of(module)
        assert not re.search(r'\{\{\s*invoca_api_token\s*\}\}', text), \
            '%s: api_token: "{{ invoca_api_token }}" fails when only INVOCA_API_TOKEN is set; drop it, or add ' \
            '| default(omit) as README does' % module


@pytest.fixture(scope='module')
def collections_path(tmp_path_factory):
    path = tmp_path_factory.mktemp('collections')
    collection_tree.copy_collection(path / 'ansible_collections' / 'invoca' / 'messaging')
    return path


def test_the_examples_of_every_module_run_against_the_simulator(collections_path, tmp_path):
    tasks, counts = [], {}
    for module in MODULES:
        found = example_tasks(module)
        counts[module] = len(found)
        tasks.extend(found)
    shown = '\n'.join(examples_of(module) for module in MODULES)
    unused = [name for name in READER_VARIABLES if not re.search(r'\{\{\s*%s\b' % name, shown)]
    assert not unused, 'no example uses %s any more: drop it from READER_VARIABLES' % unused
    play = [{'name': 'The EXAMPLES of %s' % ', '.join(MODULES), 'hosts': 'localhost', 'gather_facts': False,
             'vars': READER_VARIABLES, 'tasks': tasks}]
    workdir = tmp_path / 'run'
    workdir.mkdir()
    (workdir / 'examples.yml').write_text(yaml.safe_dump(play, sort_keys=False), encoding='utf-8')
    for name, content in FILES.items():
        (workdir / name).write_text(content, encoding='utf-8')
    home = tmp_path / 'home'
    home.mkdir()

    with Simulator(token='examples-token', delivery_delay=0) as sim:
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'INVOCA_', 'PYTHON')))
        env.update({'HOME': str(home), 'PATH': '%s:%s' % (BIN, env.get('PATH', '/usr/bin:/bin')),
                    'ANSIBLE_COLLECTIONS_PATH': str(collections_path), 'ANSIBLE_NOCOLOR': '1',
                    'INVOCA_API_URL': sim.url, 'INVOCA_API_TOKEN': sim.token})
        completed = subprocess.run([str(BIN / 'ansible-playbook'), 'examples.yml'], cwd=str(workdir), env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600, check=False)
        output = completed.stdout.decode('utf-8', 'replace')
        log = sim.log()
        active = set(sim.active_numbers())
        messages = sim.messages()
    print('ran %s; skipped %d: %s' % (counts, len(SKIPPED), SKIPPED))
    assert completed.returncode == 0, output[-8000:]
    recap = re.search(r'localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0\s+skipped=(\d+)', output)
    assert recap, output[-3000:]
    # Every example task ran (a block counts its own tasks, not itself).
    expected = sum(len(task.get('block', [task])) for task in tasks)
    assert int(recap.group(1)) == expected and recap.group(3) == '0', (expected, recap.group(0))

    operations = [entry['operation'] for entry in log]
    # sms_phone_number: created and deleted numbers, and left the network as the numbers file says.
    writes = [(entry['operation'], entry['phone_number']) for entry in log if entry['applied']]
    assert ('create', SENDER) in writes and ('delete', SENDER) in writes and ('create', '+18885550103') in writes, writes
    assert active == RECONCILED, active
    # sms_phone_number_info: got, listed, filtered, counted.
    assert 'count' in operations
    assert any(entry['operation'] == 'list' and 'created_at[gte]' in entry['params'] for entry in log)
    # sms_message: sent from the sender to both groups of recipients, waited for the delivery, deleted one.
    sent = [message for message in messages if message['direction'] == 'out']
    assert {message['from'] for message in sent} == {SENDER}
    assert sorted(message['to'] for message in sent) == sorted(['+15551230001', '+15551230002'] + CUSTOMERS), sent
    assert all(message['delivered_at'] for message in sent), sent
    deleted = [message['to'] for message in sent if message['deleted_at']]
    assert deleted == [CUSTOMERS[0]], deleted
    # sms_message_info: the message, the number's messages, its usage, a filtered listing and a count.
    for operation in ('get_message', 'messages_by_number', 'message_usage', 'list_messages'):
        assert operation in operations, (operation, sorted(set(operations)))
    # Nothing was refused: no token trouble, no server error (a 404 is how a number or message is found absent).
    refused = [entry for entry in log if entry['status'] in (401, 403, 422) or (entry['status'] or 0) >= 500]
    assert not refused, refused
