# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a new user meets in their first hour, through real ansible processes against the
simulator:

* exclusive=true without max_deletions refuses, before any write, a run that would delete more than 10 numbers: it
  lists them in would_delete, says how to allow it, and counts the unchanged numbers in summary; 10 deletions, or
  max_deletions set higher, proceed;
* sms_message with --diff prints one line per recipient (who gets which text, who is skipped and why), the same in
  --check and in a real run, and check mode sends nothing;
* an api_url whose host name does not resolve fails at once, without retries, naming the host and not an internal
  class of the HTTP library.
"""

from __future__ import annotations

import datetime
import json
import re

import pytest

from conftest import assert_clean_failure

# Failed results, the printed diff and warnings differ between ansible-core versions: the oldest runs these too.
pytestmark = pytest.mark.core_sensitive

SENDER = '+18885550100'
MESSAGES_PATH = '/sms/2022-08-01/messages'
# The numbers the list keeps: two already on the network, one to create.
KEPT = ['+18885550100', '+18885550101']
NEW = '+18885550102'


def others(count):
    """Numbers of the network that are not on the list (so exclusive=true deletes them)."""
    return ['+1888555%04d' % (2000 + index) for index in range(count)]


def writes(sim):
    return [(entry['method'], entry['path']) for entry in sim.log() if entry['method'] in ('POST', 'DELETE')]


# ------------------------------------------------------------------------- the default guard on exclusive

def test_exclusive_without_max_deletions_refuses_11_deletions_before_any_write(ansible, sim):
    doomed = others(11)
    sim.reset(phone_numbers=KEPT + doomed)
    run = ansible.module('sms_phone_number', {'phone_numbers': KEPT + [NEW], 'exclusive': True})
    assert run.failed and run.rc != 0
    result = run.result
    assert_clean_failure(result)

    # Before any write: the network was only read, the number to create was not created either.
    assert writes(sim) == []
    assert sorted(sim.active_numbers()) == sorted(KEPT + doomed)
    assert (result['created'], result['deleted'], result.get('changed')) == ([], [], False)
    # Lists the would-be deletions, says how to allow them, counts what was already as wanted.
    assert sorted(result['would_delete']) == sorted(doomed)
    assert 'Refusing to delete 11 numbers' in result['msg']
    assert 'exclusive=true deletes at most 10 numbers unless max_deletions says otherwise' in result['msg']
    assert 'set max_deletions: 11 (or more)' in result['msg']
    assert all(number in result['msg'] for number in doomed)
    assert result['summary']['unchanged'] == len(KEPT)
    assert result['summary'].get('deleted', 0) == 0 and result['summary'].get('created', 0) == 0


def test_exclusive_without_max_deletions_deletes_10(ansible, sim):
    doomed = others(10)
    sim.reset(phone_numbers=KEPT + doomed)
    run = ansible.module('sms_phone_number', {'phone_numbers': KEPT + [NEW], 'exclusive': True}, expect_rc=0)
    assert run.result['changed'] is True
    assert sorted(run.result['deleted']) == sorted(doomed) and run.result['created'] == [NEW]
    assert sorted(sim.active_numbers()) == sorted(KEPT + [NEW])


@pytest.mark.parametrize('max_deletions', [11, 50])
def test_max_deletions_set_higher_allows_more_than_10(ansible, sim, max_deletions):
    doomed = others(11)
    sim.reset(phone_numbers=KEPT + doomed)
    run = ansible.module('sms_phone_number', {'phone_numbers': KEPT, 'exclusive': True,
                                              'max_deletions': max_deletions}, expect_rc=0)
    assert sorted(run.result['deleted']) == sorted(doomed)
    assert sorted(sim.active_numbers()) == sorted(KEPT)
    assert [method for method, dummy in writes(sim)] == ['DELETE'] * 11


# ------------------------------------------------------------------------------------- sms_message --diff

R1, R2, R3, R4 = '+15551230001', '+15551230002', '+15551230003', '+15551230004'
TEXT = 'Maintenance tonight at 22:00'
DIFF_LINE = re.compile(r'^[+-] \+\d+: .*$', re.M)


def diff_lines(output):
    """The per-recipient lines --diff printed (the default callback prints the prepared diff as it is)."""
    return DIFF_LINE.findall(output)


def test_sms_message_diff_is_one_line_per_recipient_the_same_in_check_mode_and_a_real_run(ansible, sim, tmp_path):
    sim.reset(phone_numbers=[SENDER])
    sim.config(delivery_delay_seconds=0)
    # R1 got this text a minute ago (dedupe_window is measured back from the later of the two clocks: this machine's).
    a_minute_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=60)
    sim.store_message(SENDER, R1, TEXT, created_at=a_minute_ago.strftime('%Y-%m-%dT%H:%M:%S.000Z'), outcome='delivered')
    stored = len(sim.messages())
    playbook = tmp_path / 'notify.yml'
    playbook.write_text('''- hosts: localhost
  gather_facts: false
  tasks:
    - name: Notify
      invoca.messaging.sms_message:
        from_number: "%s"
        # R3 twice (as written differently): one recipient, one line.
        to_numbers: ["%s", "%s", "%s", "+1 555 123 0003", "%s"]
        text: %s
        dedupe_window: 3600
        exclude_numbers: ["%s"]
''' % (SENDER, R1, R2, R3, R4, json.dumps(TEXT), R2), encoding='utf-8')

    check = ansible.playbook(str(playbook), check=True, diff=True, expect_rc=0)
    expected = [
        '- %s: skip, already received this text from %s within dedupe_window (3600 s)' % (R1, SENDER),
        '- %s: skip, on exclude_numbers' % R2,
        '+ %s: send %s from %s' % (R3, json.dumps(TEXT), SENDER),
        '+ %s: send %s from %s' % (R4, json.dumps(TEXT), SENDER),
    ]
    assert diff_lines(check.output) == expected, check.output[-4000:]
    # Check mode sent nothing.
    assert writes(sim) == [] and len(sim.messages()) == stored
    assert check.task('Notify')['changed'] is True

    real = ansible.playbook(str(playbook), diff=True, expect_rc=0)
    assert diff_lines(real.output) == expected, real.output[-4000:]
    result = real.task('Notify')
    assert sorted(entry['to'] for entry in result['sent']) == [R3, R4]
    assert sorted(result['skipped_recipients']) == [R1, R2]
    sent = [item for item in sim.messages() if item['direction'] == 'out'][stored:]
    assert sorted((item['to'], item['text']) for item in sent) == [(R3, TEXT), (R4, TEXT)]


# ---------------------------------------------------------------------------- a host name that does not resolve

UNRESOLVED = 'api.no-such-host.invalid'


@pytest.mark.parametrize('module, args', [
    ('sms_phone_number', {'phone_number': SENDER}),
    ('sms_phone_number_info', {}),
    ('sms_message', {'from_number': SENDER, 'to_numbers': [R1], 'text': TEXT}),
])
def test_a_host_name_that_does_not_resolve_fails_once_naming_the_host(ansible, sim, module, args):
    run = ansible.module(module, dict(args, api_url='https://%s' % UNRESOLVED))
    assert run.failed and run.rc != 0
    result = run.result
    assert_clean_failure(result)
    assert 'the host name %s does not resolve' % UNRESOLVED in result['msg'], result['msg']
    assert 'not retried' in result['msg']
    # No internal class name of urllib3/requests, anywhere in what the user sees.
    for internal in ('_WatchedHTTPSConnection', 'HTTPSConnection(', 'NameResolutionError(', 'object at 0x'):
        assert internal not in run.output, (internal, result['msg'])
    # Not retried: no retry warning (every retry of a run is reported in one).
    assert not [warning for warning in result.get('warnings', []) if 'retried' in warning], result.get('warnings')
    assert 'were retried' not in run.output
    # Nothing reached the simulator (INVOCA_API_URL is set, but api_url wins).
    assert sim.log() == []
