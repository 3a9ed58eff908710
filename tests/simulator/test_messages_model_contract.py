# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One model of the /messages API: the unit tests' FakeMessageClient and the real MessageClient talking to the
simulator must answer the same scenarios the same way.

The sms_message and ExactlyOnceSender unit tests trust FakeMessageClient to behave like MessageClient against
the API; the integration tests trust the simulator to behave like the API. Reference facts
(/work/shared/reference, tests/simulator/README.md "Gaps and contradictions"): a send answers 202 with one
record per recipient, but 2022-05-01 documents 200 {} and a queue may answer with no record of the new message at
all; an inactive sender is refused with 422 and nothing is stored; lists show soft-deleted messages, and may show
a sent message only seconds after its send was answered; get and delete of an unknown uuid are 404 "Could not find
any messages"; delete is soft and a second one does nothing; a send whose answer was lost, or answered with a 5xx,
may have been stored all the same.
"""

from __future__ import annotations

import datetime
import os
import socket

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

from checkout import importable_checkout
from simulator_control import Simulator  # noqa: E402

SENDER = '+18885550199'
OTHER_SENDER = '+18885550198'
INACTIVE_SENDER = '+18885550197'
N1 = '+18885550100'
N2 = '+18885550101'
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
# How long the late-storing network keeps a sent message out of its listings.
LAG = 5
UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000'


@pytest.fixture(scope='module')
def collection(tmp_path_factory):
    """The collection's modules this file checks, imported from this checkout."""
    with importable_checkout(tmp_path_factory):
        from ansible_collections.invoca.messaging.plugins.module_utils._api import (  # pylint: disable=import-outside-toplevel
            transport,
        )
        from ansible_collections.invoca.messaging.plugins.module_utils._messages import (  # pylint: disable=import-outside-toplevel
            client as message_client,
        )
        from ansible_collections.invoca.messaging.tests.unit import fakes  # pylint: disable=import-outside-toplevel
        yield (message_client, transport), fakes


@pytest.fixture(scope='module')
def server():
    with Simulator() as simulator:
        yield simulator


class FakeNetwork:
    """The fake's side: its client, and the knobs that stand for the simulator's control API."""

    def __init__(self, fakes):
        self.client = fakes.FakeMessageClient(senders=[SENDER, OTHER_SENDER])

    def receive(self, sender, recipient, text):
        return self.client.inbound(sender, recipient, text)

    def next_send(self, fault):
        """The next send meets ``fault``, one of FakeMessageClient's send faults."""
        self.client.faults.append(fault)

    def every_send(self, fault):
        """Every later send meets ``fault``."""
        self.client.faults = []
        self.client.recipient_faults = dict((number, fault) for number in (N1, N2))

    def store_late(self):
        self.client.listing_lag = LAG

    def release(self):
        """What was stored late shows in the listings."""
        self.client.release()
        self.client.advance_clock(LAG)

    def fail_lookups(self):
        self.client.lookup_error = True

    def contract_list_items(self):
        self.client.contract_list_items = True

    def store_message(self, sender, recipient, text, created_at):
        return self.client.store_message(sender, recipient, text, created_at=created_at)

    def fail_deliveries_to(self, recipient):
        self.client.message_outcomes[recipient] = 'failed'

    def advance_clock(self, seconds):
        self.client.advance_clock(seconds)

    def now(self):
        return self.client.now()

    def unreachable_client(self):
        client = type(self.client)(senders=[SENDER])
        client.faults.append('never_reached')
        return client

    def stored(self):
        return [dict(item) for item in self.client.stored]


# What the simulator does for each of FakeMessageClient's send faults.
SIMULATED_FAULTS = {
    'lost': {'faults': [{'kind': 'lost_answer', 'operations': ['send'], 'count': 1}]},
    'applied_5xx': {'faults': [{'kind': 'applied_error', 'operations': ['send'], 'status': 500, 'count': 1}]},
    'unapplied_5xx': {'faults': [{'kind': 'error', 'operations': ['send'], 'status': 503, 'count': 1}]},
    'accepted_unnamed': {'send_answer': 'empty_object'},
    'accepted_other_page': {'send_answer': 'other_page'},
    'see_other': {'send_answer': 'see_other'},
}


class SimulatedNetwork:
    """The simulator's side: the real MessageClient on a reset simulator, and its control API."""

    def __init__(self, client_module, transport_module, server):
        server.reset(phone_numbers=[SENDER, OTHER_SENDER], deleted=[INACTIVE_SENDER])
        self.server = server
        self.client_module = client_module
        self.transport_module = transport_module
        self.client = self._client(server.url)

    def _client(self, url):
        return self.client_module.MessageClient(self.transport_module.Transport(
            api_token=self.server.token, api_url=url, api_version='2022-08-01', max_retries=0))

    def receive(self, sender, recipient, text):
        return self.server.inbound(sender, recipient, text)

    def next_send(self, fault):
        if fault == 'late':
            self.server.config(listing_lag_seconds=LAG, **SIMULATED_FAULTS['lost'])
        else:
            self.server.config(**SIMULATED_FAULTS[fault])

    def every_send(self, fault):
        settings = dict(SIMULATED_FAULTS[fault])
        for rule in settings.get('faults', []):
            del rule['count']
        self.server.config(**settings)

    def store_late(self):
        self.server.config(listing_lag_seconds=LAG)

    def release(self):
        self.server.advance_clock(LAG)

    def fail_lookups(self):
        self.server.config(faults=[{'kind': 'applied_error', 'operations': ['list_messages'], 'status': 500}])

    def contract_list_items(self):
        self.server.config(list_item_fields='contract')

    def store_message(self, sender, recipient, text, created_at):
        return self.server.store_message(sender, recipient, text, created_at=created_at.isoformat())

    def fail_deliveries_to(self, recipient):
        self.server.config(message_outcomes={recipient: 'failed'})

    def advance_clock(self, seconds):
        self.server.advance_clock(seconds)

    def now(self):
        return self.client_module.parse_timestamp(self.server.now())

    def unreachable_client(self):
        # A port nobody listens on: the connection is refused before any request is written.
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            port = probe.getsockname()[1]
        return self._client('http://127.0.0.1:%d' % port)

    def stored(self):
        return self.server.messages()


@pytest.fixture(params=['fake', 'simulator'])
def network(request, collection, server):
    """A network whose active SMS numbers are SENDER and OTHER_SENDER (INACTIVE_SENDER is soft-deleted), with
    no messages: the in-memory FakeMessageClient, or MessageClient against a reset simulator."""
    (client_module, transport_module), fakes = collection
    if request.param == 'fake':
        yield FakeNetwork(fakes)
        return
    simulated = SimulatedNetwork(client_module, transport_module, server)
    try:
        yield simulated
    finally:
        simulated.client.close()


@pytest.fixture
def api(network):
    return network.client


@pytest.fixture
def api_error(collection):
    return collection[0][1].ApiError


@pytest.fixture
def message_fields(collection):
    """What a 2022-08-01 record holds in every answer (send, list, get, delete)."""
    return set(collection[1].MESSAGE_FIELDS)


def post(api, sender, recipient, text):
    """The one record of an accepted send that names its message."""
    receipt = api.post(sender, recipient, text)
    assert receipt.status == 202 and len(receipt.records) == 1
    return receipt.records[0]


def outgoing(api, sender, since=EPOCH):
    return list(api.outgoing(sender, since))


def test_send_to_one_recipient_is_accepted_naming_its_record(api, message_fields):
    record = post(api, SENDER, N1, 'hello')
    assert set(record) == message_fields
    assert isinstance(record['uuid'], str) and record['uuid']
    assert (record['from'], record['to'], record['text'], record['direction']) == (SENDER, N1, 'hello', 'out')
    assert record['deleted_at'] is None
    assert record['delivered_at'] is None and record['failed_at'] is None and record['delivery_reports'] == []


def test_every_send_is_a_new_message_with_its_own_time(api):
    first = post(api, SENDER, N1, 'hello')
    second = post(api, SENDER, N1, 'hello')
    # No dedupe in the API: the same text to the same recipient twice is two messages.
    assert first['uuid'] != second['uuid'] and second['created_at'] > first['created_at']


def test_outgoing_streams_only_the_senders_outbound_messages_since_a_time(network, api, collection, message_fields):
    parse_timestamp = collection[0][0].parse_timestamp
    early = post(api, SENDER, N1, 'one')
    mark = post(api, SENDER, N2, 'two')
    post(api, OTHER_SENDER, N1, 'from another number')
    network.receive(N1, SENDER, 'a reply')
    late = post(api, SENDER, N1, 'three')
    listing = api.outgoing(SENDER, EPOCH)
    assert not isinstance(listing, list)  # a stream, read as it is consumed
    assert [item['uuid'] for item in listing] == [early['uuid'], mark['uuid'], late['uuid']]
    since_mark = outgoing(api, SENDER, parse_timestamp(mark['created_at']))
    assert [item['uuid'] for item in since_mark] == [mark['uuid'], late['uuid']]
    assert since_mark == [mark, late]
    assert all(set(item) == message_fields for item in since_mark)
    assert outgoing(api, N1) == []  # N1 only received: no outbound messages of its own
    assert outgoing(api, SENDER, parse_timestamp(late['created_at']) + datetime.timedelta(milliseconds=1)) == []


def test_outgoing_keeps_soft_deleted_messages(api):
    record = post(api, SENDER, N1, 'hello')
    deleted = api.delete(record['uuid'])
    assert outgoing(api, SENDER) == [deleted]


def test_outgoing_shows_a_message_stamped_in_the_future(network, api):
    future = network.store_message(SENDER, N1, 'from the future', network.now() + datetime.timedelta(days=365))
    record = post(api, SENDER, N2, 'hello')
    assert [item['uuid'] for item in outgoing(api, SENDER, network.now())] == [record['uuid'], future['uuid']]


def test_get_a_known_and_an_unknown_uuid(api):
    record = post(api, SENDER, N1, 'hello')
    assert api.get(record['uuid']) == record
    assert api.get(UNKNOWN_UUID) is None


def test_delete_is_soft_and_delete_again_does_nothing(api):
    record = post(api, SENDER, N1, 'hello')
    deleted = api.delete(record['uuid'])
    assert deleted['deleted_at'] is not None and deleted['deleted_at'] >= record['created_at']
    assert dict(deleted, deleted_at=None) == record
    assert api.delete(record['uuid']) == deleted
    assert api.get(record['uuid']) == deleted


def test_delete_of_an_unknown_uuid(api):
    assert api.delete(UNKNOWN_UUID) is None


def test_lost_answer_on_send_may_have_applied_and_the_message_is_stored(network, api, api_error):
    network.next_send('lost')
    with pytest.raises(api_error) as caught:
        api.post(SENDER, N1, 'hello')
    assert caught.value.may_have_applied is True and caught.value.status is None
    assert caught.value.kind == 'transport'
    stored = outgoing(api, SENDER)
    assert [(item['from'], item['to'], item['text']) for item in stored] == [(SENDER, N1, 'hello')]
    assert [item['uuid'] for item in network.stored()] == [stored[0]['uuid']]
    # The fault was for one send only.
    assert post(api, SENDER, N2, 'again')['to'] == N2


@pytest.mark.parametrize('fault, status, stored', [('applied_5xx', 500, 1), ('unapplied_5xx', 503, 0)])
def test_a_5xx_may_have_applied_whether_or_not_it_stored(network, api, api_error, fault, status, stored):
    network.next_send(fault)
    with pytest.raises(api_error) as caught:
        api.post(SENDER, N1, 'hello')
    assert (caught.value.status, caught.value.may_have_applied) == (status, True)
    # The client cannot tell the two apart; only the store can.
    assert len(network.stored()) == len(outgoing(api, SENDER)) == stored


def test_a_late_store_is_hidden_from_the_listing_until_released(network, api, api_error):
    network.next_send('late')
    with pytest.raises(api_error) as caught:
        api.post(SENDER, N1, 'hello')
    assert caught.value.may_have_applied is True
    assert outgoing(api, SENDER) == [] and [item['to'] for item in network.stored()] == [N1]
    network.release()
    assert [item['to'] for item in outgoing(api, SENDER)] == [N1]


def test_a_listing_lag_hides_an_accepted_message_from_the_listing_but_not_from_get(network, api):
    network.store_late()
    record = post(api, SENDER, N1, 'hello')
    assert outgoing(api, SENDER) == []
    assert api.get(record['uuid'])['uuid'] == record['uuid']
    network.advance_clock(LAG)
    assert [item['uuid'] for item in outgoing(api, SENDER)] == [record['uuid']]


@pytest.mark.parametrize('fault, status', [('accepted_unnamed', 200), ('see_other', 303)])
def test_a_send_accepted_without_a_record_is_stored(network, api, fault, status):
    network.next_send(fault)
    receipt = api.post(SENDER, N1, 'hello')
    assert (receipt.status, receipt.records) == (status, [])
    assert [(item['to'], item['text']) for item in outgoing(api, SENDER)] == [(N1, 'hello')]
    assert len(network.stored()) == 1


def test_a_send_answered_with_a_page_of_other_messages_never_names_the_new_one(network, api):
    network.every_send('accepted_other_page')
    first = api.post(SENDER, N1, 'one')
    assert (first.status, first.records) == (202, [])
    second = api.post(SENDER, N2, 'two')
    listed = outgoing(api, SENDER)
    assert [item['to'] for item in listed] == [N1, N2]
    assert [item['uuid'] for item in second.records] == [listed[0]['uuid']]


def test_a_failing_lookup_is_an_error(network, api, api_error):
    post(api, SENDER, N1, 'hello')
    network.fail_lookups()
    with pytest.raises(api_error) as caught:
        outgoing(api, SENDER)
    assert caught.value.status == 500


def test_a_send_that_never_reached_the_api_proves_nothing_was_stored(network, api_error):
    client = network.unreachable_client()
    try:
        with pytest.raises(api_error) as caught:
            client.post(SENDER, N1, 'hello')
    finally:
        client.close()
    assert (caught.value.kind, caught.value.status, caught.value.may_have_applied) == ('transport', None, False)
    assert 'refused' in str(caught.value)


def test_contract_list_items_show_no_outcome_but_the_record_does(network, api):
    network.contract_list_items()
    record = post(api, SENDER, N1, 'hello')
    network.advance_clock(2)
    listed = outgoing(api, SENDER)
    assert [item['uuid'] for item in listed] == [record['uuid']]
    assert 'delivered_at' not in listed[0] and 'failed_at' not in listed[0]
    assert api.get(record['uuid'])['delivered_at'] is not None


def test_send_from_an_inactive_number_is_refused_and_stores_nothing(network, api, api_error):
    for sender in (INACTIVE_SENDER, N1):  # soft-deleted, never an SMS number of the network
        with pytest.raises(api_error) as caught:
            api.post(sender, N2, 'hello')
        assert (caught.value.status, caught.value.may_have_applied) == (422, False)
        assert caught.value.api_message == 'Validation failed'
        assert caught.value.errors == [{'resource': 'Message', 'field': 'from', 'code': 'not_found'}]
    assert network.stored() == []


def test_delivery_settles_on_the_clock_and_a_failure_has_its_carrier_error(network, api):
    network.fail_deliveries_to(N2)
    delivered = post(api, SENDER, N1, 'hello')
    failed = post(api, SENDER, N2, 'hello')
    network.advance_clock(0.5)
    assert [api.get(item['uuid'])['delivery_reports'] for item in (delivered, failed)] == [[], []]
    network.advance_clock(1)
    delivered, failed = api.get(delivered['uuid']), api.get(failed['uuid'])
    assert delivered['delivered_at'] is not None and delivered['failed_at'] is None
    assert failed['failed_at'] is not None and failed['delivered_at'] is None
    assert [report['progress_bit'] for report in delivered['delivery_reports']] == [1]
    assert [set(report) for report in failed['delivery_reports']] == [{'progress_bit', 'created_at', 'uuid'}]
    # The carrier's error is only on the single delivery report.
    report = api.delivery_report(failed['uuid'], failed['delivery_reports'][0]['uuid'])
    assert (report['progress_bit'], report['carrier_errorcode'], report['carrier_description']) == (
        0, 4720, 'Invalid destination')
    assert api.delivery_report(failed['uuid'], UNKNOWN_UUID) is None
