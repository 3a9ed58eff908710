# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests of the message modules against the API's less convenient shapes, and their bounds.

List items without outcome fields (the 2022-08-01 contract's), a server that takes one object per send and refuses
an array, a page size capped below the one asked, a 404 in the API's words on a later page or to a DELETE, and a
message that stays pending while the task waits. Each runs real ansible and checks the simulator's store (or, for
the body form, the store of a scripted server) and the task's result.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
import uuid

import pytest

from conftest import assert_clean_failure
from hostile_server import Reply
from sms_message_runs import (  # noqa: F401  pylint: disable=unused-import
    MESSAGES_PATH,
    R1,
    R2,
    R3,
    SENDER,
    align_clock_with_this_machine,
    failed_result,
    network,
    send,
    sends,
)

R4 = '+15551230004'
TEXT = 'deploy finished'


@pytest.mark.parametrize('fields', ['contract', 'full'])
def test_dedupe_counts_delivered_and_pending_copies_only(ansible, network, fields):
    align_clock_with_this_machine(network)
    copies = {R1: network.store_message(SENDER, R1, TEXT, outcome='delivered'),
              R2: network.store_message(SENDER, R2, TEXT, outcome='pending'),
              R3: network.store_message(SENDER, R3, TEXT, outcome='failed'),
              R4: network.store_message(SENDER, R4, TEXT, outcome='pending', deleted=True)}
    network.config(list_item_fields=fields)
    network.clear_log()
    result = send(ansible, to=[R1, R2, R3, R4], dedupe_window=3600, expect_rc=0).result
    assert result['skipped_recipients'] == [R1, R2]
    assert sorted(entry['to'] for entry in result['sent']) == [R3, R4]
    assert [len(network.sent_to(recipient)) for recipient in (R1, R2, R3, R4)] == [1, 1, 2, 2]
    if fields == 'contract':
        # The failure shows only in the message's own record: it was read by uuid.
        reads = [entry['path'] for entry in network.log() if entry['method'] == 'GET' and '/uuid/' in entry['path']]
        assert '%s/uuid/%s' % (MESSAGES_PATH, copies[R3]['uuid']) in reads


class ObjectOnlyApi:
    """POST /messages of a server that takes one object per request and refuses an array with 400 "must be a JSON
    hash" before storing anything (2022-05-01's body parser does; a 2022-08-01 deployment may too). What it stored
    and every body it was sent are kept for the test."""

    REFUSAL = 'The request body you provide must be a JSON hash'

    def __init__(self, server):
        self._lock = threading.Lock()
        self.bodies = []
        self.stored = []
        server.on('POST', r'/messages$', handler=self.send)
        server.on('GET', r'/messages$', handler=self.listing)

    def send(self, request):
        body = json.loads(request.body)
        with self._lock:
            self.bodies.append(body)
        if not isinstance(body, dict):
            return Reply(400, {'message': self.REFUSAL})
        now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'
        record = {'uuid': str(uuid.uuid4()), 'from': body['from'], 'to': body['to'], 'text': body['text'],
                  'direction': 'out', 'created_at': now, 'deleted_at': None, 'delivered_at': None,
                  'failed_at': None, 'delivery_reports': []}
        with self._lock:
            self.stored.append(record)
        return Reply(202, {'messages': [record], 'pagination': {'count': 1, 'pages': 1, 'page': 1, 'next': None}})

    def listing(self, request):  # pylint: disable=unused-argument
        with self._lock:
            records = list(self.stored)
        return Reply(200, {'messages': records, 'pagination': {'count': len(records), 'pages': 1, 'page': 1,
                                                               'next': None}})


def test_the_object_body_is_learned_once_for_every_worker(hostile, hostile_ansible):
    hostile.seed(SENDER)
    api = ObjectOnlyApi(hostile)
    recipients = ['+1555123%04d' % index for index in range(1, 13)]
    concurrency = 4
    run = hostile_ansible.module('sms_message', {'from_number': SENDER, 'to_numbers': recipients, 'text': TEXT,
                                                 'concurrency': concurrency})
    assert run.rc == 0, run.output[-4000:]
    assert sorted(record['to'] for record in api.stored) == recipients
    assert sorted((entry['to'], entry['uuid']) for entry in run.result['sent']) == sorted(
        (record['to'], record['uuid']) for record in api.stored)
    arrays = [body for body in api.bodies if not isinstance(body, dict)]
    # Refused, then the same recipient again as an object; only the sends already in flight went as arrays.
    assert 1 <= len(arrays) <= concurrency
    assert len(api.bodies) == len(recipients) + len(arrays)


def seed_messages(sim, recipient, count):
    """``count`` messages from SENDER to ``recipient``, stored in this order; returns their uuids."""
    return [sim.store_message(SENDER, recipient, 'update %d' % index)['uuid'] for index in range(count)]


@pytest.mark.parametrize('by_number', [False, True], ids=['all', 'by-number'])
def test_max_records_with_a_page_size_capped_below_the_one_asked(ansible, network, by_number):
    uuids = seed_messages(network, R1, 30)
    network.config(max_page_size=7)
    network.clear_log()
    options = {'max_records': 20, 'sort': 'created_at:asc', 'limit': 10}
    if by_number:
        options['phone_number'] = R1
    result = ansible.module('sms_message_info', options, expect_rc=0).result
    assert [record['uuid'] for record in result['messages']] == uuids[:20]
    # The server's own pages of 7 are followed: pages 1, 2, 3, never a page renumbered for a size it does not use.
    pages = [entry['params'].get('page', ['1'])[0] for entry in network.log() if entry['method'] == 'GET']
    assert pages == ['1', '2', '3']


def test_a_404_on_a_later_page_of_a_number_fails_instead_of_ending_the_list(ansible, network):
    seed_messages(network, R1, 12)
    network.config(max_page_size=5, faults=[{'kind': 'not_found', 'operations': ['messages_by_number'],
                                             'every': 2, 'count': 1}])
    network.clear_log()
    result = failed_result(ansible.module('sms_message_info', {'phone_number': R1, 'concurrency': 1}))
    assert_clean_failure(result)
    assert 'Could not find any messages' in result['msg']
    assert not result.get('messages')
    assert [entry['status'] for entry in network.log() if entry['operation'] == 'messages_by_number'] == [200, 404]


def test_a_delete_answered_404_while_the_message_is_still_there_fails(ansible, network):
    message = network.store_message(SENDER, R1, TEXT)
    network.config(faults=[{'kind': 'not_found', 'operations': ['delete_message'], 'every': 1}])
    result = failed_result(ansible.module('sms_message', {'state': 'absent', 'uuid': message['uuid']}))
    assert_clean_failure(result)
    assert result['changed'] is False
    assert 'nothing was deleted' in result['msg']
    [stored] = network.sent_to(R1)
    assert stored['uuid'] == message['uuid'] and stored['deleted_at'] is None
    assert [entry['status'] for entry in network.log() if entry['method'] == 'DELETE'] == [404]


def test_waiting_for_a_message_that_stays_pending_ends_at_wait_timeout(ansible, network):
    wait_timeout, timeout = 3, 5
    network.config(message_outcomes={R1: 'pending'})
    run = send(ansible, to=[R1], wait=True, wait_timeout=wait_timeout, timeout=timeout)
    ended = time.time()
    result = failed_result(run)
    assert [(entry['to'], entry['status']) for entry in result['delivery']] == [(R1, 'pending')]
    assert 'delivery: 1 pending' in result['msg']
    # From the module's first request to the end of the ansible run: wait_timeout plus at most one request
    # timeout (the starting of ansible is left out, it takes seconds on a loaded machine).
    requests = [entry['time'] for entry in network.log()]
    assert ended - requests[0] < wait_timeout + timeout
    # It did wait: the rounds went on until the deadline.
    assert result['delivery_polls'] >= 2 and requests[-1] - requests[0] >= wait_timeout - 1
    assert len(sends(network)) == 1
