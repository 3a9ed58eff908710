# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests of invoca.messaging.sms_message_info against the simulator.

Messages are put in place through the simulator's own API (a raw POST /messages per message), delivered on its
simulated clock, and every answer of the module is compared with the simulator's state. No run may write.
"""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure

VERSION = '2022-08-01'
MESSAGES = '/sms/%s/messages' % VERSION
SENDER = '+18885550100'
OTHER_SENDER = '+18885550199'
DELIVERED = '+18885550111'
FAILED = '+18885550112'
PENDING = '+18885550113'
UNKNOWN_NUMBER = '+18885550177'


def send(sim, sender, recipient, text, version=VERSION):
    answer = sim.request('POST', '/sms/%s/messages' % version, [{'to': [recipient], 'from': sender, 'text': text}])
    assert answer.status == 202, answer.json()
    return answer.json()['messages'][0]['uuid']


@pytest.fixture
def outcomes(sim):
    """Two senders; DELIVERED gets its messages, FAILED gets a carrier error, PENDING never hears back."""
    sim.seed(phone_numbers=[SENDER, OTHER_SENDER])
    sim.config(message_outcomes={FAILED: {'outcome': 'failed', 'carrier_errorcode': 4720,
                                          'carrier_description': 'Invalid destination'},
                                 PENDING: 'pending'},
               default_outcome='delivered', delivery_delay_seconds=2)
    return sim


def uuids(result):
    return [record['uuid'] for record in result['messages']]


def assert_no_write(sim):
    assert [entry for entry in sim.log() if entry['method'] != 'GET'] == []


# -- one message by uuid ---------------------------------------------------------------------------------------

def test_one_message_with_status_and_detailed_delivery_reports(ansible, outcomes):
    sim = outcomes
    failed = send(sim, SENDER, FAILED, 'The deploy finished.')
    delivered = send(sim, SENDER, DELIVERED, 'The deploy finished.')
    pending = send(sim, SENDER, PENDING, 'The deploy finished.')
    before = ansible.module('sms_message_info', {'uuid': delivered}, expect_rc=0).result
    assert before['messages'][0]['status'] == 'pending' and before['delivery_reports'] == []
    sim.advance_clock(5)
    sim.clear_log()

    result = ansible.module('sms_message_info', {'uuid': failed}, expect_rc=0).result
    assert result['changed'] is False
    assert result['count'] == 1 and uuids(result) == [failed]
    record = result['messages'][0]
    assert (record['from'], record['to'], record['text']) == (SENDER, FAILED, 'The deploy finished.')
    assert record['status'] == 'failed'
    stored = next(m for m in sim.messages() if m['uuid'] == failed)
    assert record['failed_at'] == stored['failed_at'] and record['delivered_at'] is None
    # The report's own record adds what the summary lacks: destination and the carrier's error.
    [report] = result['delivery_reports']
    assert report['uuid'] == stored['delivery_reports'][0]['uuid']
    assert (report['destination'], report['carrier_errorcode'], report['carrier_description']) == (
        FAILED, 4720, 'Invalid destination')

    assert ansible.module('sms_message_info', {'uuid': delivered}, expect_rc=0).result['messages'][0]['status'] == 'delivered'
    still = ansible.module('sms_message_info', {'uuid': pending}, expect_rc=0).result
    assert still['messages'][0]['status'] == 'pending' and still['delivery_reports'] == []
    assert_no_write(sim)


def test_unknown_uuid_is_an_empty_answer_not_a_failure(ansible, outcomes):
    result = ansible.module('sms_message_info', {'uuid': '0536c12f-7399-4786-8682-bce652e75655'}, expect_rc=0).result
    assert (result['messages'], result['delivery_reports'], result['count']) == ([], [], 0)
    assert 'not known' in result['msg']


# -- listings --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('dialect', [{}, {'pagination': 'cursor'}, {'pagination_key': 'page'}],
                         ids=['pages', 'cursor', 'page-key'])
def test_listing_reads_every_page_and_every_day(ansible, outcomes, dialect):
    sim = outcomes
    sent = []
    for day in range(3):
        for index in range(3):
            sent.append(send(sim, SENDER, DELIVERED, 'day %d, message %d' % (day, index)))
        # The API shows only today's messages to a listing without a created_at filter: days apart they must still
        # all be listed.
        sim.advance_clock(86400)
    sim.config(default_today_filter=True, **dialect)
    sim.clear_log()

    result = ansible.module('sms_message_info', {'limit': 2}, expect_rc=0).result
    assert sorted(uuids(result)) == sorted(sent)
    assert result['count'] == 9 and result['truncated'] is False
    assert all(record['status'] == 'delivered' for record in result['messages'])
    assert len(sim.log()) >= 5  # 9 records, 2 a page
    assert_no_write(sim)


def test_max_records_stops_early_and_says_so(ansible, outcomes):
    sim = outcomes
    sent = [send(sim, SENDER, DELIVERED, 'message %d' % index) for index in range(6)]
    sim.clear_log()
    result = ansible.module('sms_message_info', {'max_records': 3, 'sort': 'created_at:desc', 'limit': 3},
                            expect_rc=0).result
    assert uuids(result) == list(reversed(sent))[:3]
    assert result['truncated'] is True and result['count'] == 3
    assert len(sim.log()) == 1
    everything = ansible.module('sms_message_info', {'max_records': 6}, expect_rc=0).result
    assert everything['truncated'] is False and everything['count'] == 6


def test_filters_on_numbers_are_normalised_and_soft_deleted_messages_left_out(ansible, outcomes):
    sim = outcomes
    to_failed = send(sim, SENDER, FAILED, 'one')
    deleted = send(sim, SENDER, FAILED, 'two')
    send(sim, SENDER, DELIVERED, 'three')
    send(sim, OTHER_SENDER, FAILED, 'four')
    assert sim.request('DELETE', '%s/uuid/%s' % (MESSAGES, deleted)).status == 200
    filters = {'from': {'eq': '+1 (888) 555-0100'}, 'to': {'eq': '+1 888 555 0112'}}

    result = ansible.module('sms_message_info', {'filters': filters}, expect_rc=0).result
    assert uuids(result) == [to_failed]
    with_deleted = ansible.module('sms_message_info', {'filters': filters, 'include_deleted': True}, expect_rc=0).result
    assert uuids(with_deleted) == [to_failed, deleted]
    assert with_deleted['messages'][1]['deleted_at'] is not None
    # A uuid is asked for by name: a soft-deleted message is still returned.
    assert uuids(ansible.module('sms_message_info', {'uuid': deleted}, expect_rc=0).result) == [deleted]


def test_count_only_matches_the_listing(ansible, outcomes):
    sim = outcomes
    for index in range(7):
        send(sim, SENDER if index % 2 else OTHER_SENDER, DELIVERED, 'n%d' % index)
    sim.clear_log()
    everything = ansible.module('sms_message_info', {'count_only': True}, expect_rc=0).result
    assert everything['count'] == 7 and everything['messages'] == []
    assert len(sim.log()) == 1
    from_sender = ansible.module('sms_message_info', {'count_only': True, 'filters': {'from': {'eq': SENDER}}},
                                 expect_rc=0).result
    assert from_sender['count'] == 3


# -- one number: its messages and its usage ---------------------------------------------------------------------

def test_messages_of_one_number_and_its_usage(ansible, outcomes):
    sim = outcomes
    mine = [send(sim, SENDER, DELIVERED, 'short'), send(sim, SENDER, FAILED, 'x' * 200)]
    send(sim, OTHER_SENDER, DELIVERED, 'not mine')
    inbound = sim.inbound(DELIVERED, SENDER, 'STOP')['uuid']

    result = ansible.module('sms_message_info', {'phone_number': '+1 888-555-0100'}, expect_rc=0).result
    assert sorted(uuids(result)) == sorted(mine + [inbound])

    usage = ansible.module('sms_message_info', {'phone_number': SENDER, 'usage': True}, expect_rc=0).result
    assert usage['usage']['phone_number'] == SENDER
    # 'x' * 200 is two GSM-7 segments (153 + 47): more than the 160 of a single one.
    assert usage['usage']['outgoing'] == {'messages': 2, 'segments': 3}
    assert usage['usage']['incoming'] == {'messages': 1, 'segments': 1}
    assert usage['messages'] == [] and usage['count'] == 0


def test_a_number_without_messages_or_unknown_to_the_api(ansible, outcomes):
    sim = outcomes
    none = ansible.module('sms_message_info', {'phone_number': OTHER_SENDER}, expect_rc=0).result
    assert none['messages'] == [] and none['count'] == 0
    unknown = ansible.module('sms_message_info', {'phone_number': UNKNOWN_NUMBER, 'usage': True}, expect_rc=0).result
    assert unknown['usage'] is None
    assert_no_write(sim)


def test_old_api_version_records_are_read_too(ansible, outcomes):
    sim = outcomes
    sent = send(sim, SENDER, DELIVERED, 'old style')
    sim.advance_clock(5)
    result = ansible.module('sms_message_info', {'api_version': '2022-05-01', 'filters': {'direction': {'eq': 'outbound'}}},
                            expect_rc=0).result
    assert uuids(result) == [sent]
    assert result['messages'][0]['direction'] == 'outbound' and result['messages'][0]['status'] == 'delivered'


# -- bad input: a readable failure, no request ------------------------------------------------------------------

@pytest.mark.parametrize('args, words', [
    ({'uuid': '../phone_numbers'}, "'../phone_numbers'"),
    ({'usage': True}, 'usage: true needs phone_number'),
    ({'uuid': '0536c12f-7399-4786-8682-bce652e75655', 'count_only': True}, 'uuid cannot be used with count_only'),
    ({'phone_number': 'call me'}, "'call me'"),
    ({'filters': {'to': {'eq': '12'}}}, 'filters.to.eq'),
    ({'max_records': 0}, 'max_records must be 1 or more'),
])
def test_bad_input_fails_before_any_request(ansible, sim, args, words):
    run = ansible.module('sms_message_info', args, expect_rc=2)
    assert_clean_failure(run.result)
    assert words in run.result['msg']
    assert sim.log() == []


# -- failures: never an empty answer; unquoted numbers and misspelt options named ----------------------------------

@pytest.mark.parametrize('args', [{'include_deleted': False}, {'count_only': True},
                                  {'phone_number': SENDER, 'usage': True}], ids=['listing', 'count_only', 'usage'])
def test_a_failed_info_task_returns_no_empty_list(ansible, sim, args):
    sim.config(error_rate=1.0, error_statuses=[500])
    # Not an empty argument list: ansible-core 2.16 refuses an ad-hoc module run without arguments.
    run = ansible.module('sms_message_info', dict(args, max_retries=0))
    assert run.failed
    assert_clean_failure(run.result)
    assert run.result['error']['status'] == 500
    assert not {'messages', 'delivery_reports', 'usage', 'count', 'truncated'} & set(run.result), run.result


def test_an_unquoted_number_in_a_playbook_is_explained(ansible, sim):
    run = ansible.task_as_written('sms_message_info', 'phone_number: +18885550100')
    assert run.failed
    assert_clean_failure(run.result)
    assert 'YAML read this as a number; quote it' in run.result['msg'] and '"+18885550100"' in run.result['msg']
    assert sim.log() == []


def test_an_unquoted_number_in_a_filter_is_explained(ansible, sim):
    run = ansible.task_as_written('sms_message_info', 'filters:\n  from:\n    eq: +18885550100')
    assert run.failed
    msg = run.result['msg']
    assert 'filters.from.eq' in msg and 'YAML read this as a number; quote it' in msg and '"+18885550100"' in msg
    assert sim.log() == []


@pytest.mark.parametrize('args, name', [({'phone_nubmer': SENDER}, 'phone_nubmer'), ({'max_record': 3}, 'max_record')])
def test_a_misspelt_option_is_named(ansible, sim, args, name):
    run = ansible.module('sms_message_info', args)
    assert run.failed
    assert name in run.result['msg'] and 'Unsupported parameters' in run.result['msg']
    assert sim.log() == []


def test_a_missing_token_names_the_variable(ansible, sim):
    run = ansible.module('sms_message_info', {'phone_number': SENDER}, env={'INVOCA_API_TOKEN': None})
    assert run.failed
    assert 'api_token' in run.result['msg'] and 'INVOCA_API_TOKEN' in run.result['msg']
    assert not {'messages', 'count'} & set(run.result)
    assert sim.log() == []
