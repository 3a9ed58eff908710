# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the simulator's late-storing API behaviours: listing lag, send answers, faults after the store, stored
messages, contract list items, rewritten texts, list order, page-size cap and a DELETE that lies, over real HTTP."""

from __future__ import annotations

import re
import urllib.parse

import pytest


from api_record import text as api_text  # noqa: E402
from simulator_control import PINNED_CLOCK, Simulator, SimulatorError  # noqa: E402

V8 = '/sms/2022-08-01'
V5 = '/sms/2022-05-01'
SENDER = '+18885550100'
R1 = '+18885550101'
R2 = '+18885550102'
TEXT = 'Your appointment is confirmed.'
NO_MESSAGES_FOR_NUMBER = api_text('no_messages_for_number')
NO_MESSAGE_FOR_UUID = api_text('no_message_for_uuid')
CONTRACT_FIELDS = {'direction', 'from', 'uuid', 'delivery_reports', 'text', 'created_at', 'to', 'cuid', 'deleted_at'}


@pytest.fixture(scope='module')
def server():
    with Simulator(clock_start=PINNED_CLOCK) as simulator:
        yield simulator


@pytest.fixture
def sim(server):
    server.reset(phone_numbers=[SENDER])
    return server


def q(number):
    return urllib.parse.quote(number, safe='')


def send(sim, recipients, text=TEXT, version=V8):
    return sim.request('POST', version + '/messages', body=[{'to': list(recipients), 'from': SENDER, 'text': text}])


def listed(sim, path=V8 + '/messages'):
    response = sim.request('GET', path)
    assert response.status == 200, response
    return response.json()


# ------------------------------------------------------------------------------ listing lag


def test_listing_lag_hides_a_sent_message_from_the_lists_until_the_clock_gets_there(sim):
    sim.config(listing_lag_seconds=5)
    record = send(sim, [R1]).json()['messages'][0]
    assert listed(sim)['messages'] == [] and listed(sim)['pagination']['count'] == 0
    by_number = sim.request('GET', V8 + '/messages/phone_number/' + q(R1))
    assert (by_number.status, by_number.json()['message']) == (404, NO_MESSAGES_FOR_NUMBER)
    # GET by uuid shows it at once; the control view always shows what was stored.
    assert sim.request('GET', V8 + '/messages/uuid/' + record['uuid']).status == 200
    assert record['created_at'] == '2024-01-01T00:00:00.002Z'  # the sender's line was created at .001
    assert [(m['uuid'], m['listed_at']) for m in sim.sent_to(R1)] == [(record['uuid'], '2024-01-01T00:00:05.002Z')]
    sim.advance_clock(4.999)
    assert listed(sim)['messages'] == []
    sim.advance_clock(0.001)
    assert [m['uuid'] for m in listed(sim)['messages']] == [record['uuid']]
    assert listed(sim, V8 + '/messages/phone_number/' + q(R1))['pagination']['count'] == 1


def test_listing_lag_is_fixed_when_sent_and_off_by_default(sim):
    assert sim.config()['listing_lag_seconds'] == 0
    send(sim, [R1])
    assert len(listed(sim)['messages']) == 1 and sim.sent_to(R1)[0]['listed_at'] is None
    sim.config(listing_lag_seconds=60)
    send(sim, [R2])
    sim.config(listing_lag_seconds=0)
    assert [m['to'] for m in listed(sim)['messages']] == [R1]
    sim.advance_clock(60)
    assert [m['to'] for m in listed(sim)['messages']] == [R1, R2]


def test_listing_lag_from_the_command_line():
    with Simulator(listing_lag_seconds=2, clock_start=PINNED_CLOCK) as simulator:
        simulator.reset(phone_numbers=[SENDER])
        send(simulator, [R1])
        assert listed(simulator)['messages'] == [] and len(simulator.sent_to(R1)) == 1
        simulator.advance_clock(2)
        assert len(listed(simulator)['messages']) == 1


# ----------------------------------------------------------------------------- send answers


def test_send_answer_empty_object_and_empty(sim):
    sim.config(send_answer='empty_object')
    answer = send(sim, [R1])
    assert (answer.status, answer.json()) == (200, {})
    sim.config(send_answer='empty')
    answer = send(sim, [R2])
    assert (answer.status, answer.body, answer.headers['content-length']) == (202, b'', '0')
    assert [m['to'] for m in sim.messages()] == [R1, R2]


def test_send_answer_other_page_never_holds_the_stored_message(sim):
    sim.config(send_answer='other_page')
    first = send(sim, [R1])
    assert first.status == 202 and first.json()['messages'] == [] and first.json()['pagination']['count'] == 0
    second = send(sim, [R2]).json()
    assert set(second) == {'messages', 'pagination'}
    stored = sim.messages()
    assert [m['uuid'] for m in second['messages']] == [stored[0]['uuid']]
    assert second['pagination']['count'] == 1 and len(stored) == 2


def test_send_answer_see_other_points_at_the_stored_message(sim):
    sim.config(send_answer='see_other')
    for version in (V8, V5):
        answer = send(sim, [R1], version=version)
        stored = sim.messages()[-1]
        assert answer.status == 303
        assert answer.headers['location'] == '%s/messages/uuid/%s' % (version, stored['uuid'])
        assert sim.request('GET', answer.headers['location']).json()['message']['uuid'] == stored['uuid']
    assert len(sim.sent_to(R1)) == 2


def test_send_answer_validation_and_reset(sim):
    with pytest.raises(SimulatorError, match="send_answer must be one of records, empty_object, empty, other_page, see_other, not 'nope'"):
        sim.config(send_answer='nope')
    sim.config(send_answer='empty')
    sim.reset()
    assert sim.config()['send_answer'] == 'records'


# ------------------------------------------------------------------- a store behind a 504


def test_applied_gateway_timeout_stores_and_answers_a_gateway_page(sim):
    sim.config(faults=[{'kind': 'applied_gateway_timeout', 'operations': ['send'], 'count': 1}])
    answer = send(sim, [R1])
    assert answer.status == 504 and answer.headers['content-type'].startswith('text/html')
    assert b'504 Gateway Time' in answer.body and b'{' not in answer.body
    assert len(sim.sent_to(R1)) == 1
    assert sim.log()[-1]['fault'] == 'applied_gateway_timeout' and sim.log()[-1]['applied'] is True
    assert send(sim, [R1]).status == 202


def test_applied_error_504_is_json_not_a_gateway_page(sim):
    # Why applied_gateway_timeout exists: applied_error answers the API's JSON shape.
    sim.config(faults=[{'kind': 'applied_error', 'operations': ['send'], 'status': 504}])
    answer = send(sim, [R1])
    assert (answer.status, answer.json()) == (504, {'message': 'Gateway Timeout'})
    assert len(sim.sent_to(R1)) == 1


# ------------------------------------------------------------------------ stored messages


def test_store_message_in_the_future_sorts_by_created_at(sim):
    future = sim.store_message(SENDER, R1, 'from the future', created_at='2030-01-01T00:00:00Z', outcome='delivered')
    assert future['created_at'] == '2030-01-01T00:00:00.000Z' and future['direction'] == 'out'
    assert future['delivered_at'] == '2030-01-01T00:00:01.000Z' and future['carrier_message_id'] is not None
    past = sim.store_message(SENDER, R1, 'long ago', created_at='2023-06-01T12:00:00+02:00', outcome='failed')
    assert past['failed_at'] == '2023-06-01T10:00:01.000Z' and past['delivery_reports'][0]['progress_bit'] == 0
    record = send(sim, [R1]).json()['messages'][0]
    assert [m['uuid'] for m in listed(sim)['messages']] == [past['uuid'], record['uuid'], future['uuid']]
    assert [m['uuid'] for m in listed(sim, V8 + '/messages?sort=created_at:desc')['messages']] == [future['uuid'], record['uuid'], past['uuid']]
    newer = listed(sim, V8 + '/messages?created_at[gte]=2025-01-01')['messages']
    assert [m['uuid'] for m in newer] == [future['uuid']]
    assert [m['uuid'] for m in sim.messages()] == [future['uuid'], past['uuid'], record['uuid']]


def test_store_message_inbound_pending_and_deleted(sim):
    sim.config(listing_lag_seconds=30)
    inbound = sim.store_message(R1, SENDER, 'STOP', direction='in')
    assert (inbound['direction'], inbound['delivered_at'], inbound['virtual_line_id']) == ('in', inbound['created_at'], 201)
    pending = sim.store_message(SENDER, R2, 'pending', outcome='pending', deleted=True)
    assert pending['delivered_at'] is None and pending['deleted_at'] is not None
    assert [m['uuid'] for m in listed(sim, V8 + '/messages?deleted_at[empty]')['messages']] == [inbound['uuid']]
    assert len(listed(sim)['messages']) == 2  # listed at once despite the lag


@pytest.mark.parametrize('payload, text', [
    ({'from': SENDER, 'to': R1, 'created_at': 'yesterday'}, "created_at must be an ISO 8601 timestamp, not 'yesterday'"),
    ({'from': SENDER, 'to': R1, 'direction': 'sideways'}, "direction must be out or in (outbound, inbound), not 'sideways'"),
    ({'from': SENDER, 'to': R1, 'outcome': 'lost'}, 'messages.outcome must be one of delivered, failed, pending'),
    ({'from': SENDER, 'to': 'R1'}, "to must be an E.164 phone number, not 'R1'"),
    ({'from': SENDER, 'to': R1, 'colour': 'red'}, 'messages: unknown keys colour'),
    ({'from': SENDER, 'to': R1, 'deleted': 'maybe'}, 'messages.deleted must be a boolean'),
])
def test_store_message_validation(sim, payload, text):
    with pytest.raises(SimulatorError, match=re.escape(text)):
        sim._control('POST', '/_sim/messages', payload)
    assert sim.messages() == []


# ------------------------------------------------------------------- contract list items


def test_list_item_fields_contract_drops_outcome_fields_from_lists_only(sim):
    sim.config(list_item_fields='contract')
    record = send(sim, [R1]).json()['messages'][0]
    assert 'delivered_at' in record  # the send answer is not a list
    sim.advance_clock(1)
    for path in (V8 + '/messages', V8 + '/messages/phone_number/' + q(R1)):
        assert [set(item) for item in listed(sim, path)['messages']] == [CONTRACT_FIELDS]
    full = sim.request('GET', V8 + '/messages/uuid/' + record['uuid']).json()['message']
    assert full['delivered_at'] is not None and 'failed_at' in full and full['delivery_reports']
    assert 'delivered_at' in listed(sim, V5 + '/messages')['messages'][0]  # 2022-05-01 lists follow its schema
    sim.reset()
    assert sim.config()['list_item_fields'] == 'full'


# ------------------------------------------------------------------------ rewritten texts


def test_text_rewrite_typographic_and_trim(sim):
    sim.config(text_rewrite='typographic')
    send(sim, [R1], text='  Don\'t forget: "bring \'ID\'" (it\'s "required")  ')
    stored = sim.sent_to(R1)[0]
    assert stored['text'] == 'Don\u2019t forget: \u201cbring \u2018ID\u2019\u201d (it\u2019s \u201crequired\u201d)'
    assert stored['encoding'] == 'UCS-2'
    assert listed(sim)['messages'][0]['text'] == stored['text']
    sim.config(text_rewrite='trim')
    send(sim, [R2], text="\n It's fine. ")
    assert sim.sent_to(R2)[0]['text'] == "It's fine."
    with pytest.raises(SimulatorError, match="text_rewrite must be one of none, trim, typographic, not 'smart'"):
        sim.config(text_rewrite='smart')


# ---------------------------------------------------------------------------- list order


def test_message_list_order_ignores_the_sort_parameter(sim):
    send(sim, [R1, R2])
    sim.config(message_list_order='newest_first')
    for path in (V8 + '/messages', V8 + '/messages?sort=created_at:asc', V8 + '/messages?sort=bogus'):
        assert [m['to'] for m in listed(sim, path)['messages']] == [R2, R1]
    sim.config(message_list_order='oldest_first')
    assert [m['to'] for m in listed(sim, V8 + '/messages?sort=created_at:desc')['messages']] == [R1, R2]
    sim.config(message_list_order='honour')
    assert [m['to'] for m in listed(sim, V8 + '/messages?sort=created_at:desc')['messages']] == [R2, R1]


def test_ignore_created_at_filter(sim):
    old = sim.store_message(SENDER, R1, 'old', created_at='2020-01-01T00:00:00Z')
    send(sim, [R1])
    path = V8 + '/messages?created_at[gte]=2023-12-31T00:00:00Z&from[eq]=' + q(SENDER)
    assert len(listed(sim, path)['messages']) == 1
    sim.config(ignore_created_at_filter=True)
    body = listed(sim, path)
    assert [m['uuid'] for m in body['messages']][0] == old['uuid'] and body['pagination']['count'] == 2
    assert 'created_at[gte]' in body['pagination']['page_url']
    assert listed(sim, V8 + '/messages?created_at[bogus]=x')['pagination']['count'] == 2
    assert sim.request('GET', V8 + '/messages?from[eq]=nope').status == 200  # other filters still apply
    with pytest.raises(SimulatorError, match='ignore_created_at_filter must be a boolean'):
        sim.config(ignore_created_at_filter='sometimes')


# ------------------------------------------------------------------------- page-size cap


def test_max_page_size_caps_the_limit_and_the_pagination_follows(sim):
    send(sim, [R1] * 5)
    sim.config(max_page_size=2)
    body = listed(sim, V8 + '/messages?limit=500')
    page = body['pagination']
    assert len(body['messages']) == 2
    assert (page['items'], page['pages'], page['count'], page['next']) == (2, 3, 5, 2)
    assert page['next_url'].endswith('limit=500&page=2')
    last = listed(sim, V8 + '/messages?limit=500&page=3')
    assert len(last['messages']) == 1 and last['pagination']['next'] is None
    assert len(listed(sim, V8 + '/messages')['messages']) == 2  # the default 100 is capped too
    assert listed(sim, V8 + '/messages/phone_number/' + q(R1) + '?limit=3')['pagination']['items'] == 2
    assert listed(sim, V8 + '/phone_numbers?limit=10')['pagination']['items'] == 2
    for bad in (0, 501, 'many'):
        with pytest.raises(SimulatorError, match='max_page_size must be'):
            sim.config(max_page_size=bad)
    sim.reset()
    assert sim.config()['max_page_size'] == 500


# ---------------------------------------------------------------------- a DELETE that lies


def test_not_found_on_delete_does_not_delete(sim):
    record = send(sim, [R1]).json()['messages'][0]
    sim.config(faults=[{'kind': 'not_found', 'operations': ['delete_message'], 'count': 1}])
    answer = sim.request('DELETE', V8 + '/messages/uuid/' + record['uuid'])
    assert (answer.status, answer.json()) == (404, {'message': NO_MESSAGE_FOR_UUID})
    assert sim.request('GET', V8 + '/messages/uuid/' + record['uuid']).json()['message']['deleted_at'] is None
    assert sim.messages()[0]['deleted_at'] is None and sim.log()[-2]['applied'] is False
    assert sim.request('DELETE', V8 + '/messages/uuid/' + record['uuid']).status == 200


def test_not_found_on_the_second_page_by_number(sim):
    send(sim, [R1] * 3)
    sim.config(faults=[{'kind': 'not_found', 'operations': ['messages_by_number'], 'every': 2, 'count': 1}])
    path = V8 + '/messages/phone_number/' + q(R1) + '?limit=2'
    assert sim.request('GET', path).status == 200
    second = sim.request('GET', path + '&page=2')
    assert (second.status, second.json()) == (404, {'message': NO_MESSAGES_FOR_NUMBER})
    assert sim.request('GET', path + '&page=2').status == 200
    assert [entry['fault'] for entry in sim.log()] == [None, None, 'not_found', None]


def test_not_found_texts_per_operation(sim):
    sim.config(faults=[{'kind': 'not_found', 'operations': ['get', 'list_messages']}])
    answer = sim.request('GET', V8 + '/phone_numbers/' + q(SENDER))
    assert answer.json()['message'] == api_text('number_not_in_system', phone_number=SENDER)
    # Any other operation gets the API's generic 404 (the words the client's predicate looks for).
    assert 'object identifier being unknown to SMS Messaging' in sim.request('GET', V8 + '/messages').json()['message']
