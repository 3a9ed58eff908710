# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hostile server does what the hostile-server tests rely on: each hostile answer, the honest API, the log.

Plain HTTP from this process (http.client, no redirects followed), no Ansible; a few seconds in all.
"""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest

from hostile_server import BOMB_SIZE, HostileServer, gunzip_size

PREFIX = '/sms/2022-08-01/phone_numbers'


@pytest.fixture
def server():
    with HostileServer() as running:
        yield running


def call(server, method, path, token='tok-123', timeout=10, body=None):
    """(status, headers, body bytes) of one request on a new connection."""
    host, port = server.url[len('http://'):].split(':')
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {'Authorization': 'Bearer %s' % token} if token else {}
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_honest_api_creates_gets_lists_and_soft_deletes(server):
    number = '%2B18885550100'
    assert call(server, 'GET', PREFIX + '/' + number)[0] == 404
    assert call(server, 'POST', PREFIX + '/' + number)[0] == 201
    assert call(server, 'POST', PREFIX + '/' + number)[0] == 409
    status, _headers, body = call(server, 'GET', PREFIX + '?limit=500')
    assert status == 200
    listing = json.loads(body)
    assert [r['phone_number'] for r in listing['phone_numbers']] == ['+18885550100']
    assert listing['pagination']['count'] == 1 and listing['pagination']['next'] is None
    status, _headers, body = call(server, 'DELETE', PREFIX + '/' + number)
    assert status == 200 and json.loads(body)['phone_number']['deleted_at']
    status, _headers, body = call(server, 'DELETE', PREFIX + '/' + number)
    assert status == 404 and 'is not in the system' in json.loads(body)['message']
    assert server.active() == []
    assert [e['method'] for e in server.writes()] == ['POST', 'POST', 'DELETE', 'DELETE']


def test_paths_outside_the_api_answer_a_bare_404(server):
    status, _headers, body = call(server, 'GET', '/wrong' + PREFIX)
    assert status == 404 and json.loads(body) == {'message': 'Not Found'}


def test_rules_match_in_order_with_nth_and_times(server):
    server.on('GET', r'/count$', nth=2, status=500, body={'message': 'second'})
    server.on('GET', r'/count$', times=1, status=503, body={'message': 'first'})
    assert call(server, 'GET', PREFIX + '/count')[0] == 503
    assert call(server, 'GET', PREFIX + '/count')[0] == 500
    assert call(server, 'GET', PREFIX + '/count')[0] == 200


def test_redirect_and_log_of_authorization(server):
    server.on('POST', r'/x$', action='redirect', status=307, location='http://127.0.0.1:1/elsewhere')
    status, headers, _body = call(server, 'POST', '/x')
    assert status == 307 and headers['Location'] == 'http://127.0.0.1:1/elsewhere'
    call(server, 'GET', '/y', token=None)
    assert [e['has_auth'] for e in server.requests()] == [True, False]


@pytest.mark.parametrize('form', ['json', 'errors', 'errors_text', 'html', 'text'])
def test_echo_token_puts_the_token_in_the_error_body(server, form):
    server.on('GET', r'.*', action='echo_token', form=form)
    status, _headers, body = call(server, 'GET', '/z', token='secret-token-value')
    assert status == 422 and b'secret-token-value' in body


def test_echo_token_parts(server):
    server.on('GET', r'/prefix', action='echo_token', part='prefix8')
    server.on('GET', r'/collapsed', action='echo_token', part='collapsed')
    body = call(server, 'GET', '/prefix', token='abcdefghijkl')[2]
    assert json.loads(body)['message'].endswith(' abcdefgh')
    body = call(server, 'GET', '/collapsed', token='abc  def')[2]
    assert json.loads(body)['message'].endswith(' abc def')


def test_gzip_bomb_expands_to_200_mib(server):
    server.on('GET', r'.*', action='gzip_bomb')
    _status, headers, body = call(server, 'GET', '/bomb')
    assert headers['Content-Encoding'] == 'gzip'
    assert len(body) < 1024 * 1024
    assert gunzip_size(body) == BOMB_SIZE


def test_huge_announces_100_mib(server):
    server.on('GET', r'.*', action='huge')
    host, port = server.url[len('http://'):].split(':')
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request('GET', '/huge')
    response = connection.getresponse()
    assert int(response.getheader('Content-Length')) == 100 * 1024 * 1024
    assert len(response.read(1024 * 1024)) == 1024 * 1024
    connection.close()


def test_trickle_sends_one_byte_a_second(server):
    server.on('GET', r'.*', action='trickle', length=3)
    started = time.monotonic()
    _status, _headers, body = call(server, 'GET', '/slow')
    assert len(body) == 3 and time.monotonic() - started >= 2.5


def test_trickle_of_the_headers(server):
    server.on('GET', r'.*', action='trickle', length=3, part='headers')
    started = time.monotonic()
    status, _headers, body = call(server, 'GET', '/slow')
    assert status == 200 and len(body) == 3 and time.monotonic() - started >= 2.5


def test_close_and_hang_answer_nothing(server):
    server.on('GET', r'/close', action='close')
    server.on('GET', r'/hang', action='hang', seconds=30)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        call(server, 'GET', '/close')
    with pytest.raises(socket.timeout):
        call(server, 'GET', '/hang', timeout=1)


def test_rate_limit_answers_429_beyond_the_limit(server):
    server.rate_limit = 3
    statuses = [call(server, 'GET', PREFIX + '/count')[0] for dummy in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
