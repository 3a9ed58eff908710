# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sms_phone_number against a hostile stand-in of the API, over the real Transport."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import requests

from ansible_collections.invoca.messaging.plugins.module_utils._api.retry import UNREACHABLE_AFTER
from ansible_collections.invoca.messaging.plugins.modules import sms_phone_number
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, N3, TOKEN, response
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import HttpBackend, run


def main_with(args, **kwargs):
    return run(sms_phone_number.main, args, **kwargs)


def listing(*records):
    return response(200, {'phone_numbers': list(records), 'pagination': {'count': len(records), 'next': None}})


def writes(backend):
    return [(s.method, s.path) for s in backend.sent if s.method not in ('GET', 'HEAD')]


# -- options that cannot work: one sentence, nothing sent -------------------------------------------------------

@pytest.mark.parametrize('args, words', [
    ({'api_url': 'http://[::1'}, 'is not a valid URL'),
    ({'timeout': 10 ** 7}, 'timeout must be a number of seconds from 1 to 3600'),
    ({'ca_path': '/nonexistent/ca.pem'}, "ca_path '/nonexistent/ca.pem' does not exist"),
    ({'api_token': 'tok-S3CRET\n9f2c41d7e8'}, 'control character'),
    ({'api_token': 'tok-S3CRET-9f2c41d7e8\u20ac'}, 'Latin-1'),
])
def test_options_that_cannot_work_fail_in_one_sentence_before_any_request(install_client, base_args, args, words):
    backend = install_client(HttpBackend())
    result = main_with(dict(base_args, phone_number=N1, **args))
    assert result.failed
    assert words in result['msg']
    assert 'Traceback' not in result['msg'] and 'Module failed' not in result['msg']
    assert 'S3CRET' not in json.dumps(result.result)
    assert backend.sent == []


# -- the token never shows --------------------------------------------------------------------------------------

@pytest.mark.parametrize('answer', [
    response(401, {'message': 'Unauthorized: bad token %s' % TOKEN}),
    response(422, {'message': 'Validation failed', 'errors': [{'field': 'token', 'message': 'got %s' % TOKEN[:12]}]}),
    response(403, raw='<html><head><title>Forbidden %s</title></head></html>' % TOKEN, content_type='text/html'),
    response(400, raw='token was %r' % TOKEN, content_type='text/plain'),
])
def test_a_server_echoing_the_token_never_gets_it_shown(install_client, base_args, answer):
    install_client(HttpBackend([answer]))
    result = main_with(dict(base_args, phone_number=N1))
    assert result.failed
    shown = json.dumps(result.result, default=repr)
    for piece in (TOKEN, TOKEN[:8], TOKEN[4:12], TOKEN[-8:]):
        assert piece not in shown


# -- server data checked before it drives a write ---------------------------------------------------------------

@pytest.mark.parametrize('written', ['+1 888-555-0100', '18885550100', '+18885550100 '])
def test_exclusive_keeps_a_desired_number_the_listing_writes_in_another_form(install_client, base_args, written):
    deleted = {'phone_number': N3, 'virtual_line_id': 3, 'deleted_at': '2026-01-02T00:00:00.000Z'}

    def handler(sent):
        if sent.method == 'GET':
            return listing({'phone_number': written, 'virtual_line_id': 1, 'deleted_at': None},
                           {'phone_number': N2, 'virtual_line_id': 2, 'deleted_at': None})
        if sent.method == 'DELETE':
            return response(200, {'phone_number': dict(deleted, phone_number=N2)})
        raise AssertionError('unexpected %r' % (sent,))

    backend = install_client(HttpBackend(handler=handler))
    result = main_with(dict(base_args, phone_numbers=[N1], exclusive=True))
    assert not result.failed, result['msg']
    assert writes(backend) == [('DELETE', '/sms/2022-08-01/phone_numbers/%2B18885550101')]


@pytest.mark.parametrize('bad', [{'phone_number': '../count'}, {'phone_number': ''}, 'x', {'virtual_line_id': 9}])
def test_a_listing_record_without_a_usable_number_fails_the_task_before_any_write(install_client, base_args, bad):
    backend = install_client(HttpBackend(handler=lambda sent: listing(
        {'phone_number': N2, 'deleted_at': None}, bad)))
    result = main_with(dict(base_args, phone_numbers=[N1], exclusive=True))
    assert result.failed
    assert 'the server sent a record' in result['msg']
    assert writes(backend) == []


@pytest.mark.parametrize('status', [301, 302, 307, 308])
def test_a_redirected_create_fails_naming_the_redirect(install_client, base_args, status):
    def handler(sent):
        if sent.method == 'GET':
            return response(404, {'message': 'Not Found - the requested phone number, +18885550100, is not in the '
                                             'system'})
        return response(status, raw='', headers={'Location': 'https://elsewhere.example.test/p'})

    backend = install_client(HttpBackend(handler=handler))
    result = main_with(dict(base_args, phone_number=N1))
    assert result.failed
    assert 'redirect' in result['msg'] and 'https://elsewhere.example.test/p' in result['msg']
    assert writes(backend) == [('POST', '/sms/2022-08-01/phone_numbers/%2B18885550100')]


def test_state_absent_against_a_gateway_404_fails_instead_of_reporting_ok(install_client, base_args):
    install_client(HttpBackend(handler=lambda sent: response(404, {'message': 'Not Found'})))
    result = main_with(dict(base_args, phone_number=N1, state='absent'))
    assert result.failed
    assert 'HTTP 404' in result['msg']


@pytest.mark.parametrize('failure', [RuntimeError('a bug met by a hostile answer'), ValueError('bad Location'),
                                     UnicodeDecodeError('utf-8', b'\xff', 0, 1, 'invalid start byte')])
def test_any_exception_during_the_writes_ends_cleanly_listing_what_was_already_done(install_client, base_args,
                                                                                    failure):
    def handler(sent):
        if sent.method == 'GET':
            return listing({'phone_number': N3, 'virtual_line_id': 3, 'deleted_at': None})
        if sent.method == 'POST' and sent.path.endswith('%2B18885550100'):
            return response(201, {'phone_number': {'phone_number': N1, 'virtual_line_id': 1, 'deleted_at': None}})
        if sent.method == 'POST':
            raise failure
        return response(200, {'phone_number': {'phone_number': N3, 'virtual_line_id': 3,
                                               'deleted_at': '2026-01-02T00:00:00.000Z'}})

    install_client(HttpBackend(handler=handler))
    # max_retries=0: repeated failed exchanges would (rightly) trip the unreachable circuit before the delete.
    result = main_with(dict(base_args, phone_numbers=[N1, N2], exclusive=True, concurrency=1, max_retries=0))
    assert result.failed
    assert result['created'] == [N1]
    assert result['deleted'] == [N3]
    assert [f['phone_number'] for f in result['failures']] == [N2]
    assert 'Traceback' not in json.dumps(result.result)


@pytest.mark.parametrize('concurrency', [1, 4])
def test_a_server_that_never_answers_a_write_costs_a_bounded_number_of_requests(install_client, base_args,
                                                                                concurrency):
    numbers = ['+1888555%04d' % i for i in range(20)]

    def handler(sent):
        if sent.method == 'GET':
            return listing()
        return requests.exceptions.ReadTimeout('read timed out')

    backend = install_client(HttpBackend(handler=handler))
    result = main_with(dict(base_args, phone_numbers=numbers, concurrency=concurrency))
    assert result.failed
    assert result['created'] == []
    # A few timeouts trip the circuit; the rest are listed as not attempted, not each timed out in turn.
    assert len(writes(backend)) <= UNREACHABLE_AFTER + concurrency
    not_attempted = result['not_attempted']['create']
    assert sorted([f['phone_number'] for f in result['failures']] + not_attempted) == numbers
    assert result['summary']['not_attempted'] == len(not_attempted)
    assert len(not_attempted) + sum('not attempted' in f['message'] or 'not sent' in f['message']
                                    for f in result['failures']) >= 20 - (UNREACHABLE_AFTER + concurrency)
    assert '%d were not attempted' % len(not_attempted) in result['msg'] and 'no answer' in result['msg']
