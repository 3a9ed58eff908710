# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one record of the API (tests/api_reference/) against each stand-in of the API: the published examples the
unit tests parse (tests/unit/api_examples.py), the unit fakes (tests/unit/fakes.py), the simulator over real HTTP
and the hostile server's honest mode. Each must show the record's fields per version, the record's error texts
per endpoint and the record's pagination object names; every 404 text of the record must be recognised by the
not-found predicate the client uses for it (plugins/module_utils/_api/conventions.py), and by no other.

When ../shared/reference/ (the published documents) is beside the checkout, the record is also checked against it.
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.parse

import pytest

from api_record import API, text
from checkout import importable_checkout
from hostile_server import HostileServer
from simulator_control import Simulator

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REFERENCE_DIR = os.path.join(REPO, 'tests', 'api_reference')
SHARED = os.path.join(os.path.dirname(REPO), 'shared', 'reference')

with open(os.path.join(REFERENCE_DIR, 'examples.json'), encoding='utf-8') as _handle:
    EXAMPLES = json.load(_handle)

V5, V8 = '2022-05-01', '2022-08-01'
NUMBER = '+18885550100'
RECIPIENT = '+18885550101'
UNKNOWN_NUMBER = '+18885550199'
UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000'
PREDICATES = ('NOT_IN_SYSTEM', 'UNKNOWN_OBJECT', 'NO_MESSAGES_FOR_NUMBER', 'NO_MESSAGE_FOR_UUID', 'NO_DELIVERY_REPORT')
# Where a not-found predicate is used: the client of the resource its texts are about.
PREDICATE_USERS = {'NOT_IN_SYSTEM': 'plugins/module_utils/_phone_numbers/client.py',
                   'UNKNOWN_OBJECT': 'plugins/module_utils/_phone_numbers/client.py',
                   'NO_MESSAGES_FOR_NUMBER': 'plugins/module_utils/_messages/client.py',
                   'NO_MESSAGE_FOR_UUID': 'plugins/module_utils/_messages/client.py',
                   'NO_DELIVERY_REPORT': 'plugins/module_utils/_messages/client.py'}


def fields(resource, version=V8, shape='full'):
    return set(API['records'][resource][version][shape]['fields'])


def q(value):
    return urllib.parse.quote(value, safe='')


# ------------------------------------------------------------------------------- the record and the published documents


def _sources():
    for kind, name, entry in ([('pagination', version, entry) for version, entry in API['pagination'].items()]
                              + [('records', '%s %s %s' % (resource, version, shape), entry)
                                 for resource, versions in API['records'].items()
                                 for version, shapes in versions.items() for shape, entry in shapes.items()]
                              + [('texts', name, entry) for name, entry in API['texts'].items()]
                              + [('bodies_without_text', name, entry) for name, entry in API['bodies_without_text'].items()]
                              + [('examples', name, entry) for name, entry in EXAMPLES.items()]):
        yield pytest.param(kind, entry, id='%s-%s' % (kind, name.replace(' ', '-')))


_DOCUMENTS = {}


def published(source):
    """The value at ``source`` (file and path) in the published documents."""
    name = source['file']
    if name not in _DOCUMENTS:
        with open(os.path.join(SHARED, name), encoding='utf-8') as handle:
            if name.endswith('.json'):
                _DOCUMENTS[name] = json.load(handle)
            else:
                yaml = pytest.importorskip('yaml')
                _DOCUMENTS[name] = yaml.safe_load(handle)
    node = _DOCUMENTS[name]
    for step in source['path']:
        node = json.loads(node) if step == '$json' else node[step]
    return node


@pytest.mark.skipif(not os.path.isdir(SHARED), reason='the published documents (../shared/reference/) are not beside the '
                                                      'checkout; the record in tests/api_reference/ is used as it is')
@pytest.mark.parametrize('kind, entry', list(_sources()))
def test_record_is_still_a_copy_of_the_published_documents(kind, entry):
    value = published(entry['source'])
    if kind in ('pagination', 'records'):
        assert list(value) == entry['fields']
    elif kind == 'texts':
        assert value == entry['text'].format(**entry.get('source_values', {}))
    elif kind == 'bodies_without_text':
        assert value == entry['body']
    else:
        assert json.dumps(value) == json.dumps(entry['body'] if 'body' in entry else entry['text'])


# --------------------------------------------------------------------------------------------- the client's predicates


@pytest.fixture(scope='module')
def collection(tmp_path_factory):
    """The collection's modules this file checks, imported from this checkout."""
    with importable_checkout(tmp_path_factory):
        from ansible_collections.invoca.messaging.plugins.module_utils._api import (  # pylint: disable=import-outside-toplevel
            conventions,
            errors,
        )
        from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers import (  # pylint: disable=import-outside-toplevel
            client as phone_number_client,
        )
        from ansible_collections.invoca.messaging.tests.unit import (  # pylint: disable=import-outside-toplevel
            api_examples,
            fakes,
        )
        yield {'conventions': conventions, 'errors': errors, 'phone_number_client': phone_number_client,
               'api_examples': api_examples, 'fakes': fakes}


NOT_FOUND_TEXTS = [name for name, entry in API['texts'].items() if entry['status'] == 404]


@pytest.mark.parametrize('name', NOT_FOUND_TEXTS)
def test_each_404_text_is_recognised_by_the_predicate_of_its_client_and_no_other(collection, name):
    conventions, errors = collection['conventions'], collection['errors']
    entry = API['texts'][name]
    message = text(name, **entry.get('source_values', {}))
    matching = {predicate for predicate in PREDICATES if getattr(conventions, predicate).search(message)}
    expected = {entry['predicate']} if 'predicate' in entry else set()
    assert matching == expected, message
    for predicate in expected:
        error = errors.ApiError('GET', '/sms/%s/x' % V8, message, status=404, api_message=message)
        assert conventions.is_api_not_found(error, getattr(conventions, predicate))
        with open(os.path.join(REPO, PREDICATE_USERS[predicate]), encoding='utf-8') as handle:
            assert predicate in handle.read(), 'the client no longer uses %s' % predicate
    if name == 'number_not_in_system':
        error = errors.ApiError('GET', '/sms/%s/phone_numbers/x' % V8, message, status=404, api_message=message)
        assert collection['phone_number_client'].says_not_in_system(error, entry['source_values']['phone_number'])


# --------------------------------------------------------------------------------------------------- api_examples


def test_examples_are_the_records_examples(collection):
    examples = collection['api_examples']
    for name, entry in EXAMPLES.items():
        assert json.dumps(getattr(examples, name)) == json.dumps(entry['body'] if 'body' in entry else entry['text'])


def test_examples_show_the_records_fields_and_pagination_names(collection):
    examples = collection['api_examples']
    for body in (examples.GET_200, examples.CREATE_201, examples.DELETE_200):
        assert set(body['phone_number']) == fields('phone_number')
    assert set(examples.CREATE_2022_05_01_201['phone_number']) == fields('phone_number', V5) - {'id'}
    for version, page in ((V8, examples.LIST_2022_08_01_FIRST_PAGE), (V5, examples.LIST_2022_05_01_SINGLE_PAGE)):
        assert set(page) == {'phone_numbers', API['pagination'][version]['key']}
        assert set(page[API['pagination'][version]['key']]) == set(API['pagination'][version]['fields'])
        assert all(set(item) == fields('phone_number', version, 'list_item') for item in page['phone_numbers'])
    assert set(examples.PAGINATION_2022_08_01_LAST_PAGE) == set(API['pagination'][V8]['fields'])
    assert set(examples.SEND_2022_08_01_202) == {'messages', API['pagination'][V8]['key']}
    assert all(set(item) == fields('message', V8, 'list_item') for item in examples.SEND_2022_08_01_202['messages'])


def test_examples_carry_the_records_texts(collection):
    examples = collection['api_examples']
    assert examples.GET_404['message'] == examples.DELETE_404['message'] == text('number_not_in_system', phone_number=NUMBER)
    assert examples.GET_422['message'] == text('invalid_number')
    assert examples.FORBIDDEN_403['message'] == json.loads(examples.FORBIDDEN_403_TEXT)['message'] == text('forbidden')
    assert examples.MESSAGE_404['message'] == text('no_message_for_uuid')
    assert examples.MESSAGES_OF_NUMBER_404['message'] == text('no_messages_for_number')
    assert json.loads(examples.NOT_FOUND_404_TEXT)['message'] == text('unknown_object_2022_05_01')
    assert json.loads(examples.UNAUTHORIZED_401_TEXT)['message'] == text('unauthorized')
    assert json.loads(examples.UNPROCESSABLE_422_TEXT)['message'] == text('validation_failed')
    assert json.loads(examples.NOT_A_HASH_400_TEXT)['message'] == text('not_a_hash')
    assert examples.NO_VERSION_404['message'] == text('bad_version', path='/no-version/blah', versions=V5)
    assert examples.CREATE_409 == API['bodies_without_text']['create_conflict']['body']
    assert examples.api_text('number_not_in_system', phone_number=NUMBER) == examples.GET_404['message']
    assert (examples.pagination_key(V8), examples.pagination_key(V5)) == ('pagination', 'page')


# ---------------------------------------------------------------------------------------------------------- fakes


def test_fakes_show_the_records_fields(collection):
    fakes = collection['fakes']
    assert (set(fakes.FULL_FIELDS), set(fakes.LIST_FIELDS)) == (fields('phone_number'), fields('phone_number', shape='list_item'))
    assert (set(fakes.MESSAGE_FIELDS), set(fakes.CONTRACT_LIST_FIELDS)) == (fields('message'), fields('message', shape='list_item'))
    client = fakes.FakeClient()
    created, dummy = client.create(NUMBER)
    assert set(created) == fields('phone_number')
    assert set(client.delete(NUMBER)[0]) == fields('phone_number')
    assert [set(item) for item in client.iter_phone_numbers()] == [fields('phone_number', shape='list_item')]
    messages = fakes.FakeMessageClient(senders=[NUMBER])
    stored = messages.inbound(RECIPIENT, NUMBER, 'hello')
    assert set(stored) == fields('message')
    assert set(messages.get(stored['uuid'])) == fields('message')


def test_fakes_carry_the_records_texts(collection):
    fakes = collection['fakes']
    assert fakes.MESSAGE_404['message'] == text('no_message_for_uuid')
    assert json.loads(fakes.UNPROCESSABLE_422_TEXT)['message'] == text('validation_failed')
    client = fakes.FakeMessageClient(senders=[NUMBER])
    with pytest.raises(collection['errors'].ApiError) as raised:
        list(client.delivery_reports(UNKNOWN_UUID))
    assert (raised.value.status, raised.value.api_message) == (404, text('no_message_for_uuid'))


# ---------------------------------------------------------------------------------------------- the simulator


@pytest.fixture(scope='module')
def simulator():
    with Simulator() as server:
        yield server


@pytest.fixture
def sim(simulator):
    simulator.reset(phone_numbers=[NUMBER])
    simulator.config(list_item_fields='contract')
    try:
        yield simulator
    finally:
        simulator.config(list_item_fields='full')


def answer(sim, method, path, body=None, token=True):
    response = sim.request(method, path, body=body, token=token)
    return response.status, response.json()


@pytest.mark.parametrize('version', [V5, V8])
def test_simulator_shows_the_records_fields_and_pagination_names(sim, version):
    base = '/sms/' + version
    key = API['pagination'][version]['key']
    status, body = answer(sim, 'GET', base + '/phone_numbers/' + q(NUMBER))
    assert status == 200 and set(body['phone_number']) == fields('phone_number', version)
    status, body = answer(sim, 'GET', base + '/phone_numbers')
    assert status == 200 and set(body) == {'phone_numbers', key}
    assert set(body[key]) == set(API['pagination'][version]['fields'])
    assert [set(item) for item in body['phone_numbers']] == [fields('phone_number', version, 'list_item')]
    status, body = answer(sim, 'POST', base + '/messages', body=[{'to': [RECIPIENT], 'from': NUMBER, 'text': 'hi'}])
    assert status == 202 and set(body) == {'messages', key}
    uuid = body['messages'][0]['uuid']
    status, body = answer(sim, 'GET', base + '/messages')
    assert status == 200 and set(body) == {'messages', key} and set(body[key]) == set(API['pagination'][version]['fields'])
    if version == V5:
        assert all(set(item) == fields('message', V5, 'list_item') for item in body['messages'])
        return
    assert all(set(item) == fields('message', V8, 'list_item') for item in body['messages'])
    status, body = answer(sim, 'GET', base + '/messages/uuid/' + uuid)
    assert status == 200 and set(body['message']) == fields('message')
    sim.advance_clock(60)
    status, body = answer(sim, 'GET', base + '/messages/uuid/' + uuid + '/delivery_reports')
    assert status == 200 and set(body) == {'delivery_reports', key} and body['delivery_reports']
    assert all(set(item) == fields('delivery_report', V8, 'list_item') for item in body['delivery_reports'])
    report = body['delivery_reports'][0]['uuid']
    status, body = answer(sim, 'GET', base + '/messages/uuid/' + uuid + '/delivery_reports/uuid/' + report)
    assert status == 200 and set(body['delivery_report']) == fields('delivery_report')
    status, body = answer(sim, 'DELETE', base + '/messages/uuid/' + uuid)
    assert status == 200 and set(body['message']) == fields('message')


def test_simulator_carries_the_records_texts(sim):
    base = '/sms/' + V8
    message = base + '/messages/uuid/'
    status, body = answer(sim, 'POST', base + '/messages', body=[{'to': [RECIPIENT], 'from': NUMBER, 'text': 'hi'}])
    assert status == 202
    known = body['messages'][0]['uuid']
    expected = [
        ('GET', base + '/phone_numbers/' + q(UNKNOWN_NUMBER), None, 404, text('number_not_in_system', phone_number=UNKNOWN_NUMBER)),
        ('DELETE', base + '/phone_numbers/' + q(UNKNOWN_NUMBER), None, 404, text('number_not_in_system', phone_number=UNKNOWN_NUMBER)),
        ('GET', base + '/messages/phone_number/' + q(UNKNOWN_NUMBER) + '/usage', None, 404,
         text('number_not_in_system', phone_number=UNKNOWN_NUMBER)),
        ('GET', base + '/messages/phone_number/' + q(UNKNOWN_NUMBER), None, 404, text('no_messages_for_number')),
        ('GET', message + UNKNOWN_UUID, None, 404, text('no_message_for_uuid')),
        ('DELETE', message + UNKNOWN_UUID, None, 404, text('no_message_for_uuid')),
        ('GET', message + UNKNOWN_UUID + '/delivery_reports', None, 404, text('no_message_for_uuid')),
        ('GET', message + known + '/delivery_reports/uuid/' + UNKNOWN_UUID, None, 404, text('no_delivery_report')),
        ('GET', base + '/phone_numbers/12', None, 422, text('invalid_number')),
        ('POST', base + '/phone_numbers/12', None, 422, text('invalid_number')),
        ('POST', base + '/messages', b'{not json', 400, text('bad_json')),
        ('POST', base + '/messages', [{'to': ['nonsense'], 'from': NUMBER, 'text': 'x'}], 422, text('validation_failed')),
        ('GET', '/sms/%s/no_such_route' % V5, None, 404, text('unknown_object_2022_05_01')),
        ('GET', '/no-version/blah', None, 404, text('bad_version', path='/no-version/blah', versions='%s, %s' % (V5, V8))),
    ]
    for method, path, body, status, words in expected:
        got = answer(sim, method, path, body=body)
        assert (got[0], got[1]['message']) == (status, words), (method, path)
    assert answer(sim, 'GET', base + '/phone_numbers', token=None) == (401, {'message': text('unauthorized')})
    assert answer(sim, 'GET', base + '/phone_numbers', token='wrong') == (403, {'message': text('forbidden')})
    # 2022-08-01 publishes its own wording of the generic 404 ("Not Found - ... due to ...").
    assert answer(sim, 'GET', base + '/no_such_route') == (404, {'message': text('unknown_object_2022_08_01')})
    # A create of a number already active: the published 409, an empty object.
    assert answer(sim, 'POST', base + '/phone_numbers/' + q(NUMBER)) == (409, API['bodies_without_text']['create_conflict']['body'])


# ------------------------------------------------------------------------------- the hostile server's honest mode


@pytest.fixture
def hostile():
    with HostileServer(require_token=True) as server:
        server.seed(NUMBER)
        yield server


def hostile_answer(server, method, path, token='tok-123'):
    parsed = urllib.parse.urlsplit(server.url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    try:
        connection.request(method, path, headers={'Authorization': 'Bearer ' + token} if token else {})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b'null')
    finally:
        connection.close()


def test_hostile_servers_honest_mode_follows_the_record(hostile):
    base = '/sms/%s/phone_numbers' % V8
    status, body = hostile_answer(hostile, 'GET', base + '/' + q(NUMBER))
    assert status == 200 and set(body['phone_number']) == fields('phone_number')
    status, body = hostile_answer(hostile, 'GET', base)
    key = API['pagination'][V8]['key']
    assert status == 200 and set(body) == {'phone_numbers', key}
    assert set(body[key]) <= set(API['pagination'][V8]['fields'])
    # Honest mode lists its records as they are (the full record); the published list items carry fewer fields.
    assert body['phone_numbers'] and all(set(item) in (fields('phone_number'), fields('phone_number', shape='list_item'))
                                         for item in body['phone_numbers'])
    for method in ('GET', 'DELETE'):
        assert hostile_answer(hostile, method, base + '/' + q(UNKNOWN_NUMBER)) == (
            404, {'message': text('number_not_in_system', phone_number=UNKNOWN_NUMBER)})
    assert hostile_answer(hostile, 'POST', base + '/' + q(NUMBER)) == (409, API['bodies_without_text']['create_conflict']['body'])
    status, body = hostile_answer(hostile, 'POST', base + '/' + q(UNKNOWN_NUMBER))
    assert status == 201 and set(body['phone_number']) == fields('phone_number')
    assert hostile_answer(hostile, 'GET', base, token=None) == (401, {'message': text('unauthorized')})
