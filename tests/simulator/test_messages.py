# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the simulator's /messages endpoints, delivery on the simulated clock, and message faults, over real HTTP."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.parse

import pytest


from api_record import fields, text as api_text  # noqa: E402
from simulator_control import PINNED_CLOCK, Simulator, SimulatorError  # noqa: E402

V8 = '/sms/2022-08-01'
V5 = '/sms/2022-05-01'
SENDER = '+18885550100'
OTHER_LINE = '+18885550150'
R1 = '+18885550101'
R2 = '+18885550102'
R3 = '+18885550103'
TEXT = 'Your appointment is confirmed for Friday. Thank you.'
FIELDS_NEW = fields('message', '2022-08-01')
FIELDS_OLD = fields('message', '2022-05-01', shape='list_item')
NO_MESSAGES_FOR_NUMBER = api_text('no_messages_for_number')
NO_MESSAGE_FOR_UUID = api_text('no_message_for_uuid')


@pytest.fixture(scope='module')
def server():
    with Simulator(clock_start=PINNED_CLOCK) as simulator:
        yield simulator


@pytest.fixture
def sim(server):
    server.reset(phone_numbers=[SENDER, OTHER_LINE])
    return server


def q(number):
    return urllib.parse.quote(number, safe='')


def send(sim, body, version=V8, suffix=''):
    return sim.request('POST', version + '/messages' + suffix, body=body)


def sent(sim, recipients, text=TEXT, sender=SENDER):
    response = send(sim, [{'to': list(recipients), 'from': sender, 'text': text}])
    assert response.status == 202, response
    return response.json()['messages']


def get_json(sim, path):
    response = sim.request('GET', path)
    return response.status, response.json()


def validation_errors(response):
    assert response.status == 422, response
    body = response.json()
    assert body['message'] == api_text('validation_failed')
    assert all(error['resource'] == 'Message' for error in body['errors'])
    return sorted((error['field'], error['code']) for error in body['errors'])


# ------------------------------------------------------------------------------------------- send


def test_send_array_body_one_record_per_recipient(sim):
    response = send(sim, [{'to': [R1, R2], 'from': SENDER, 'text': TEXT}])
    assert response.status == 202
    body = response.json()
    assert set(body) == {'messages', 'pagination'}
    records = body['messages']
    assert [(r['from'], r['to'], r['text'], r['direction']) for r in records] == [(SENDER, R1, TEXT, 'out'), (SENDER, R2, TEXT, 'out')]
    assert all(set(r) == FIELDS_NEW for r in records)
    assert all(r['deleted_at'] is None and r['delivered_at'] is None and r['failed_at'] is None for r in records)
    assert all(r['delivery_reports'] == [] and r['segments'] == 1 and r['virtual_line_id'] == 201 for r in records)
    assert len({r['uuid'] for r in records}) == 2 and len({r['cuid'] for r in records}) == 2
    assert records[0]['created_at'] < records[1]['created_at']
    assert (body['pagination']['count'], body['pagination']['next']) == (2, None)
    stored = sim.messages()
    assert [(m['uuid'], m['to']) for m in stored] == [(r['uuid'], r['to']) for r in records]


def test_send_several_message_requests_in_one_body(sim):
    records = send(sim, [{'to': [R1], 'from': SENDER, 'text': 'one'}, {'to': [R2, R3], 'from': OTHER_LINE, 'text': 'two'}]).json()['messages']
    assert [(r['from'], r['to'], r['text']) for r in records] == [(SENDER, R1, 'one'), (OTHER_LINE, R2, 'two'), (OTHER_LINE, R3, 'two')]
    assert [r['virtual_line_id'] for r in records] == [201, 202, 202]


def test_send_object_body_under_both_versions(sim):
    old = send(sim, {'from': SENDER, 'to': R1, 'text': TEXT}, version=V5, suffix='.json')
    assert old.status == 202
    body = old.json()
    assert set(body) == {'messages', 'page'}
    assert set(body['messages'][0]) == FIELDS_OLD
    assert body['messages'][0]['direction'] == 'outbound'
    new = send(sim, {'from': SENDER, 'to': R2, 'text': TEXT})
    assert new.status == 202 and new.json()['messages'][0]['to'] == R2 and new.json()['messages'][0]['direction'] == 'out'
    assert [m['to'] for m in sim.messages()] == [R1, R2]


def test_strict_send_body_makes_2022_05_01_refuse_an_array(sim):
    sim.config(strict_send_body=True)
    refused = send(sim, [{'from': SENDER, 'to': [R1], 'text': TEXT}], version=V5)
    assert refused.status == 400 and refused.json()['message'] == api_text('not_a_hash')
    assert sim.messages() == []
    assert send(sim, {'from': SENDER, 'to': R1, 'text': TEXT}, version=V5).status == 202
    # 2022-08-01 still takes its array.
    assert send(sim, [{'from': SENDER, 'to': [R2], 'text': TEXT}]).status == 202
    assert [m['to'] for m in sim.messages()] == [R1, R2]


def test_send_form_encoded_object(sim):
    body = 'from=%2B18885550100&to=%2B18885550101&text=Hello+there'
    response = sim.request('POST', V5 + '/messages.json', body=body, headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert response.status == 202
    assert [(m['to'], m['text']) for m in sim.messages()] == [(R1, 'Hello there')]


def test_duplicate_recipients_are_not_merged(sim):
    # The API has no dedupe: a recipient listed twice gets two messages (a client must not list it twice).
    assert [r['to'] for r in sent(sim, [R1, R1])] == [R1, R1]


@pytest.mark.parametrize('sender, code', [('+18885550199', 'not_found'), ('not-a-number', 'invalid'), ('', 'missing'), (None, 'missing')])
def test_sender_must_be_an_active_sms_number(sim, sender, code):
    item = {'to': [R1], 'text': TEXT}
    if sender is not None:
        item['from'] = sender
    assert validation_errors(send(sim, [item])) == [('from', code)]
    assert sim.messages() == []


def test_soft_deleted_sender_is_refused(sim):
    assert sim.request('DELETE', V8 + '/phone_numbers/' + q(SENDER)).status == 200
    assert validation_errors(send(sim, [{'to': [R1], 'from': SENDER, 'text': TEXT}])) == [('from', 'not_found')]
    assert sim.messages() == []


@pytest.mark.parametrize('to, code', [([], 'blank'), (['12345'], 'invalid'), ([R1, '+1 888 555'], 'invalid'), ('nope', 'invalid'),
                                      ({'a': 1}, 'invalid'), (None, 'missing')])
def test_invalid_recipients(sim, to, code):
    item = {'from': SENDER, 'text': TEXT}
    if to is not None:
        item['to'] = to
    assert validation_errors(send(sim, [item])) == [('to', code)]
    assert sim.messages() == []


@pytest.mark.parametrize('text, code', [('', 'blank'), ('   \n', 'blank'), (None, 'missing'), (5, 'invalid')])
def test_invalid_text(sim, text, code):
    item = {'from': SENDER, 'to': [R1]}
    if text is not None:
        item['text'] = text
    assert validation_errors(send(sim, [item])) == [('text', code)]


def test_validation_is_all_or_nothing(sim):
    response = send(sim, [{'to': [R1], 'from': SENDER, 'text': TEXT}, {'to': [R2], 'from': SENDER, 'text': ''}])
    assert validation_errors(response) == [('text', 'blank')]
    assert sim.messages() == []
    assert sim.writes() == []


def test_empty_array_is_refused(sim):
    assert validation_errors(send(sim, [])) == [('to', 'missing')]


@pytest.mark.parametrize('raw, status, text', [(b'{"from": ', 400, api_text('bad_json')), (b'', 400, api_text('bad_json')),
                                               (b'"hello"', 400, api_text('not_a_hash')),
                                               (b'[1, 2]', 400, api_text('not_a_hash'))])
def test_unparseable_bodies(sim, raw, status, text):
    response = sim.request('POST', V8 + '/messages', body=raw, headers={'Content-Type': 'application/json'})
    assert (response.status, response.json()) == (status, {'message': text})
    assert sim.messages() == []


def test_send_page_size_truncates_the_answer_not_the_send(sim):
    sim.config(send_page_size=2)
    body = send(sim, [{'to': [R1, R2, R3], 'from': SENDER, 'text': TEXT}]).json()
    assert [r['to'] for r in body['messages']] == [R1, R2]
    assert (body['pagination']['count'], body['pagination']['items'], body['pagination']['next']) == (3, 2, 2)
    assert len(sim.messages()) == 3


def test_messages_routes_need_auth_and_know_their_methods(sim):
    assert sim.request('POST', V8 + '/messages', body=[], token=None).status == 401
    assert sim.request('POST', V8 + '/messages', body=[], token='wrong').status == 403
    response = sim.request('PUT', V8 + '/messages')
    assert (response.status, response.headers['allow']) == (405, 'GET, POST')
    response = sim.request('POST', V8 + '/messages/uuid/abc')
    assert (response.status, response.headers['allow']) == (405, 'GET, DELETE')
    assert sim.request('GET', V8 + '/messages/elsewhere').status == 404


# --------------------------------------------------------------------------------------- segments


@pytest.mark.parametrize('text, segments', [
    ('a' * 160, 1), ('a' * 161, 2), ('a' * 306, 2), ('a' * 307, 3),
    ('{' * 80, 1), ('{' * 81, 2),             # an extension character takes two septets
    ('a' * 152 + '€' + 'a' * 7, 2),           # ...and never straddles two parts: 152 + 2 > 153
    ('é' * 160, 1),                            # é is in the GSM-7 basic set
    ('ж' * 70, 1), ('ж' * 71, 2), ('ж' * 134, 2), ('ж' * 135, 3),
    ('😀' * 35, 1), ('😀' * 36, 2),              # a surrogate pair is two UCS-2 units
    ('a' * 159 + 'ж', 3),                      # one non-GSM character makes the whole text UCS-2
])
def test_segments(sim, text, segments):
    record = sent(sim, [R1], text=text)[0]
    assert record['segments'] == segments
    assert sim.messages()[-1]['encoding'] == ('UCS-2' if any(ch in text for ch in 'ж😀') else 'GSM-7')


# ---------------------------------------------------------------------------------------- reading


def test_list_pagination_filters_and_sort(sim):
    first = sent(sim, [R1, R2])
    second = sent(sim, [R1], sender=OTHER_LINE)
    body = get_json(sim, V8 + '/messages?limit=2')[1]
    assert [m['uuid'] for m in body['messages']] == [first[0]['uuid'], first[1]['uuid']]
    assert (body['pagination']['count'], body['pagination']['next']) == (3, 2)
    assert [m['uuid'] for m in get_json(sim, V8 + '/messages?limit=2&page=2')[1]['messages']] == [second[0]['uuid']]
    assert [m['uuid'] for m in get_json(sim, V8 + '/messages?sort=created_at:desc')[1]['messages']][0] == second[0]['uuid']

    def uuids(query, version=V8):
        status, answer = get_json(sim, version + '/messages?' + query)
        assert status == 200, answer
        return [m['uuid'] for m in answer['messages']]

    assert uuids('from%5Beq%5D=' + q(OTHER_LINE)) == [second[0]['uuid']]
    assert uuids('to%5Beq%5D=' + q(R1)) == [first[0]['uuid'], second[0]['uuid']]
    assert uuids('uuid%5Beq%5D=' + first[1]['uuid']) == [first[1]['uuid']]
    assert len(uuids('direction%5Beq%5D=out')) == 3
    assert len(uuids('direction%5Beq%5D=outbound', version=V5)) == 3
    assert uuids('direction%5Beq%5D=in') == []
    assert uuids('created_at%5Bgte%5D=' + q(first[1]['created_at'])) == [first[1]['uuid'], second[0]['uuid']]
    assert uuids('created_at%5Blte%5D=' + q(first[0]['created_at'])) == [first[0]['uuid']]
    assert len(uuids('delivered_at%5Bempty%5D')) == 3
    assert sim.request('DELETE', V8 + '/messages/uuid/' + first[0]['uuid']).status == 200
    assert uuids('deleted_at%5Bempty%5D') == [first[1]['uuid'], second[0]['uuid']]
    assert len(uuids('')) == 3  # soft-deleted messages stay in the list
    status, answer = get_json(sim, V8 + '/messages?direction%5Bgte%5D=out')
    assert (status, answer['message']) == (422, "The request contains unsupported filter operators: 'direction gte'. Supported operators: eq")
    assert get_json(sim, V8 + '/messages?text%5Beq%5D=x')[0] == 422
    assert get_json(sim, V8 + '/messages?sort=text')[0] == 422


def test_old_version_list_shape(sim):
    sent(sim, [R1])
    body = get_json(sim, V5 + '/messages')[1]
    assert set(body) == {'messages', 'page'}
    assert set(body['messages'][0]) == FIELDS_OLD and body['messages'][0]['direction'] == 'outbound'
    assert 'vars' in body['page']


def test_default_today_filter_is_off_by_default_and_switchable(sim):
    sent(sim, [R1])
    sim.advance_clock(2 * 86400)  # two simulated days later
    assert len(get_json(sim, V8 + '/messages')[1]['messages']) == 1
    sim.config(default_today_filter=True)
    assert get_json(sim, V8 + '/messages')[1]['messages'] == []
    assert len(get_json(sim, V8 + '/messages?created_at%5Bgte%5D=2024-01-01')[1]['messages']) == 1
    sent(sim, [R2])
    assert [m['to'] for m in get_json(sim, V8 + '/messages')[1]['messages']] == [R2]


def test_messages_by_phone_number_matches_from_and_to(sim):
    assert get_json(sim, V8 + '/messages/phone_number/' + q(R1)) == (404, {'message': NO_MESSAGES_FOR_NUMBER})
    first = sent(sim, [R1])
    sim.inbound(R2, SENDER, 'STOP')
    assert [m['uuid'] for m in get_json(sim, V8 + '/messages/phone_number/' + q(R1))[1]['messages']] == [first[0]['uuid']]
    by_sender = get_json(sim, V8 + '/messages/phone_number/' + q(SENDER))[1]['messages']
    assert [(m['from'], m['to'], m['direction']) for m in by_sender] == [(SENDER, R1, 'out'), (R2, SENDER, 'in')]
    assert get_json(sim, V8 + '/messages/phone_number/12345')[0] == 422


def test_usage_counts_messages_and_segments(sim):
    sent(sim, [R1, R2], text='a' * 200)
    sent(sim, [R3])
    sim.inbound(R1, SENDER, 'ж' * 71)
    status, body = get_json(sim, V8 + '/messages/phone_number/' + q(SENDER) + '/usage')
    assert status == 200
    assert body == {'messages': {'phone_number': SENDER, 'outgoing': {'segments': 5, 'messages': 3}, 'incoming': {'segments': 2, 'messages': 1}}}
    unused = get_json(sim, V8 + '/messages/phone_number/' + q(OTHER_LINE) + '/usage')[1]
    assert unused['messages']['outgoing'] == {'segments': 0, 'messages': 0}
    assert get_json(sim, V8 + '/messages/phone_number/' + q(R1) + '/usage') == (
        404, {'message': api_text('number_not_in_system', phone_number=R1)})


def test_get_and_soft_delete_by_uuid(sim):
    record = sent(sim, [R1])[0]
    status, body = get_json(sim, V8 + '/messages/uuid/' + record['uuid'])
    assert status == 200 and body['message'] == record
    deleted = sim.request('DELETE', V8 + '/messages/uuid/' + record['uuid'])
    assert deleted.status == 200
    deleted_at = deleted.json()['message']['deleted_at']
    assert deleted_at is not None and deleted_at > record['created_at']
    again = sim.request('DELETE', V8 + '/messages/uuid/' + record['uuid'])
    assert (again.status, again.json()['message']['deleted_at']) == (200, deleted_at)  # deleting a deleted one does nothing
    assert get_json(sim, V8 + '/messages/uuid/' + record['uuid'])[1]['message']['deleted_at'] == deleted_at
    assert [m['deleted_at'] for m in sim.messages()] == [deleted_at]
    assert sim.messages(active=True) == []
    assert [entry['operation'] for entry in sim.writes()] == ['send', 'delete_message']
    assert get_json(sim, V8 + '/messages/uuid/no-such-uuid') == (404, {'message': NO_MESSAGE_FOR_UUID})
    assert sim.request('DELETE', V8 + '/messages/uuid/no-such-uuid').status == 404


# -------------------------------------------------------------------------------------- delivery


def test_delivery_waits_for_the_clock(sim):
    record = sent(sim, [R1])[0]
    assert get_json(sim, V8 + '/messages/uuid/' + record['uuid'])[1]['message']['delivered_at'] is None
    result = sim.advance_clock(1)
    assert (result['settled'], result['pending']) == (1, 0)
    message = get_json(sim, V8 + '/messages/uuid/' + record['uuid'])[1]['message']
    assert message['delivered_at'] == '2024-01-01T00:00:01.003Z'  # created at .003, delivered one simulated second later
    assert message['failed_at'] is None and message['carrier_message_id'] is not None
    assert [set(report) for report in message['delivery_reports']] == [{'progress_bit', 'created_at', 'uuid'}]
    report = message['delivery_reports'][0]
    assert (report['progress_bit'], report['created_at']) == (1, message['delivered_at'])


def test_outcomes_per_destination(sim):
    sim.config(message_outcomes={R2: {'outcome': 'failed', 'carrier_errorcode': 4432, 'carrier_description': 'Blocked'}, R3: 'pending'},
               delivery_delay_seconds=5)
    records = {r['to']: r for r in sent(sim, [R1, R2, R3])}
    sim.advance_clock(4.9)
    assert all(m['delivered_at'] is None and m['failed_at'] is None for m in sim.messages())
    sim.advance_clock(3600)
    by_to = {m['to']: m for m in sim.messages()}
    assert by_to[R1]['delivered_at'] is not None and by_to[R1]['failed_at'] is None
    assert by_to[R2]['failed_at'] is not None and by_to[R2]['delivered_at'] is None
    assert (by_to[R3]['delivered_at'], by_to[R3]['failed_at'], by_to[R3]['delivery_reports']) == (None, None, [])
    failed_report = by_to[R2]['delivery_reports'][0]
    status, body = get_json(sim, V8 + '/messages/uuid/%s/delivery_reports/uuid/%s' % (records[R2]['uuid'], failed_report['uuid']))
    assert status == 200
    assert body == {'delivery_report': {'uuid': failed_report['uuid'], 'message_uuid': records[R2]['uuid'], 'progress_bit': 0,
                                        'created_at': by_to[R2]['failed_at'], 'destination': R2, 'carrier_description': 'Blocked',
                                        'carrier_errorcode': 4432}}
    sim.advance_clock(10 ** 6)
    assert get_json(sim, V8 + '/messages/uuid/' + records[R3]['uuid'])[1]['message']['delivered_at'] is None  # pending forever


def test_default_outcome_and_per_number_delay(sim):
    sim.config(default_outcome='failed', message_outcomes={R1: {'outcome': 'delivered', 'delay_seconds': 0}})
    sent(sim, [R1, R2])
    # Due at once: delivered before the next request is answered, without moving the clock on purpose.
    by_to = {m['to']: m for m in sim.messages()}
    assert by_to[R1]['delivered_at'] is not None and by_to[R2]['failed_at'] is None
    sim.advance_clock(1)
    failed = {m['to']: m for m in sim.messages()}[R2]
    assert failed['failed_at'] is not None
    assert (failed['delivery_reports'][0]['carrier_errorcode'], failed['delivery_reports'][0]['carrier_description']) == (4720, 'Invalid destination')


def test_delivery_reports_list_and_errors(sim):
    record = sent(sim, [R1])[0]
    path = V8 + '/messages/uuid/%s/delivery_reports' % record['uuid']
    status, body = get_json(sim, path)
    assert (status, body['delivery_reports'], body['pagination']['count']) == (200, [], 0)
    sim.advance_clock(1)
    status, body = get_json(sim, path + '?sort=progress_bit:desc')
    assert status == 200 and [set(item) for item in body['delivery_reports']] == [{'progress_bit', 'created_at', 'uuid'}]
    assert get_json(sim, path + '?sort=destination') == (
        422, {'message': "The request contains unsupported sort columns: 'destination'. Supported columns: 'created_at, progress_bit'"})
    assert get_json(sim, V8 + '/messages/uuid/nope/delivery_reports') == (404, {'message': NO_MESSAGE_FOR_UUID})
    assert get_json(sim, path + '/uuid/nope') == (
        404, {'message': api_text('no_delivery_report')})


def test_clock_control_validation(sim):
    with pytest.raises(SimulatorError):
        sim.advance_clock(-1)
    with pytest.raises(SimulatorError):
        sim.config(message_outcomes={R1: 'lost'})
    with pytest.raises(SimulatorError):
        sim.config(message_outcomes={'bogus': 'delivered'})
    before = sim.now()
    assert sim.advance_clock(60)['now'] > before


# ----------------------------------------------------------------------------------------- faults


def body_of(recipient):
    return [{'to': [recipient], 'from': SENDER, 'text': TEXT}]


def test_lost_answer_on_send_stores_the_message(sim):
    sim.config(faults=[{'kind': 'lost_answer', 'operations': ['send'], 'count': 1}])
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        send(sim, body_of(R1))
    assert [m['to'] for m in sim.messages()] == [R1]
    entry = sim.log()[-1]
    assert (entry['operation'], entry['fault'], entry['applied'], entry['status']) == ('send', 'lost_answer', True, None)
    assert send(sim, body_of(R2)).status == 202  # count 1: the rule is spent
    assert [m['to'] for m in sim.messages()] == [R1, R2]


@pytest.mark.parametrize('status', [500, 502, 503])
def test_applied_then_5xx(sim, status):
    sim.config(faults=[{'kind': 'applied_error', 'operations': ['send'], 'status': status}])
    response = send(sim, body_of(R1))
    assert response.status == status
    assert [m['to'] for m in sim.messages()] == [R1]
    assert sim.log()[-1]['applied'] is True


def test_timeout_after_apply(sim):
    sim.config(faults=[{'kind': 'applied_hang', 'operations': ['send'], 'count': 1}], hang_seconds=3)
    with pytest.raises((socket.timeout, TimeoutError)):
        sim.request('POST', V8 + '/messages', body=body_of(R1), timeout=0.5)
    # Stored when the request arrived, before the answer was held back.
    assert [m['to'] for m in sim.messages()] == [R1]
    assert sim.log()[-1]['fault'] == 'applied_hang'


@pytest.mark.parametrize('rule, status', [({'kind': 'error'}, 503), ({'kind': 'error', 'status': 502}, 502), ({'kind': 'rate_limited'}, 429)])
def test_faults_before_storing(sim, rule, status):
    sim.config(faults=[dict(rule, operations=['send'])], retry_after=7)
    response = send(sim, body_of(R1))
    assert response.status == status
    if status == 429:
        assert response.headers['retry-after'] == '7'
    assert sim.messages() == []
    assert sim.log()[-1]['applied'] is False
    assert get_json(sim, V8 + '/messages')[0] == 200  # only send is targeted


def test_next_n_requests_then_normal(sim):
    sim.config(faults=[{'kind': 'error', 'operations': ['send'], 'count': 2}])
    assert [send(sim, body_of(R1)).status for dummy in range(4)] == [503, 503, 202, 202]


def test_rate_is_deterministic_for_a_seed(sim):
    def statuses():
        sim.config(seed=11, faults=[{'kind': 'error', 'operations': ['send'], 'rate': 0.5}])
        return [send(sim, body_of(R1)).status for dummy in range(12)]

    first = statuses()
    assert set(first) == {202, 503}
    assert statuses() == first


def test_faults_rule_list_runs_in_order_and_malformed_reaches_messages(sim):
    sim.config(faults=[{'kind': 'rate_limited', 'operations': ['send'], 'count': 1},
                       {'kind': 'lost_answer', 'operations': ['send'], 'count': 1}])
    assert send(sim, body_of(R1)).status == 429
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        send(sim, body_of(R1))
    assert send(sim, body_of(R1)).status == 202
    assert len(sim.messages()) == 2
    sim.config(faults=[], malformed={'kind': 'wrong_shape', 'operations': ['list_messages']})
    assert sim.request('GET', V8 + '/messages').json() == {'messages': 'oops'}


def test_fault_rule_validation(sim):
    for bad in ({'kind': 'explode'}, {'kind': 'error', 'operations': ['nope']}, {'kind': 'error', 'count': 0},
                {'kind': 'error', 'rate': 2}, {'kind': 'error', 'extra': 1}):
        with pytest.raises(SimulatorError):
            sim.config(faults=[bad])


def test_request_log_records_message_operations(sim):
    record = sent(sim, [R1])[0]
    sim.request('GET', V8 + '/messages/uuid/' + record['uuid'])
    sim.request('GET', V8 + '/messages/phone_number/' + q(R1))
    log = sim.log()
    assert [(entry['operation'], entry['status']) for entry in log] == [('send', 202), ('get_message', 200), ('messages_by_number', 200)]
    assert log[0]['body'] == [{'to': [R1], 'from': SENDER, 'text': TEXT}]
    assert (log[1]['message_uuid'], log[2]['phone_number']) == (record['uuid'], R1)


def test_reset_drops_messages_and_restarts_identifiers(sim):
    first = sent(sim, [R1])[0]
    sim.reset(phone_numbers=[SENDER, OTHER_LINE])
    assert sim.messages() == []
    again = sent(sim, [R1])[0]
    assert (again['uuid'], again['created_at']) == (first['uuid'], first['created_at'])  # deterministic run to run


def test_each_recipient_received_exactly_one_message(sim):
    # The observability tests of a sending module rely on: all stored messages, soft-deleted ones included.
    records = sent(sim, [R1, R2, R3])
    sim.request('DELETE', V8 + '/messages/uuid/' + records[0]['uuid'])
    counts = {}
    for item in sim.messages():
        counts[item['to']] = counts.get(item['to'], 0) + 1
    assert counts == {R1: 1, R2: 1, R3: 1}
    assert [m['uuid'] for m in sim.sent_to(R1)] == [records[0]['uuid']]
    assert json.loads(json.dumps(sim.messages()))[0]['deleted_at'] is not None
