# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the Invoca SMS API simulator itself, over real HTTP against started servers."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

from api_record import text  # noqa: E402
from simulator_control import PINNED_CLOCK, Simulator, SimulatorError  # noqa: E402

SERVER = os.path.join(HERE, 'invoca_simulator')
CONTROL = os.path.join(HERE, 'simulator_control.py')
WRAPPER = os.path.join(HERE, 'with_simulator.py')
V8 = '/sms/2022-08-01'
V5 = '/sms/2022-05-01'
N1 = '+18885550100'
N2 = '+18885550101'
N3 = '+18885550102'
TIMESTAMP = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$')
# The generic 404 of each version: 2022-08-01 words it its own way.
UNKNOWN_OBJECT = {V5: text('unknown_object_2022_05_01'), V8: text('unknown_object_2022_08_01')}
UNAUTHORIZED = text('unauthorized')
INVALID_NUMBER = text('invalid_number')
SORT_COLUMNS = 'phone_number, created_at, enabled_at, deleted_at, virtual_line_id'
FILTER_COLUMNS = 'phone_number, created_at, enabled_at, deleted_at, virtual_line_id, carrier_interface'
FULL_NEW = {'phone_number', 'virtual_line_id', 'network_id', 'created_at', 'deleted_at', 'carrier_interface', 'enabled_at'}
LIST_NEW = {'phone_number', 'created_at', 'deleted_at', 'carrier_interface', 'enabled_at'}
FULL_OLD = FULL_NEW | {'id'}
PAGY_KEYS = {'count', 'pages', 'page', 'items', 'in', 'from', 'to', 'prev', 'next', 'last', 'series',
             'scaffold_url', 'first_url', 'prev_url', 'page_url', 'next_url', 'last_url'}
LOG_KEYS = {'seq', 'method', 'path', 'query', 'params', 'body', 'status', 'auth', 'authorization_header_present', 'host_header',
            'operation', 'phone_number', 'applied', 'fault'}


def wait_until(predicate, timeout=10.0, what='condition'):
    """Poll a condition with a deadline (synchronisation on state, never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for %s' % what)
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def process_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8', errors='replace') as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except OSError:
        return True


def refuses_connections(url):
    host, port = url.rsplit('/', 1)[1].rsplit(':', 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return True
    return False


class KeepAlive:
    """One persistent HTTP/1.1 connection to a simulator."""

    def __init__(self, sim, timeout=10.0):
        self.sim = sim
        self.connection = http.client.HTTPConnection('127.0.0.1', sim.port, timeout=timeout)

    def call(self, method, path, body=None, token=True, headers=None):
        all_headers = dict(headers or {})
        if token is True:
            token = self.sim.token
        if token is not None:
            all_headers['Authorization'] = 'Bearer ' + token
        self.connection.request(method, path, body=body, headers=all_headers)
        answer = self.connection.getresponse()
        return answer.status, answer.read()

    def close(self):
        self.connection.close()


@pytest.fixture(scope='module')
def server():
    with Simulator(clock_start=PINNED_CLOCK) as simulator:
        yield simulator


@pytest.fixture
def sim(server):
    server.reset()
    return server


def get_json(sim, path, **kwargs):
    response = sim.request('GET', path, **kwargs)
    return response.status, response.json()


def listing(sim, query='', version=V8):
    status, body = get_json(sim, version + '/phone_numbers' + ('?' + query if query else ''))
    assert status == 200, body
    return body


# ----------------------------------------------------------------- start-up and lifetime


def test_ready_file_banner_and_health(tmp_path):
    ready = tmp_path / 'ready.json'
    process = subprocess.Popen([sys.executable, SERVER, '--port', '0', '--ready-file', str(ready)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        banner = process.stdout.readline().decode()
        wait_until(ready.exists, what='ready file')
        info = json.loads(ready.read_text())
        assert set(info) == {'url', 'port', 'pid', 'ca_path'}
        assert info['pid'] == process.pid
        assert info['ca_path'] is None
        assert info['url'] == 'http://127.0.0.1:%d' % info['port']
        assert banner.strip() == 'Invoca SMS API simulator listening on %s' % info['url']
        connection = http.client.HTTPConnection('127.0.0.1', info['port'], timeout=5)
        connection.request('GET', '/_sim/health')
        answer = connection.getresponse()
        assert (answer.status, json.loads(answer.read())) == (200, {'ok': True})
        connection.close()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        process.stdout.close()
        process.stderr.close()
    assert not ready.exists()


@pytest.mark.parametrize('host', ['0.0.0.0', '192.168.1.10', 'example.com', '::'])
def test_refuses_non_loopback_host(host):
    result = subprocess.run([sys.executable, SERVER, '--host', host, '--port', '0'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=30, check=False)
    assert result.returncode == 2
    assert b'loopback' in result.stderr


def test_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip('no IPv6')
    try:
        probe = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        probe.bind(('::1', 0))
        probe.close()
    except OSError:
        pytest.skip('::1 is not available here')
    with Simulator(host='::1') as sim:
        assert sim.url.startswith('http://[::1]:')
        assert sim.health() == {'ok': True}


def test_startup_failure_reports_stderr():
    with pytest.raises(SimulatorError) as error:
        Simulator(versions='not-a-date').start()
    assert 'versions' in str(error.value)


def test_sigterm_and_sigint_stop_cleanly():
    for signum in (signal.SIGTERM, signal.SIGINT):
        sim = Simulator().start()
        sim.process.send_signal(signum)
        assert sim.process.wait(10) == 0
        assert refuses_connections(sim.url)
        sim.stop()


def test_max_lifetime():
    sim = Simulator(max_lifetime=0.5).start()
    try:
        assert sim.process.wait(15) == 0
        assert 'max lifetime' in sim.stderr()
    finally:
        sim.stop()


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='uses /proc to see zombies')
@pytest.mark.parametrize('reap', [True, False], ids=['reaped', 'zombie'])
def test_exits_when_parent_pid_is_gone(reap):
    parent = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])
    sim = Simulator(extra_args=['--parent-pid', str(parent.pid)]).start()
    try:
        parent.kill()
        if reap:
            parent.wait()
        assert sim.process.wait(15) == 0
        assert 'parent process %d is gone' % parent.pid in sim.stderr()
    finally:
        parent.kill()
        parent.wait()
        sim.stop()


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='uses /proc to see zombies')
def test_exit_with_parent_follows_the_launching_process(tmp_path):
    # A launcher starts the simulator with --exit-with-parent and exits at once: the simulator must follow it.
    ready = tmp_path / 'ready.json'
    launcher = ('import os, subprocess, sys, time\n'
                'subprocess.Popen([sys.executable, %r, "--port", "0", "--exit-with-parent", "--ready-file", %r],'
                ' stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n'
                'deadline = time.monotonic() + 30\n'
                'while not os.path.exists(%r) and time.monotonic() < deadline:\n'
                '    time.sleep(0.01)\n') % (SERVER, str(ready), str(ready))
    subprocess.run([sys.executable, '-c', launcher], check=True, timeout=30)
    wait_until(ready.exists, what='ready file')
    pid = json.loads(ready.read_text())['pid']
    wait_until(lambda: process_gone(pid), timeout=15, what='simulator exit')


def test_token_never_on_command_line_nor_in_log(sim):
    if sys.platform.startswith('linux'):
        with open('/proc/%d/cmdline' % sim.pid, 'rb') as handle:
            assert sim.token.encode() not in handle.read()
    sim.request('GET', V8 + '/phone_numbers')
    sim.request('GET', V8 + '/phone_numbers', token='a-wrong-secret-value')
    dumped = json.dumps(sim.log()) + json.dumps(sim.config()) + json.dumps(sim.state())
    assert sim.token not in dumped
    assert 'a-wrong-secret-value' not in dumped


# ----------------------------------------------------------------------- routing and auth


def test_invalid_version_message(sim):
    status, body = get_json(sim, '/na', token=None)
    assert status == 404
    assert body == {'message': "Not Found - the request '/na' did not include a valid version. The request path must start with "
                               "'/sms/YYYY-MM-DD'. Available versions are: 2022-05-01, 2022-08-01."}
    status, body = get_json(sim, '/sms/2023-01-01/phone_numbers')
    assert status == 404 and "the request '/sms/2023-01-01/phone_numbers' did not include a valid version" in body['message']
    status, body = get_json(sim, '/version_in_the_wrong_place/sms/2022-05-01')
    assert status == 404 and 'did not include a valid version' in body['message']


def test_unknown_path_under_valid_version(sim):
    for path in (V8 + '/blah', V8 + '/phone_numbers/', V8 + '/phone_numbers/+18885550100/extra', V8 + '/', V5 + '/messages/nothing'):
        assert get_json(sim, path) == (404, {'message': UNKNOWN_OBJECT[path[:len(V8)]]}), path


def test_auth_missing_malformed_forbidden(sim):
    assert get_json(sim, V8 + '/phone_numbers', token=None) == (401, {'message': UNAUTHORIZED})
    for header in ('Basic abc', 'Bearer', 'Bearer ', 'Bearer two words', 'sim-token'):
        response = sim.request('GET', V8 + '/phone_numbers', token=None, headers={'Authorization': header})
        assert response.status == 401, header
    assert get_json(sim, V8 + '/phone_numbers', token='nope') == (403, {'message': 'Forbidden'})
    assert get_json(sim, V8 + '/phone_numbers')[0] == 200
    assert [entry['auth'] for entry in sim.log()] == ['missing'] + ['malformed'] * 5 + ['forbidden', 'valid']
    assert [entry['authorization_header_present'] for entry in sim.log()] == [False] + [True] * 7


def test_extra_tokens_and_token_file(tmp_path):
    token_file = tmp_path / 'tokens'
    token_file.write_text('first-token\nsecond-token\n')
    with Simulator(token_file=str(token_file), extra_args=['--token', 'third-token']) as sim:
        assert sim.token == 'first-token'
        for token in ('first-token', 'second-token', 'third-token'):
            assert sim.request('GET', V8 + '/phone_numbers', token=token).status == 200
        assert sim.request('GET', V8 + '/phone_numbers', token='sim-token').status == 403


def test_json_suffix_everywhere(sim):
    assert sim.request('POST', V8 + '/phone_numbers/%s.json' % N1).status == 201
    assert sim.request('GET', V8 + '/phone_numbers/%s.json' % N1).json()['phone_number']['phone_number'] == N1
    assert listing(sim, version=V8)['phone_numbers'][0]['phone_number'] == N1
    with_suffix = get_json(sim, V8 + '/phone_numbers.json')[1]
    assert with_suffix['phone_numbers'] == listing(sim)['phone_numbers']
    assert with_suffix['pagination']['first_url'] == V8 + '/phone_numbers.json?page=1'
    assert get_json(sim, V8 + '/phone_numbers/count.json') == (200, {'count': 1})
    assert sim.request('DELETE', V8 + '/phone_numbers/%s.json' % N1).status == 200
    assert sim.request('POST', V8 + '/phone_numbers.json', body={'phone_number': N2}).status == 201


def test_method_not_allowed(sim):
    for method, path in (('PUT', '/phone_numbers/' + N1), ('PATCH', '/phone_numbers/' + N1), ('DELETE', '/phone_numbers'),
                         ('PUT', '/phone_numbers')):
        response = sim.request(method, V8 + path)
        assert (response.status, response.json()) == (405, {'message': 'Method Not Allowed'}), (method, path)
    response = sim.request('HEAD', V8 + '/phone_numbers/' + N1)
    assert response.status == 405 and response.body == b''


# ------------------------------------------------------------------------ phone numbers


@pytest.mark.parametrize('segment', ['abc', '+0123456789', '+123456', '18885550100', '+1888555010012345', '%252B18885550100', '+1%20888'])
def test_invalid_numbers_are_422(sim, segment):
    for method in ('GET', 'POST', 'DELETE'):
        response = sim.request(method, V8 + '/phone_numbers/' + segment)
        assert (response.status, response.json()) == (422, {'message': INVALID_NUMBER}), method
    assert sim.writes() == []


def test_get_not_found_and_percent_decoding(sim):
    assert get_json(sim, V8 + '/phone_numbers/+1234567') == (404, {'message': text('number_not_in_system', phone_number='+1234567')})
    assert sim.request('POST', V8 + '/phone_numbers/%2B18885550100').status == 201
    assert get_json(sim, V8 + '/phone_numbers/' + N1)[0] == 200
    assert get_json(sim, V8 + '/phone_numbers/%2b18885550100')[0] == 200
    entry = sim.log()[1]
    assert entry['path'] == V8 + '/phone_numbers/%2B18885550100'
    assert entry['phone_number'] == N1


def test_create_member_record_fields_and_clock(sim):
    response = sim.request('POST', V8 + '/phone_numbers/' + N1)
    assert response.status == 201
    assert response.headers['location'] == sim.url + V8 + '/phone_numbers/' + N1
    record = response.json()['phone_number']
    assert set(record) == FULL_NEW
    assert record['phone_number'] == N1
    assert record['network_id'] == 12345
    assert record['carrier_interface'] == 'bandwidth'
    assert record['deleted_at'] is None
    assert record['created_at'] == record['enabled_at'] == '2024-01-01T00:00:00.001Z'
    second = sim.request('POST', V5 + '/phone_numbers/' + N2).json()['phone_number']
    assert set(second) == FULL_OLD
    assert second['virtual_line_id'] > record['virtual_line_id']
    assert second['created_at'] > record['created_at']
    assert isinstance(second['id'], int)


def test_create_conflict_and_reenable(sim):
    first = sim.request('POST', V8 + '/phone_numbers/' + N1).json()['phone_number']
    response = sim.request('POST', V8 + '/phone_numbers/' + N1)
    assert (response.status, response.json()) == (409, {})   # the published body: an empty object
    deleted = sim.request('DELETE', V8 + '/phone_numbers/' + N1).json()['phone_number']
    assert deleted['deleted_at'] is not None and TIMESTAMP.match(deleted['deleted_at'])
    again = sim.request('POST', V8 + '/phone_numbers/' + N1)
    assert again.status == 201
    record = again.json()['phone_number']
    assert record['deleted_at'] is None
    assert record['virtual_line_id'] == first['virtual_line_id']
    assert record['created_at'] == first['created_at']
    assert record['enabled_at'] > deleted['deleted_at']
    assert [(entry['operation'], entry['status'], entry['applied']) for entry in sim.log()] == [
        ('create', 201, True), ('create', 409, False), ('delete', 200, True), ('create', 201, True)]


def test_create_collection_bodies(sim):
    response = sim.request('POST', V8 + '/phone_numbers', body={'phone_number': N1})
    assert response.status == 201 and response.json()['phone_number']['phone_number'] == N1
    form = {'Content-Type': 'application/x-www-form-urlencoded'}
    assert sim.request('POST', V8 + '/phone_numbers', body='phone_number=%2B18885550101', headers=form).status == 201
    # A form-encoded literal "+" decodes to a space, as in any form parser: the number is then invalid.
    assert sim.request('POST', V8 + '/phone_numbers', body='phone_number=+18885550102', headers=form).status == 422
    bad_body = {'message': text('not_a_hash')}
    for body in (None, '', 'not json', '"bar"', '[1, 2]'):
        response = sim.request('POST', V8 + '/phone_numbers', body=body)
        assert (response.status, response.json()) == (400, bad_body), body
    for body in ({}, {'phone_number': 'abc'}, {'phone_number': 18885550100}):
        response = sim.request('POST', V8 + '/phone_numbers', body=body)
        assert (response.status, response.json()) == (422, {'message': INVALID_NUMBER}), body
    assert [record['phone_number'] for record in sim.state()] == [N1, N2]
    assert sim.log()[0]['body'] == {'phone_number': N1}
    assert sim.log()[0]['phone_number'] == N1


def test_chunked_request_body(sim):
    connection = http.client.HTTPConnection('127.0.0.1', sim.port, timeout=5)
    body = iter([b'{"phone_number": ', b'"+18885550100"}'])
    connection.request('POST', V8 + '/phone_numbers', body=body, encode_chunked=True,
                       headers={'Authorization': 'Bearer ' + sim.token, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked'})
    answer = connection.getresponse()
    assert answer.status == 201, answer.read()
    answer.read()
    connection.close()


def test_create_path_variants(sim):
    sim.config(create_path='member')
    response = sim.request('POST', V8 + '/phone_numbers', body={'phone_number': N1})
    assert (response.status, response.json()) == (405, {'message': 'Method Not Allowed'})
    assert sim.request('POST', V8 + '/phone_numbers/' + N1).status == 201
    sim.config(create_path='collection')
    assert get_json(sim, V8 + '/phone_numbers/' + N2) == (404, {'message': text('number_not_in_system', phone_number=N2)})
    response = sim.request('POST', V8 + '/phone_numbers/' + N2)
    assert (response.status, response.json()) == (404, {'message': UNKNOWN_OBJECT[V8]})
    assert sim.request('POST', V8 + '/phone_numbers', body={'phone_number': N2}).status == 201
    sim.config(create_path='both')
    assert sim.request('POST', V8 + '/phone_numbers/' + N3).status == 201


def test_delete_semantics(sim):
    response = sim.request('DELETE', V8 + '/phone_numbers/' + N1)
    assert (response.status, response.json()) == (404, {'message': text('number_not_in_system', phone_number=N1)})
    sim.request('POST', V8 + '/phone_numbers/' + N1)
    first = sim.request('DELETE', V8 + '/phone_numbers/' + N1)
    assert first.status == 200
    record = first.json()['phone_number']
    assert set(record) == FULL_NEW and record['deleted_at'] is not None
    second = sim.request('DELETE', V8 + '/phone_numbers/' + N1)
    assert second.status == 200 and second.json() == first.json()
    got = sim.request('GET', V8 + '/phone_numbers/' + N1)
    assert got.status == 200 and got.json() == first.json()
    assert [(entry['status'], entry['applied']) for entry in sim.log() if entry['operation'] == 'delete'] == [(404, False), (200, True), (200, False)]
    assert len(sim.writes()) == 2


def test_versions_option_and_old_style_records():
    with Simulator(versions='2021-01-01,2022-08-01') as sim:
        status, body = get_json(sim, V5 + '/phone_numbers')
        assert status == 404 and body['message'].endswith('Available versions are: 2021-01-01, 2022-08-01.')
        sim.request('POST', '/sms/2021-01-01/phone_numbers/' + N1)
        body = listing(sim, version='/sms/2021-01-01')
        assert set(body['phone_numbers'][0]) == FULL_OLD and 'vars' in body['page']


# ----------------------------------------------------------------------------- listing


def test_list_shape_matches_openapi_example(sim):
    sim.seed(count=7, start='+18885550100')
    body = listing(sim, 'limit=5')
    assert list(body) == ['phone_numbers', 'pagination']
    assert len(body['phone_numbers']) == 5
    assert all(set(item) == LIST_NEW for item in body['phone_numbers'])
    page = body['pagination']
    assert set(page) == PAGY_KEYS
    base = V8 + '/phone_numbers?limit=5&page='
    assert page == {
        'scaffold_url': base + '__pagy_page__', 'first_url': base + '1', 'prev_url': base, 'page_url': base + '1',
        'next_url': base + '2', 'last_url': base + '2', 'count': 7, 'page': 1, 'items': 5, 'pages': 2, 'last': 2,
        'in': 5, 'from': 1, 'to': 5, 'prev': None, 'next': 2, 'series': ['1', 2],
    }
    last = listing(sim, 'limit=5&page=2')['pagination']
    assert (last['next'], last['next_url'], last['prev'], last['prev_url'], last['in'], last['from'], last['to'], last['series']) == (
        None, base, 1, base + '1', 2, 6, 7, [1, '2'])


def test_old_version_page_object_matches_schema_example(sim):
    sim.seed(count=22)
    body = listing(sim, 'limit=20&page=2', version=V5)
    assert list(body) == ['phone_numbers', 'page']
    assert all(set(item) == FULL_OLD for item in body['phone_numbers'])
    base = V5 + '/phone_numbers?limit=20&page='
    assert body['page'] == {
        'scaffold_url': base + '__pagy_page__', 'first_url': base + '1', 'prev_url': base + '1', 'page_url': base + '2',
        'next_url': base, 'last_url': base + '2', 'count': 22, 'page': 2, 'items': 20,
        'vars': {'page': '2', 'items': 20, 'outset': 0, 'size': [1, 4, 4, 1], 'page_param': 'page', 'params': {}, 'fragment': '',
                 'link_extra': '', 'i18n_key': 'pagy.item_name', 'cycle': False,
                 'metadata': ['scaffold_url', 'first_url', 'prev_url', 'page_url', 'next_url', 'last_url', 'count', 'page', 'items', 'vars',
                              'pages', 'last', 'in', 'from', 'to', 'prev', 'next', 'series'],
                 'count': 22},
        'pages': 2, 'last': 2, 'in': 2, 'from': 21, 'to': 22, 'prev': 1, 'next': None, 'series': [1, '2'],
    }
    assert listing(sim, 'limit=20', version=V5)['page']['vars']['page'] == 1


def test_urls_keep_other_parameters_encoded(sim):
    sim.seed(count=3)
    body = listing(sim, 'sort=created_at:desc&deleted_at%5Bempty%5D&created_at[lte]=2030-01-01+00:00:00+UTC&limit=2')
    assert body['pagination']['next_url'] == (V8 + '/phone_numbers?sort=created_at%3Adesc&deleted_at[empty]=&'
                                              'created_at[lte]=2030-01-01+00%3A00%3A00+UTC&limit=2&page=2')


def test_empty_list_and_defaults(sim):
    page = listing(sim)['pagination']
    assert (page['count'], page['pages'], page['in'], page['from'], page['to'], page['items'], page['series']) == (0, 1, 0, 0, 0, 100, ['1'])
    sim.seed(count=150)
    body = listing(sim)
    assert len(body['phone_numbers']) == 100 and body['pagination']['pages'] == 2


def test_limit_clamp_and_validation(sim):
    sim.seed(count=600)
    body = listing(sim, 'limit=1000')
    assert len(body['phone_numbers']) == 500 and body['pagination']['items'] == 500
    for value in ('0', '-1', 'abc', '1.5'):
        status, body = get_json(sim, V8 + '/phone_numbers?limit=' + value)
        assert status == 422 and body['message'] == 'The requested limit is invalid: ' + value


def test_page_beyond_last_and_invalid_page(sim):
    sim.seed(count=7)
    body = listing(sim, 'limit=5&page=3')
    assert body['phone_numbers'] == []
    page = body['pagination']
    assert (page['page'], page['next'], page['prev'], page['in'], page['series']) == (3, None, 2, 0, [1, 2])
    assert page['next_url'].endswith('page=')
    for value in ('0', 'x'):
        status, body = get_json(sim, V8 + '/phone_numbers?page=' + value)
        assert status == 422 and body['message'] == 'The requested page is invalid: ' + value


def test_series_with_gaps(sim):
    sim.seed(count=100)
    page = listing(sim, 'limit=5&page=10')['pagination']
    assert page['series'] == [1, 'gap', 6, 7, 8, 9, '10', 11, 12, 13, 14, 'gap', 20]


def test_sorting(sim):
    sim.reset(phone_numbers=[N2, N3, N1], deleted=[N3])
    assert [item['phone_number'] for item in listing(sim)['phone_numbers']] == [N2, N3, N1]
    assert [item['phone_number'] for item in listing(sim, 'sort=desc')['phone_numbers']] == [N1, N3, N2]
    assert [item['phone_number'] for item in listing(sim, 'sort=phone_number')['phone_numbers']] == [N1, N2, N3]
    assert [item['phone_number'] for item in listing(sim, 'sort=phone_number:desc')['phone_numbers']] == [N3, N2, N1]
    assert [item['phone_number'] for item in listing(sim, 'sort=virtual_line_id:desc')['phone_numbers']] == [N1, N3, N2]
    # NULL deleted_at sorts first ascending, last descending.
    assert [item['phone_number'] for item in listing(sim, 'sort=deleted_at:asc')['phone_numbers']] == [N2, N1, N3]
    assert [item['phone_number'] for item in listing(sim, 'sort=deleted_at:desc')['phone_numbers']] == [N3, N1, N2]
    assert get_json(sim, V8 + '/phone_numbers?sort=created_at:inwards') == (422, {'message': 'The requested sort is invalid: created_at inwards'})
    assert get_json(sim, V8 + '/phone_numbers?sort=gibberish') == (
        422, {'message': "The request contains unsupported sort columns: 'gibberish'. Supported columns: " + SORT_COLUMNS})
    assert get_json(sim, V8 + '/phone_numbers?sort=gibberish:asc')[0] == 422


def test_filters(sim):
    sim.reset(phone_numbers=[N1, N2, N3], deleted=[N2])
    records = {record['phone_number']: record for record in sim.state()}

    def numbers(query):
        return [item['phone_number'] for item in listing(sim, query)['phone_numbers']]

    assert numbers('') == [N1, N2, N3]
    assert numbers('phone_number[eq]=%2B18885550101') == [N2]
    assert numbers('phone_number%5Beq%5D=%2B18885550101') == [N2]
    assert numbers('phone_number[eq]=+18885550101') == []  # "+" is a space in a query value
    assert numbers('deleted_at[empty]') == [N1, N3]
    assert numbers('deleted_at[empty]=') == [N1, N3]
    assert numbers('deleted_at[empty]&phone_number[gte]=%2B18885550101') == [N3]
    created = records[N2]['created_at']
    assert numbers('created_at[gte]=' + created) == [N2, N3]
    assert numbers('created_at[lte]=' + created) == [N1, N2]
    assert numbers('created_at[gte]=%s&created_at[lte]=%s' % (created, created)) == [N2]
    assert numbers('created_at[lte]=2024-01-01+00:00:00.002+UTC') == [N1, N2]
    assert numbers('created_at[gte]=2024-01-01') == [N1, N2, N3]
    assert numbers('deleted_at[gte]=2020-01-01T00:00:00Z') == [N2]
    assert numbers('virtual_line_id[eq]=%d' % records[N3]['virtual_line_id']) == [N3]
    assert numbers('carrier_interface[eq]=bandwidth&limit=2') == [N1, N2]
    assert numbers('unrelated=1') == [N1, N2, N3]
    assert get_json(sim, V8 + '/phone_numbers?created_at[foo]=x') == (
        422, {'message': "The request contains unsupported filter operators: 'created_at foo'. Supported operators: eq, lte, gte, empty"})
    assert get_json(sim, V8 + '/phone_numbers?direction[eq]=in') == (
        422, {'message': "The request contains unsupported filter columns: 'direction'. Supported columns: " + FILTER_COLUMNS})
    status, body = get_json(sim, V8 + '/phone_numbers?created_at[gte]=yesterday')
    assert status == 422 and 'created_at gte yesterday' in body['message']


def test_virtual_line_id_filter_is_numeric(sim):
    sim.seed(count=12)
    ids = sorted(record['virtual_line_id'] for record in sim.state())
    assert len(listing(sim, 'virtual_line_id[gte]=%d' % ids[9])['phone_numbers']) == 3


def test_count_endpoint(sim):
    sim.reset(phone_numbers=[N1, N2, N3], deleted=[N2])
    assert get_json(sim, V8 + '/phone_numbers/count') == (200, {'count': 3})
    assert get_json(sim, V5 + '/phone_numbers/count.json?deleted_at[empty]') == (200, {'count': 2})
    assert get_json(sim, V8 + '/phone_numbers/count?phone_number[eq]=%2B18885550100&sort=desc&limit=1') == (200, {'count': 1})
    assert get_json(sim, V8 + '/phone_numbers/count?gibberish[eq]=1')[0] == 422
    assert sim.request('DELETE', V8 + '/phone_numbers/count').status == 422
    sim.config(count_endpoint=False)
    assert get_json(sim, V8 + '/phone_numbers/count') == (422, {'message': INVALID_NUMBER})
    assert [entry['operation'] for entry in sim.log()] == ['count', 'count', 'count', 'count', 'delete', 'get']


def test_pagination_key_override(sim):
    sim.seed(count=2)
    sim.config(pagination_key='page')
    assert list(listing(sim)) == ['phone_numbers', 'page']
    sim.config(pagination_key='pagination')
    body = listing(sim, version=V5)
    assert list(body) == ['phone_numbers', 'pagination'] and 'vars' in body['pagination']
    sim.config(pagination_key=None)
    assert list(listing(sim, version=V5)) == ['phone_numbers', 'page']


def test_cursor_pagination(sim):
    sim.seed(count=12)
    sim.config(pagination='cursor')
    seen = []
    query = 'limit=5'
    pages = 0
    while True:
        body = listing(sim, query)
        assert set(body['pagination']) == {'count', 'items', 'next_cursor'}
        assert body['pagination']['count'] == 12 and body['pagination']['items'] == 5
        seen += [item['phone_number'] for item in body['phone_numbers']]
        pages += 1
        cursor = body['pagination']['next_cursor']
        if cursor is None:
            break
        assert not cursor.isdigit()
        query = 'limit=5&cursor=' + cursor
    assert pages == 3
    assert seen == [record['phone_number'] for record in sim.state()]
    assert list(listing(sim, version=V5)) == ['phone_numbers', 'pagination']
    status, body = get_json(sim, V8 + '/phone_numbers?cursor=bm9wZQ')
    assert status == 422 and 'cursor' in body['message']


# ------------------------------------------------------------------------- control API


def test_state_reset_seed_and_log_entries(sim):
    sim.reset(phone_numbers=[N1, N2], deleted=[N3])
    assert [record['phone_number'] for record in sim.state()] == [N1, N2, N3]
    assert sim.active_numbers() == [N1, N2]
    assert sim.state()[2]['deleted_at'] is not None
    result = sim.seed(count=3, start='+15550000098')
    assert result['added'] == 3
    assert sim.active_numbers()[-3:] == ['+15550000098', '+15550000099', '+15550000100']
    sim.seed(phone_numbers=[N3])
    assert N3 in sim.active_numbers()
    with pytest.raises(SimulatorError):
        sim.seed(phone_numbers=['bogus'])
    with pytest.raises(SimulatorError):
        sim.reset(phone_numbers=['bogus'])
    sim.request('GET', V8 + '/phone_numbers?phone_number%5Beq%5D=%2B18885550100&limit=5', headers={'Host': 'example.test'})
    sim.request('POST', V8 + '/phone_numbers', body={'phone_number': '+18885550199'})
    log = sim.log()
    assert [entry['seq'] for entry in log] == [1, 2]
    assert all(set(entry) >= LOG_KEYS for entry in log)
    first = log[0]
    assert first['query'] == 'phone_number%5Beq%5D=%2B18885550100&limit=5'
    assert first['params'] == {'phone_number[eq]': [N1], 'limit': ['5']}
    assert (first['operation'], first['host_header'], first['body'], first['fault'], first['applied']) == ('list', 'example.test', None, None, False)
    assert (log[1]['operation'], log[1]['status'], log[1]['applied'], log[1]['phone_number']) == ('create', 201, True, '+18885550199')
    assert sim.writes() == [log[1]]
    sim.clear_log()
    assert sim.log() == []
    sim.health()
    sim.state()
    sim.config()
    assert sim.log() == []  # control calls are never logged


def test_peak_in_flight_counts_api_requests_answered_at_once(sim):
    sim.config(latency_ms=300)
    threads = [threading.Thread(target=listing, args=(sim,)) for dummy in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sim.peak_in_flight() == 3
    sim.clear_log()
    assert sim.peak_in_flight() == 0
    listing(sim)
    sim.health()
    assert sim.peak_in_flight() == 1   # control calls are not API requests
    sim.reset()
    assert sim.peak_in_flight() == 0


def test_reset_restores_defaults_and_clock(sim):
    sim.config(latency_ms=5, pagination='cursor', error_rate=0.5, malformed={'kind': 'html'})
    sim.request('POST', V8 + '/phone_numbers/' + N1)
    sim.reset()
    config = sim.config()
    assert (config['latency_ms'], config['pagination'], config['error_rate'], config['malformed']) == (0, 'page', 0, None)
    assert sim.request('POST', V8 + '/phone_numbers/' + N1).json()['phone_number']['created_at'] == '2024-01-01T00:00:00.001Z'


def test_config_merge_and_validation(sim):
    config = sim.config()
    assert set(config) == {'latency_ms', 'pagination_key', 'pagination', 'count_endpoint', 'create_path', 'seed', 'error_rate',
                           'error_statuses', 'rate_limit_every', 'retry_after', 'fail_numbers', 'fail_status', 'malformed',
                           'hang_seconds', 'redirect', 'faults', 'message_outcomes', 'default_outcome', 'delivery_delay_seconds',
                           'default_today_filter', 'send_page_size', 'strict_send_body', 'max_page_size', 'listing_lag_seconds',
                           'send_answer', 'list_item_fields', 'text_rewrite', 'message_list_order', 'ignore_created_at_filter'}
    assert (config['error_statuses'], config['retry_after'], config['hang_seconds'], config['create_path']) == ([500, 502, 503], 1, 60, 'both')
    merged = sim.config(fail_numbers=[N1], malformed={'kind': 'empty', 'operations': ['get']})
    assert merged['fail_numbers'] == [N1] and merged['latency_ms'] == 0
    assert merged['malformed'] == {'kind': 'empty', 'operations': ['get'], 'every': 1}
    for bad in ({'error_rate': 2}, {'pagination': 'offset'}, {'malformed': {'kind': 'weird'}}, {'no_such_key': 1},
                {'redirect': {'to': 'ftp://x'}}, {'error_statuses': []}, {'malformed': {'kind': 'html', 'operations': ['nope']}}):
        with pytest.raises(SimulatorError):
            sim.config(**bad)
    assert sim.config()['fail_numbers'] == [N1]


def test_control_cli(sim):
    sim.request('POST', V8 + '/phone_numbers/' + N1)
    sim.request('GET', V8 + '/phone_numbers')

    def cli(*args):
        result = subprocess.run([sys.executable, CONTROL] + list(args) + ['--url', sim.url], stdout=subprocess.PIPE, timeout=30, check=True)
        return json.loads(result.stdout)

    assert [record['phone_number'] for record in cli('state')['phone_numbers']] == [N1]
    assert len(cli('log')['requests']) == 2
    assert [entry['operation'] for entry in cli('writes')['requests']] == ['create']
    assert cli('config', 'latency_ms=0', 'fail_numbers=["+18885550100"]')['fail_numbers'] == [N1]
    assert cli('health') == {'ok': True}


# ---------------------------------------------------------------------- fault injection


def test_error_rate_is_deterministic_and_never_applies(sim):
    def run():
        sim.reset()
        sim.config(error_rate=0.5, seed=42)
        statuses = []
        for index in range(40):
            statuses.append(sim.request('POST', V8 + '/phone_numbers/+1555000%04d' % index).status)
        return statuses, sim.log(), sim.state()

    statuses, log, state = run()
    assert set(statuses) - {201} and 201 in statuses
    assert set(statuses) <= {201, 500, 502, 503}
    assert len(state) == statuses.count(201)
    assert all(entry['fault'] == 'error_rate' and not entry['applied'] for entry in log if entry['status'] != 201)
    assert run()[0] == statuses
    sim.reset()
    sim.config(error_rate=0.5, seed=43)
    assert [sim.request('GET', V8 + '/phone_numbers/' + N1).status for dummy in range(40)] != [404 if s == 201 else s for s in statuses]


def test_error_statuses_and_message(sim):
    sim.config(error_rate=1, error_statuses=[503])
    response = sim.request('GET', V8 + '/phone_numbers')
    assert (response.status, response.json()) == (503, {'message': 'Service Unavailable'})


def test_rate_limit_every_k(sim):
    sim.config(rate_limit_every=3, retry_after=0.2)
    answers = [sim.request('GET', V8 + '/phone_numbers') for dummy in range(6)]
    assert [answer.status for answer in answers] == [200, 200, 429, 200, 200, 429]
    assert answers[2].headers['retry-after'] == '0.2'
    assert answers[2].json() == {'message': 'Too Many Requests'}
    assert [entry['fault'] for entry in sim.log()] == [None, None, 'rate_limit', None, None, 'rate_limit']
    sim.config(rate_limit_every=1, retry_after=2)
    assert sim.request('POST', V8 + '/phone_numbers/' + N1).headers['retry-after'] == '2'
    assert sim.state() == []


def test_fail_numbers(sim):
    sim.reset(phone_numbers=[N2])
    sim.config(fail_numbers=[N1, N2], fail_status=503)
    assert sim.request('POST', V8 + '/phone_numbers/' + N1).status == 503
    assert sim.request('POST', V8 + '/phone_numbers', body={'phone_number': N1}).status == 503
    assert sim.request('DELETE', V8 + '/phone_numbers/' + N2).status == 503
    assert sim.request('GET', V8 + '/phone_numbers/' + N2).status == 200
    assert sim.request('POST', V8 + '/phone_numbers/' + N3).status == 201
    assert sim.active_numbers() == [N2, N3]
    assert [entry['fault'] for entry in sim.log()] == ['fail_numbers'] * 3 + [None, None]


MALFORMED_REQUESTS = {
    'list': ('GET', V8 + '/phone_numbers'),
    'get': ('GET', V8 + '/phone_numbers/' + N1),
    'count': ('GET', V8 + '/phone_numbers/count'),
    'create': ('POST', V8 + '/phone_numbers/' + N2),
    'delete': ('DELETE', V8 + '/phone_numbers/' + N1),
}


@pytest.mark.parametrize('operation', sorted(MALFORMED_REQUESTS))
@pytest.mark.parametrize('kind', ['html', 'empty', 'truncated', 'wrong_shape'])
def test_malformed_answers_are_not_applied(sim, kind, operation):
    sim.reset(phone_numbers=[N1])
    sim.config(malformed={'kind': kind, 'operations': [operation]})
    method, path = MALFORMED_REQUESTS[operation]
    response = sim.request(method, path)
    # A truncated answer keeps the status of the answer it was cut from.
    assert response.status == (201 if kind == 'truncated' and operation == 'create' else 200)
    if kind == 'html':
        assert response.headers['content-type'].startswith('text/html') and b'<html>' in response.body
    elif kind == 'empty':
        assert response.body == b'' and response.headers['content-length'] == '0'
    elif kind == 'truncated':
        assert int(response.headers['content-length']) == len(response.body) > 0
        with pytest.raises(ValueError):
            json.loads(response.body)
    else:
        expected = {'list': {'phone_numbers': 'oops'}, 'count': {'count': 'many'}}.get(operation, [1, 2])
        assert response.json() == expected
    assert sim.active_numbers() == [N1]
    assert sim.writes() == []
    assert sim.log()[-1]['fault'] == kind
    other = 'count' if operation != 'count' else 'list'
    assert sim.request(*MALFORMED_REQUESTS[other]).status == 200  # other operations are untouched


def test_malformed_every_nth(sim):
    sim.config(malformed={'kind': 'wrong_shape', 'operations': ['list'], 'every': 2})
    bodies = [sim.request('GET', V8 + '/phone_numbers').json() for dummy in range(4)]
    assert [isinstance(body['phone_numbers'], list) for body in bodies] == [True, False, True, False]


def test_malformed_close(sim):
    sim.config(malformed={'kind': 'close', 'operations': ['create']})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        sim.request('POST', V8 + '/phone_numbers/' + N1)
    assert sim.state() == []
    entry = sim.log()[-1]
    assert (entry['fault'], entry['status'], entry['applied']) == ('close', None, False)


def test_malformed_hang_does_not_block_other_requests(sim):
    sim.config(malformed={'kind': 'hang', 'operations': ['delete']}, hang_seconds=60)
    sim.request('POST', V8 + '/phone_numbers/' + N1)
    started = time.monotonic()
    with pytest.raises((socket.timeout, TimeoutError)):
        sim.request('DELETE', V8 + '/phone_numbers/' + N1, timeout=0.5)
    assert time.monotonic() - started < 5
    assert sim.request('GET', V8 + '/phone_numbers/' + N1).status == 200
    assert sim.active_numbers() == [N1]
    assert sim.log()[1]['fault'] == 'hang'


def test_malformed_hang_ends_in_gateway_timeout(sim):
    sim.config(malformed={'kind': 'hang', 'operations': ['get']}, hang_seconds=0.3)
    started = time.monotonic()
    response = sim.request('GET', V8 + '/phone_numbers/' + N1, timeout=10)
    assert time.monotonic() - started >= 0.3
    assert response.status == 504


def test_redirect_to_another_host_and_authorization_header(sim):
    with Simulator() as other:
        target = 'http://localhost:%d' % other.port
        sim.config(redirect={'to': target, 'operations': ['list']})
        response = sim.request('GET', V8 + '/phone_numbers?limit=5')
        assert response.status == 307
        assert response.headers['location'] == target + V8 + '/phone_numbers?limit=5'
        assert sim.log()[-1]['fault'] == 'redirect'
        assert sim.request('GET', V8 + '/phone_numbers/count').status == 200
        # A careful client follows without the credentials; the second simulator's log proves what arrived.
        connection = http.client.HTTPConnection('localhost', other.port, timeout=5)
        connection.request('GET', V8 + '/phone_numbers?limit=5')
        answer = connection.getresponse()
        answer.read()
        connection.close()
        assert answer.status == 401
        entry = other.log()[-1]
        assert entry['authorization_header_present'] is False
        assert entry['host_header'] == 'localhost:%d' % other.port
        other.request('GET', V8 + '/phone_numbers')
        assert other.log()[-1]['authorization_header_present'] is True


def test_redirect_followed_by_requests_drops_authorization(sim):
    requests = pytest.importorskip('requests')
    with Simulator() as other:
        sim.config(redirect={'to': 'http://localhost:%d' % other.port})
        session = requests.Session()
        session.trust_env = False
        response = session.get(sim.api_url() + '/phone_numbers', headers={'Authorization': 'Bearer ' + sim.token}, timeout=10)
        assert response.status_code == 401
        assert [entry['authorization_header_present'] for entry in other.log()] == [False]


def test_latency_overlaps_and_spares_control(sim):
    # A latency long enough that a loaded machine cannot blur the difference between "delayed" and "not".
    sim.config(latency_ms=1000)
    started = time.monotonic()
    sim.health()
    sim.state()
    assert time.monotonic() - started < 1.0, 'control requests must not wait the API latency'
    results = []

    def worker():
        began = time.monotonic()
        status = sim.request('GET', V8 + '/phone_numbers').status
        results.append((status, began, time.monotonic()))

    threads = [threading.Thread(target=worker) for dummy in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(status == 200 and ended - began >= 1.0 for status, began, ended in results)
    # The latency is served outside the state lock: every request was under way before the first one ended.
    assert max(began for dummy, began, ended in results) < min(ended for dummy, began, ended in results)


def test_command_line_defaults_survive_reset():
    with Simulator(token='cli-token', pagination_key='page', count_endpoint=False, create_path='member', fail_numbers=[N1, N2],
                   fail_status=502, rate_limit_every=0, retry_after='0.5', error_statuses=[500], seed=7, latency_ms=1,
                   malformed={'kind': 'wrong_shape', 'operations': ['count'], 'every': 3}, hang_seconds=2,
                   redirect={'to': 'http://localhost:1', 'operations': ['other']}) as sim:
        expected = {'pagination_key': 'page', 'count_endpoint': False, 'create_path': 'member', 'fail_numbers': [N1, N2],
                    'fail_status': 502, 'retry_after': 0.5, 'error_statuses': [500], 'seed': 7, 'latency_ms': 1, 'hang_seconds': 2,
                    'malformed': {'kind': 'wrong_shape', 'operations': ['count'], 'every': 3},
                    'redirect': {'to': 'http://localhost:1', 'operations': ['other']}}
        config = sim.config()
        assert {key: config[key] for key in expected} == expected
        sim.config(fail_numbers=[], create_path='both', malformed=None)
        sim.reset()
        config = sim.config()
        assert {key: config[key] for key in expected} == expected
        assert sim.request('POST', V8 + '/phone_numbers/' + N1).status == 502
        assert sim.request('POST', V8 + '/phone_numbers/' + N3).status == 201
        assert sim.request('POST', V8 + '/phone_numbers', body={'phone_number': N3}).status == 307  # 405 route, redirected as 'other'
        assert sim.request('GET', V8 + '/phone_numbers/count').status == 422
        assert list(listing(sim)) == ['phone_numbers', 'page']
        assert sim.request('GET', V8 + '/nothing-here').status == 307


# --------------------------------------------------------------------------------- TLS


def server_has_cryptography():
    python = os.environ.get('INVOCA_SIMULATOR_PYTHON') or sys.executable
    return subprocess.run([python, '-c', 'import cryptography'], stderr=subprocess.DEVNULL, check=False).returncode == 0


def _https_get(port, host, context, path='/_sim/health'):
    connection = http.client.HTTPSConnection(host, port, timeout=10, context=context)
    try:
        connection.request('GET', path)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize('backend', ['cryptography', 'openssl'])
def test_tls_with_generated_ca(tmp_path, backend):
    if backend == 'cryptography' and not server_has_cryptography():
        pytest.skip('the server interpreter has no cryptography package')
    elif not shutil.which('openssl'):
        pytest.skip('no openssl command')
    tls_dir = tmp_path / 'tls'
    with Simulator(tls=True, tls_dir=str(tls_dir), extra_args=['--tls-backend', backend]) as sim:
        assert sim.url.startswith('https://127.0.0.1:')
        assert sim.ca_path == str(tls_dir / 'ca.pem')
        assert {path.name for path in tls_dir.iterdir()} == {'ca.pem', 'server.pem', 'server.key'}
        assert (tls_dir / 'server.key').stat().st_mode & 0o077 == 0
        assert 'listening on %s (CA certificate: %s)' % (sim.url, sim.ca_path) in sim.stdout()
        context = ssl.create_default_context(cafile=sim.ca_path)
        for host in ('127.0.0.1', 'localhost'):
            assert _https_get(sim.port, host, context) == (200, b'{"ok":true}')
        assert sim.request('POST', V8 + '/phone_numbers/' + N1).status == 201
        assert sim.state()[0]['phone_number'] == N1
        with pytest.raises(ssl.SSLError):
            _https_get(sim.port, '127.0.0.1', ssl.create_default_context())
        assert sim.health() == {'ok': True}  # a failed handshake leaves the server serving
    # Given certificate and key instead of generating.
    with Simulator(tls_cert=str(tls_dir / 'server.pem'), tls_key=str(tls_dir / 'server.key')) as sim:
        assert sim.url.startswith('https://') and sim.ca_path is None
        context = ssl.create_default_context(cafile=str(tls_dir / 'ca.pem'))
        assert _https_get(sim.port, '127.0.0.1', context) == (200, b'{"ok":true}')


def test_tls_default_dir_is_removed_on_exit():
    sim = Simulator(tls=True).start()
    ca_dir = os.path.dirname(sim.ca_path)
    assert os.path.exists(sim.ca_path)
    sim.stop()
    assert not os.path.exists(ca_dir)


# ------------------------------------------------------------------------- wrapper


def test_with_simulator_exports_environment_and_exit_code():
    code = ('import json, os, urllib.request\n'
            'env = {key: os.environ.get(key) for key in ("INVOCA_API_URL", "INVOCA_API_TOKEN", "INVOCA_SIMULATOR_URL")}\n'
            'request = urllib.request.Request(env["INVOCA_API_URL"] + "/sms/2022-08-01/phone_numbers/%2B18885550100", method="POST",\n'
            '    headers={"Authorization": "Bearer " + env["INVOCA_API_TOKEN"]})\n'
            'opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n'
            'env["status"] = opener.open(request).status\n'
            'print(json.dumps(env))\n'
            'raise SystemExit(3)\n')
    result = subprocess.run([sys.executable, WRAPPER, '--token', 'wrapped-token', '--', sys.executable, '-c', code],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=False)
    assert result.returncode == 3, result.stderr
    env = json.loads(result.stdout)
    assert env['INVOCA_API_TOKEN'] == 'wrapped-token'
    assert env['INVOCA_API_URL'] == env['INVOCA_SIMULATOR_URL']
    assert re.match(r'^http://127\.0\.0\.1:\d+$', env['INVOCA_API_URL'])
    assert env['status'] == 201
    assert refuses_connections(env['INVOCA_API_URL'])


def test_with_simulator_usage_errors():
    assert subprocess.run([sys.executable, WRAPPER, 'echo'], stderr=subprocess.PIPE, timeout=30, check=False).returncode == 2
    result = subprocess.run([sys.executable, WRAPPER, '--', 'no-such-command-xyz'], stderr=subprocess.PIPE, timeout=60, check=False)
    assert result.returncode == 127


@pytest.mark.parametrize('how', ['ctrl-c', 'sigterm'])
def test_with_simulator_stops_simulator_on_interrupt(how):
    code = 'import os, sys, time\nprint(os.environ["INVOCA_SIMULATOR_URL"], flush=True)\ntime.sleep(120)\n'
    wrapper = subprocess.Popen([sys.executable, WRAPPER, '--', sys.executable, '-c', code], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = wrapper.stdout.readline().decode().strip()
        assert url.startswith('http://127.0.0.1:')
        assert not refuses_connections(url)
        if how == 'ctrl-c':
            os.killpg(wrapper.pid, signal.SIGINT)  # a terminal sends it to the whole foreground group
        else:
            wrapper.send_signal(signal.SIGTERM)
        status = wrapper.wait(30)
        assert status in (130, 143, 128 + signal.SIGINT, 128 + signal.SIGTERM, 1)
        assert refuses_connections(url)
    finally:
        if wrapper.poll() is None:
            os.killpg(wrapper.pid, signal.SIGKILL)
            wrapper.wait()
        wrapper.stdout.close()


# ------------------------------------------------------------- scale (not timed: the benchmark measures speed)


def test_thousand_requests_share_one_keep_alive_connection(sim):
    sim.seed(count=50)
    client = KeepAlive(sim)
    try:
        client.call('GET', V8 + '/phone_numbers/%2B15550000001')
        socket_before = client.connection.sock
        for index in range(1000):
            status, _body = client.call('GET', V8 + '/phone_numbers/%%2B155500000%02d' % (index % 50))
            assert status == 200
        assert client.connection.sock is socket_before  # one connection throughout
    finally:
        client.close()


def test_ten_thousand_records_listing(sim):
    assert sim.seed(count=10000)['active'] == 10000
    client = KeepAlive(sim)
    seen = []
    try:
        page = 1
        while page:
            status, body = client.call('GET', V8 + '/phone_numbers?limit=500&page=%d' % page)
            assert status == 200
            body = json.loads(body)
            seen += [item['phone_number'] for item in body['phone_numbers']]
            page = body['pagination']['next']
        status, body = client.call('GET', V8 + '/phone_numbers?limit=500&page=7&sort=phone_number:desc&deleted_at[empty]')
        assert status == 200 and len(json.loads(body)['phone_numbers']) == 500
    finally:
        client.close()
    assert len(seen) == len(set(seen)) == 10000


def test_timestamps_strictly_increase(sim):
    for index in range(20):
        sim.request('POST', V8 + '/phone_numbers/+1555000%04d' % index)
        if index % 3 == 0:
            sim.request('DELETE', V8 + '/phone_numbers/+1555000%04d' % index)
    stamps = []
    for record in sim.state():
        stamps += [stamp for stamp in (record['created_at'], record['deleted_at']) if stamp]
    assert all(TIMESTAMP.match(stamp) for stamp in stamps)
    assert sorted(stamps) == sorted(set(stamps))
    created = [record['created_at'] for record in sim.state()]
    assert created == sorted(created)
