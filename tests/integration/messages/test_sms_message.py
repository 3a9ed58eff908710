# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests of invoca.messaging.sms_message: real ansible processes against the simulator.

The module's result says what it believes it sent; the simulator's stored messages and request log say what
really happened. Exactly-once under faults is checked here on single runs and in test_message_soak.py over many.
"""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure
from sms_message_runs import (  # noqa: F401  pylint: disable=unused-import
    MESSAGES_PATH,
    R1,
    R2,
    R3,
    SENDER,
    align_clock_with_this_machine,
    failed_result,
    network,
    outbound,
    send,
    sends,
)


def test_sends_once_to_each_normalised_recipient(ansible, network):
    run = send(ansible, to_numbers=[R1, '+1 (555) 123-0002', R1, '+1.555.123.0001'], expect_rc=0)
    result = run.result
    assert result['changed'] is True
    assert sorted(entry['to'] for entry in result['sent']) == [R1, R2]
    assert result['failures'] == [] and result['skipped_recipients'] == []
    stored = outbound(network)
    assert sorted(item['to'] for item in stored) == [R1, R2]
    assert all(item['from'] == SENDER and item['text'] == 'deploy finished' for item in stored)
    assert sorted(entry['uuid'] for entry in result['sent']) == sorted(item['uuid'] for item in stored)
    # One POST per recipient, each with a single recipient.
    assert sorted(entry['body'][0]['to'] for entry in sends(network)) == [[R1], [R2]]
    assert 'sent 2 message(s)' in result['msg']


def test_check_mode_sends_nothing_and_says_who_would_get_it(ansible, network):
    run = send(ansible, to=[R1, R2], check=True, expect_rc=0)
    assert run.result['changed'] is True
    assert run.result['would_send'] == [R1, R2]
    assert run.result['sent'] == []
    assert sends(network) == [] and outbound(network) == []


@pytest.mark.parametrize('args, expected', [
    ({'text': '   '}, 'text is empty'),
    ({'to_numbers': ['+1555', R1]}, "'+1555' is not a valid E.164 number"),
    ({'to_numbers': [R1, R2, R3], 'max_recipients': 2}, 'more than max_recipients (2)'),
    ({'text': 'x' * 161, 'max_segments': 1}, 'takes 2 SMS segments in GSM-7'),
    ({'text': u'\u00e7a marche \U0001F680' * 6, 'max_segments': 1}, 'takes 2 SMS segments in UCS-2'),
    ({'concurrency': 0}, 'concurrency must be between 1 and 64'),
    ({'from_number': 'sender'}, "from_number: phone number 'sender'"),
])
def test_bad_input_fails_before_any_request(ansible, network, args, expected):
    args.setdefault('to_numbers', [R1])
    network.clear_log()
    result = failed_result(send(ansible, **args))
    assert_clean_failure(result)
    assert expected in result['msg']
    assert network.log() == []


def test_from_number_must_be_an_active_number_of_the_network(ansible, network):
    network.request('DELETE', '/sms/2022-08-01/phone_numbers/%2B18885550100')
    for number in (SENDER, '+18885550199'):
        result = failed_result(send(ansible, from_number=number, to=[R1]))
        assert_clean_failure(result)
        assert 'is not an active SMS number' in result['msg'] and number in result['msg']
    assert sends(network) == []


@pytest.mark.core_sensitive
def test_one_refused_recipient_does_not_stop_the_others(ansible, network):
    # The first send is refused (not applied); one worker makes it R1's.
    network.config(faults=[{'kind': 'error', 'status': 400, 'operations': ['send'], 'count': 1}])
    result = failed_result(send(ansible, to=[R1, R2, R3], concurrency=1))
    assert_clean_failure(result)
    assert result['changed'] is True
    assert [entry['to'] for entry in result['sent']] == [R2, R3]
    assert [(f['to'], f['status'], f['outcome']) for f in result['failures']] == [(R1, 400, 'failed')]
    assert sorted(item['to'] for item in outbound(network)) == [R2, R3]
    assert '1 failed: %s' % R1 in result['msg']


@pytest.mark.parametrize('kind', ['lost_answer', 'applied_error'])
def test_applied_but_unanswered_send_is_found_not_resent(ansible, network, kind):
    network.config(faults=[{'kind': kind, 'operations': ['send'], 'every': 1}])
    result = send(ansible, to=[R1, R2, R3], expect_rc=0).result
    assert sorted(entry['to'] for entry in result['sent']) == [R1, R2, R3]
    stored = outbound(network)
    assert sorted(item['to'] for item in stored) == [R1, R2, R3]
    assert sorted(entry['uuid'] for entry in result['sent']) == sorted(item['uuid'] for item in stored)
    assert len(sends(network)) == 3


def test_lost_answer_on_the_2022_05_01_api_is_unknown_and_never_resent(ansible, network):
    # Its records carry no text: a new message to the recipient may be another job's, so the look-up can prove a
    # message absent but never present.
    network.config(faults=[{'kind': 'lost_answer', 'operations': ['send'], 'every': 1}])
    result = failed_result(send(ansible, to=[R1, R2], api_version='2022-05-01'))
    assert_clean_failure(result)
    assert result['sent'] == []
    assert sorted((f['to'], f['outcome']) for f in result['failures']) == [(R1, 'unknown'), (R2, 'unknown')]
    assert all('shows no texts' in f['message'] for f in result['failures'])
    assert sorted(item['to'] for item in outbound(network)) == [R1, R2]
    assert len([entry for entry in network.log() if entry['method'] == 'POST']) == 2
    lookups = [entry for entry in network.log() if entry['method'] == 'GET' and entry['path'].startswith(
        '/sms/2022-05-01/messages')]
    assert lookups and all(entry['params'].get('direction[eq]') == ['outbound'] for entry in lookups)


def test_a_5xx_answering_a_send_is_unknown_and_never_resent(ansible, network):
    # The 503 stored nothing here, but a 5xx cannot prove that: a rerun with dedupe_window settles it.
    network.config(faults=[{'kind': 'error', 'status': 503, 'operations': ['send'], 'count': 1}])
    result = failed_result(send(ansible, to=[R1]))
    assert_clean_failure(result)
    assert result['changed'] is True and result['sent'] == []
    assert [(f['to'], f['status'], f['outcome']) for f in result['failures']] == [(R1, 503, 'unknown')]
    assert '1 unknown (may have been sent, not sent again): %s' % R1 in result['msg']
    assert outbound(network) == []
    assert [entry['status'] for entry in sends(network)] == [503]


def test_identical_message_sent_before_the_task_is_not_taken_for_ours(ansible, network):
    send(ansible, to=[R1], expect_rc=0)
    before = outbound(network)[0]['uuid']
    network.config(faults=[{'kind': 'lost_answer', 'operations': ['send'], 'count': 1}])
    result = send(ansible, to=[R1], expect_rc=0).result
    stored = outbound(network)
    assert len(stored) == 2
    assert result['sent'][0]['uuid'] == stored[1]['uuid'] != before


def test_unknown_when_the_lookup_fails_and_never_resent(ansible, network):
    # The 1st listing reads the messages already there before sending; the 2nd, the look-up after the lost
    # answer, fails.
    network.config(faults=[{'kind': 'lost_answer', 'operations': ['send'], 'every': 1},
                           {'kind': 'error', 'status': 500, 'operations': ['list_messages'], 'every': 2, 'count': 1}])
    result = failed_result(send(ansible, to=[R1], max_retries=0))
    assert_clean_failure(result)
    assert result['sent'] == []
    assert [(f['to'], f['outcome']) for f in result['failures']] == [(R1, 'unknown')]
    assert 'looking for the message afterwards failed too' in result['failures'][0]['message']
    assert 'not sent again' in result['msg']
    assert len(outbound(network)) == 1
    assert len(sends(network)) == 1
    listings = [entry for entry in network.log() if entry['method'] == 'GET' and entry['path'] == MESSAGES_PATH]
    assert [entry['status'] for entry in listings] == [200, 500]


def test_wait_reports_delivered_failed_and_pending(ansible, network):
    network.config(message_outcomes={R2: {'outcome': 'failed', 'carrier_errorcode': 4720,
                                          'carrier_description': 'Invalid destination'}, R3: 'pending'})
    result = failed_result(send(ansible, to=[R1, R2, R3], wait=True, wait_timeout=2, concurrency=1))
    assert_clean_failure(result)
    delivery = dict((entry['to'], entry) for entry in result['delivery'])
    assert delivery[R1]['status'] == 'delivered' and delivery[R1]['delivered_at']
    assert delivery[R2]['status'] == 'failed' and delivery[R2]['failed_at']
    assert delivery[R2]['carrier_error_code'] == 4720
    assert delivery[R2]['carrier_description'] == 'Invalid destination'
    assert delivery[R3]['status'] == 'pending'
    assert [entry['uuid'] for entry in result['delivery']] == [entry['uuid'] for entry in result['sent']]
    assert 'delivery: 1 delivered, 1 failed, 1 pending' in result['msg']


def test_wait_until_all_delivered_polls_once_per_round(ansible, network):
    recipients = ['+1555123%04d' % index for index in range(20)]
    result = send(ansible, to=recipients, wait=True, expect_rc=0).result
    assert [entry['status'] for entry in result['delivery']] == ['delivered'] * 20
    assert result['delivery_polls'] == 1
    message_reads = [entry for entry in network.log()
                     if entry['method'] == 'GET' and entry['path'].startswith(MESSAGES_PATH + '/uuid')]
    assert message_reads == []


def test_dedupe_window_skips_who_already_got_the_text(ansible, network):
    align_clock_with_this_machine(network)
    send(ansible, to=[R1], expect_rc=0)
    run = send(ansible, to=[R1, R2], dedupe_window=3600, expect_rc=0)
    assert run.result['skipped_recipients'] == [R1]
    assert [entry['to'] for entry in run.result['sent']] == [R2]
    assert sorted(item['to'] for item in outbound(network)) == [R1, R2]
    # Another text is not a repeat.
    run = send(ansible, to=[R1], text='something else', dedupe_window=3600, expect_rc=0)
    assert run.result['skipped_recipients'] == [] and len(outbound(network)) == 3
    # Everyone already has it: nothing to send, not changed, also in check mode.
    for check in (True, False):
        run = send(ansible, to=[R1, R2], dedupe_window=3600, check=check, expect_rc=0)
        assert run.result['changed'] is False and run.result['skipped_recipients'] == [R1, R2]
    assert len(outbound(network)) == 3


def test_state_absent_soft_deletes_by_uuid(ansible, network):
    message_uuid = send(ansible, to=[R1], expect_rc=0).result['sent'][0]['uuid']
    check = ansible.module('sms_message', {'state': 'absent', 'uuid': message_uuid}, check=True, expect_rc=0)
    assert check.result['changed'] is True and outbound(network)[0]['deleted_at'] is None
    run = ansible.module('sms_message', {'state': 'absent', 'uuid': message_uuid}, expect_rc=0)
    assert run.result['changed'] is True and run.result['message']['deleted_at']
    assert outbound(network)[0]['deleted_at'] == run.result['message']['deleted_at']
    again = ansible.module('sms_message', {'state': 'absent', 'uuid': message_uuid}, expect_rc=0)
    assert again.result['changed'] is False
    missing = ansible.module('sms_message', {'state': 'absent', 'uuid': '00000000-0000-4000-8000-000000000000'},
                             expect_rc=0)
    assert missing.result['changed'] is False and missing.result['message'] is None
    result = failed_result(ansible.module('sms_message', {'state': 'absent', 'uuid': '../phone_numbers'}))
    assert_clean_failure(result)
    assert 'is not a message identifier' in result['msg']


def test_wait_on_the_2022_05_01_api_reports_a_failed_delivery(ansible, network):
    # Its records carry no failed_at: the newest delivery report's carrier error code says failed.
    network.config(message_outcomes={R2: {'outcome': 'failed', 'carrier_errorcode': 4720,
                                          'carrier_description': 'Invalid destination'}})
    result = failed_result(send(ansible, to=[R1, R2], api_version='2022-05-01', wait=True, wait_timeout=30,
                                concurrency=1))
    assert_clean_failure(result)
    delivery = dict((entry['to'], entry) for entry in result['delivery'])
    assert delivery[R1]['status'] == 'delivered'
    assert (delivery[R2]['status'], delivery[R2]['carrier_error_code']) == ('failed', 4720)
    assert delivery[R2]['carrier_description'] == 'Invalid destination' and delivery[R2]['failed_at']
    # Decided in the first round, not after wait_timeout.
    assert result['delivery_polls'] == 1
    assert 'delivery: 1 delivered, 1 failed' in result['msg']


def test_2022_05_01_send_posts_one_object_which_a_strict_api_takes(ansible, network):
    network.config(strict_send_body=True)
    result = send(ansible, to=[R1, R2], api_version='2022-05-01', expect_rc=0).result
    assert sorted(entry['to'] for entry in result['sent']) == [R1, R2]
    assert sorted(entry['body']['to'] for entry in network.log()
                  if entry['method'] == 'POST' and entry['path'].startswith('/sms/2022-05-01/messages')) == [R1, R2]
    assert len(outbound(network)) == 2


def test_dedupe_window_resends_to_who_got_a_failed_delivery(ansible, network):
    align_clock_with_this_machine(network)
    network.config(message_outcomes={R2: 'failed'})
    failed_result(send(ansible, to=[R1, R2], wait=True))
    network.config(message_outcomes={})
    run = send(ansible, to=[R1, R2], dedupe_window=3600, expect_rc=0)
    assert run.result['skipped_recipients'] == [R1]
    assert [entry['to'] for entry in run.result['sent']] == [R2]
    assert sorted(item['to'] for item in outbound(network)) == [R1, R2, R2]


def test_exactly_once_lookup_reads_several_pages_sorted_oldest_first(ansible, network):
    # 600 messages since the mark: the look-up after a lost answer needs two pages of 500.
    recipients = ['+1555200%04d' % index for index in range(600)]
    for start in range(0, 600, 100):
        network.request('POST', MESSAGES_PATH, body=[{'to': recipients[start:start + 100], 'from': SENDER,
                                                      'text': 'earlier'}])
    network.config(faults=[{'kind': 'lost_answer', 'operations': ['send'], 'count': 1}])
    network.clear_log()
    result = send(ansible, to=[R1], expect_rc=0).result
    assert [entry['to'] for entry in result['sent']] == [R1]
    assert len([item for item in outbound(network) if item['to'] == R1]) == 1
    lookups = [entry for entry in network.log() if entry['method'] == 'GET' and entry['path'] == MESSAGES_PATH
               and 'limit' in entry['params'] and entry['params'].get('limit') != ['1']]
    assert any(entry['params'].get('page') == ['2'] for entry in lookups)
    assert all(entry['params'].get('sort') == ['created_at:asc'] for entry in lookups)


def test_unquoted_numbers_and_unknown_options_are_named(ansible, network):
    result = failed_result(ansible.module('sms_message', {'from_number': SENDER, 'to_nubmers': [R1], 'text': 'x'}))
    assert 'to_nubmers' in result['msg'] and 'missing' not in result['msg']
    result = failed_result(ansible.module('sms_message', {'from_number': 18885550100, 'to': [R1], 'text': 'x'}))
    assert 'quote it' in result['msg']
    assert sends(network) == []
