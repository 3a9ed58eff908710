# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every EXAMPLES entry runs as copied, on its own, against the simulator (ansible-doc and the docsite show them).

An entry is one item of the EXAMPLES list of a module or of the lookup plugin: a task, or a block that finds what it
needs itself (a message's uuid, a registered result it prints). A reader copies one entry into a play of their own,
so each runs alone, in a play of its own on localhost, against a simulator reset and seeded for it, and may use only
literal values, its own ``vars`` and the environment: the collection on ANSIBLE_COLLECTIONS_PATH, an empty HOME, and
of the invoca settings only INVOCA_API_TOKEN and INVOCA_API_URL. No play vars, no extra vars, nothing registered by
another entry.

One parametrised test (module, entry number, entry name) runs every entry; CASES says, for each, what the simulator
holds before (the reader's network: numbers and messages; the files the reader has next to the playbook) and what
the entry must have done to it, read from the simulator's state and request log: what was written or sent, and for
a read or a check-mode run, that nothing was. An entry without a case, or a case without an entry, fails
test_every_example_has_a_case, so a new example is run the day it is written.

The EXAMPLES strings are read with ast (the plugins are not imported). The simulator delivers a message as soon as
it is stored (delivery_delay 0), as a carrier does within seconds, so an entry that waits for delivery runs too.

Run with the docs virtualenv (it has ansible-core and requests): ``make docs-test``, or
``.venv/bin/python -m pytest tests/docs/test_module_examples.py`` (``-n 2`` runs the entries two at a time).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest
import yaml

import collection_tree
from simulator_control import Simulator

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent

# The plugins whose EXAMPLES are run: (kind, name), kind being the folder under plugins/.
PLUGINS = (('modules', 'sms_phone_number'), ('modules', 'sms_phone_number_info'), ('modules', 'sms_message'),
           ('modules', 'sms_message_info'), ('lookup', 'sms_phone_numbers'))
SENDER = '+18885550100'
ON_CALL = ['+15551230001', '+15551230002']
CUSTOMERS = ['+15551230010', '+15551230011']
# The numbers file of sms_phone_number's reconciliation examples: blank lines and comment lines, as they allow.
NUMBERS_FILE = {'sms_numbers.txt': '# The SMS-enabled numbers of the network, one a line\n%s\n\n   # the support line\n'
                                   '+18885550103\n' % SENDER}
NOVEMBER = '2022-11-15T10:00:00.000Z'

# Case: what the reader's network holds before the entry runs, the files next to the playbook, and the check of
# what the entry did, check(effect) with the Effect below. messages are store_message() keyword arguments.
Case = namedtuple('Case', 'starts_with numbers deleted messages files check')
Effect = namedtuple('Effect', 'log writes active messages output')


def case(starts_with, check, numbers=(SENDER,), deleted=(), messages=(), files=None):
    return Case(starts_with, tuple(numbers), tuple(deleted), tuple(messages), files or {}, check)


# ----------------------------------------------------------------------------------------------- the checks

def number_writes(effect):
    return sorted((entry['operation'], entry['phone_number']) for entry in effect.writes)


def operations(effect):
    return [entry['operation'] for entry in effect.log]


def wrote(*expected, **kwargs):
    """The entry made exactly these number writes, and left these numbers active."""
    def check(effect):
        assert number_writes(effect) == sorted(expected), number_writes(effect)
        assert set(effect.active) == set(kwargs['active']), effect.active
    return check


def read_only(*needed, **kwargs):
    """The entry wrote nothing, made these requests (operations of the log) and printed these texts."""
    def check(effect):
        assert effect.writes == [], effect.writes
        for operation in needed:
            assert operation in operations(effect), (operation, operations(effect))
        for param in kwargs.get('params', ()):
            assert any(param in entry['params'] for entry in effect.log), (param, [e['params'] for e in effect.log])
        for text in kwargs.get('prints', ()):
            assert text in effect.output, (text, effect.output[-3000:])
    return check


def sent(recipients, text, delivered=False):
    """The entry sent ``text`` from SENDER to exactly these recipients (and, if asked, they were delivered)."""
    def check(effect):
        out = [message for message in effect.messages if message['direction'] == 'out']
        assert sorted(message['to'] for message in out) == sorted(recipients), out
        assert {(message['from'], message['text']) for message in out} == {(SENDER, text)}, out
        if delivered:
            assert all(message['delivered_at'] for message in out), out
        assert not [entry for entry in effect.writes if entry['phone_number']], effect.writes
    return check


def created_two_and_said_so(effect):
    """The block created the two numbers missing and its debug task printed what the run did."""
    wrote(('create', '+18885550101'), ('create', '+18885550102'), active=[SENDER, '+18885550101', '+18885550102'])(effect)
    assert 'created +18885550101, +18885550102' in effect.output, effect.output[-3000:]


def check_plan(effect):
    """The check-mode reconciliation wrote nothing and its diff shows the number it would create and delete."""
    read_only('list')(effect)
    assert set(effect.active) == {SENDER, '+18885550104'}, effect.active
    assert '+18885550103' in effect.output and '+18885550104' in effect.output, effect.output[-3000:]


def deleted_last_to_customer(effect):
    """Of the three messages seeded, only the newest one from SENDER to the first customer is soft-deleted."""
    deleted = [(message['to'], message['text']) for message in effect.messages if message['deleted_at']]
    assert deleted == [(CUSTOMERS[0], 'newest')], deleted
    assert [entry['method'] for entry in effect.writes] == ['DELETE'], effect.writes


# What every case holds before its entry: (kind, plugin, entry number) -> Case. starts_with is the start of the entry's
# name, so that a reordered or renamed entry meets its own case or none.
CASES = {
    ('modules', 'sms_phone_number', 0): case('Make sure one number is SMS-enabled', numbers=(),
                                             check=wrote(('create', SENDER), active=[SENDER])),
    ('modules', 'sms_phone_number', 1): case('Remove a number', check=wrote(('delete', SENDER), active=[])),
    ('modules', 'sms_phone_number', 2): case('Set the API options once', check=created_two_and_said_so),
    ('modules', 'sms_phone_number', 3): case('Remove several numbers', numbers=(SENDER, '+18885550101', '+18885550102'),
                                             check=wrote(('delete', '+18885550101'), ('delete', '+18885550102'),
                                                         active=[SENDER])),
    ('modules', 'sms_phone_number', 4): case('Preview a full reconciliation', numbers=(SENDER, '+18885550104'),
                                             files=NUMBERS_FILE, check=check_plan),
    ('modules', 'sms_phone_number', 5): case('Apply a full reconciliation', numbers=(SENDER, '+18885550104'),
                                             files=NUMBERS_FILE,
                                             check=wrote(('create', '+18885550103'), ('delete', '+18885550104'),
                                                         active=[SENDER, '+18885550103'])),
    ('modules', 'sms_phone_number', 6): case('Return the records', check=read_only()),

    ('modules', 'sms_phone_number_info', 0): case('Get one number', check=read_only('get', prints=['returned 1 record'])),
    ('modules', 'sms_phone_number_info', 1): case('List every SMS-enabled number', check=read_only('list')),
    ('modules', 'sms_phone_number_info', 2): case('Count them', check=read_only('count')),
    ('modules', 'sms_phone_number_info', 3): case('The 10 most recent numbers',
                                                  check=read_only('list', params=['created_at[gte]'])),
    ('modules', 'sms_phone_number_info', 4): case('Soft-deleted numbers too', deleted=('+18885550105',),
                                                  check=read_only('list')),

    ('modules', 'sms_message', 0): case('Tell the on-call team', check=sent(ON_CALL, 'Deploy of release 2.0.0 finished')),
    # Its opt-out file does not exist yet, as it says it may not: everyone on the list gets the text.
    ('modules', 'sms_message', 1): case('Notify the on-call team, except', check=sent(ON_CALL, 'Disk full on localhost')),
    ('modules', 'sms_message', 2): case('Send and wait', check=sent(CUSTOMERS, 'Your number is live.', delivered=True)),
    ('modules', 'sms_message', 3): case(
        'Delete the last message', check=deleted_last_to_customer,
        messages=(dict(recipient=CUSTOMERS[0], text='older'), dict(recipient=CUSTOMERS[1], text='to another'),
                  dict(recipient=CUSTOMERS[0], text='newest'))),

    ('modules', 'sms_message_info', 0): case('Get the last message a number sent',
                                             messages=(dict(recipient=ON_CALL[0], outcome='delivered'),),
                                             check=read_only('list_messages', 'get_message')),
    ('modules', 'sms_message_info', 1): case('The messages of one number', messages=(dict(recipient=ON_CALL[0]),),
                                             check=read_only('messages_by_number')),
    ('modules', 'sms_message_info', 2): case('Usage of one number', check=read_only('message_usage')),
    ('modules', 'sms_message_info', 3): case(
        "Who a number's messages of November 2022 did not reach",
        messages=(dict(recipient=ON_CALL[0], created_at=NOVEMBER, outcome='delivered'),
                  dict(recipient=ON_CALL[1], created_at=NOVEMBER, outcome='failed'),
                  dict(recipient=CUSTOMERS[0], outcome='failed')),
        check=read_only('list_messages', params=['created_at[gte]'], prints=['"msg": [\n        "%s"\n    ]' % ON_CALL[1]])),
    ('modules', 'sms_message_info', 4): case('Count every message', messages=(dict(recipient=ON_CALL[0], deleted=True),),
                                             check=read_only('list_messages')),

    ('lookup', 'sms_phone_numbers', 0): case('Print the network', numbers=(SENDER, '+18885550101'),
                                             check=read_only('list', prints=[SENDER, '+18885550101'])),
    ('lookup', 'sms_phone_numbers', 1): case('Fail unless the support line', check=read_only('list')),
    ('lookup', 'sms_phone_numbers', 2): case('One task per number', numbers=(SENDER, '+18885550101'),
                                             check=read_only(prints=['%s is SMS-enabled' % SENDER,
                                                                     '+18885550101 is SMS-enabled'])),
    ('lookup', 'sms_phone_numbers', 3): case('The numbers created in November 2022',
                                             check=read_only('list', params=['created_at[gte]'])),
    ('lookup', 'sms_phone_numbers', 4): case('Another network', numbers=(SENDER, '+18885550101'),
                                             check=read_only(prints=['2 numbers'])),
}


# ------------------------------------------------------------------------------------------ the entries

def examples_of(kind, name):
    """The EXAMPLES string of plugins/<kind>/<name>.py, read without importing the plugin."""
    tree = ast.parse((REPO / 'plugins' / kind / ('%s.py' % name)).read_text(encoding='utf-8'))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'EXAMPLES' for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError('%s has no EXAMPLES' % name)


def entries_of(kind, name):
    entries = yaml.safe_load(examples_of(kind, name))
    assert isinstance(entries, list) and entries and all(isinstance(e, dict) and e.get('name') for e in entries), \
        "%s's EXAMPLES is not a list of named tasks" % name
    return entries


ENTRIES = [(kind, name, index, entry) for kind, name in PLUGINS for index, entry in enumerate(entries_of(kind, name))]


def entry_id(value):
    kind, name, index, entry = value
    return '%s-%d-%s' % (name, index, re.sub(r'\W+', '_', entry['name'])[:40].strip('_'))


def test_every_example_has_a_case():
    found = {(kind, name, index): entry['name'] for kind, name, index, entry in ENTRIES}
    assert sorted(found) == sorted(CASES), 'EXAMPLES entries without a case: %s; cases without an entry: %s' % (
        sorted(set(found) - set(CASES)), sorted(set(CASES) - set(found)))
    for key, name in found.items():
        assert name.startswith(CASES[key].starts_with), '%s is now %r: update CASES' % (key, name)


def test_examples_need_no_variable_the_reader_has_not_defined():
    """A copied example runs with the token in INVOCA_API_TOKEN: no invoca_api_token without a default. (Any other
    variable an entry does not define itself fails its run below.)"""
    for kind, name in PLUGINS:
        assert not re.search(r'\{\{\s*invoca_api_token\s*\}\}', examples_of(kind, name)), \
            '%s: api_token: "{{ invoca_api_token }}" fails when only INVOCA_API_TOKEN is set; drop it, or add ' \
            '| default(omit) as README does' % name


@pytest.fixture(scope='module')
def collections_path(tmp_path_factory):
    path = tmp_path_factory.mktemp('collections')
    collection_tree.copy_collection(path / 'ansible_collections' / 'invoca' / 'messaging')
    return path


@pytest.fixture(scope='module')
def simulator():
    with Simulator(token='examples-token', delivery_delay=0) as server:
        yield server


@pytest.mark.parametrize('example', ENTRIES, ids=[entry_id(value) for value in ENTRIES])
def test_the_example_runs_alone_as_copied(example, simulator, collections_path, tmp_path):
    kind, name, index, entry = example
    setup = CASES[(kind, name, index)]
    simulator.reset(phone_numbers=setup.numbers, deleted=setup.deleted)
    for message in setup.messages:
        simulator.store_message(SENDER, **message)
    simulator.clear_log()

    workdir = tmp_path / 'run'
    workdir.mkdir()
    play = [{'name': 'One EXAMPLES entry of %s, as copied' % name, 'hosts': 'localhost', 'gather_facts': False,
             'tasks': [entry]}]
    (workdir / 'example.yml').write_text(yaml.safe_dump(play, sort_keys=False), encoding='utf-8')
    for file_name, content in setup.files.items():
        (workdir / file_name).write_text(content, encoding='utf-8')
    home = tmp_path / 'home'
    home.mkdir()
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'INVOCA_', 'PYTHON')))
    env.update({'HOME': str(home), 'PATH': '%s:%s' % (BIN, env.get('PATH', '/usr/bin:/bin')),
                'ANSIBLE_COLLECTIONS_PATH': str(collections_path), 'ANSIBLE_NOCOLOR': '1',
                'ANSIBLE_LOCALHOST_WARNING': 'false', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
                'INVOCA_API_URL': simulator.url, 'INVOCA_API_TOKEN': simulator.token})
    completed = subprocess.run([str(BIN / 'ansible-playbook'), 'example.yml'], cwd=str(workdir), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600, check=False)
    output = completed.stdout.decode('utf-8', 'replace')
    assert completed.returncode == 0, output[-8000:]
    recap = re.search(r'localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0\s+skipped=(\d+)', output)
    assert recap, output[-3000:]
    # Every task of the entry ran (a block counts its own tasks, not itself), none was skipped.
    assert (int(recap.group(1)), recap.group(3)) == (len(entry.get('block', [entry])), '0'), recap.group(0)
    assert simulator.token not in output

    log = simulator.log()
    # Nothing was refused: no token trouble, no server error (a 404 is how a number or message is found absent).
    refused = [item for item in log if item['status'] in (401, 403, 422) or (item['status'] or 0) >= 500]
    assert not refused, refused
    effect = Effect(log, [item for item in log if item['applied']], simulator.active_numbers(), simulator.messages(),
                    output)
    setup.check(effect)
