# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_api/failures.py: what a failed exchange proves and says (an exception no one
foresaw, a name that does not resolve, a resolver that did not answer, a refused connection)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.http import _WatchedHTTPSConnection
from ansible_collections.invoca.messaging.plugins.module_utils._api.retry import NOT_SAFE_TO_RESEND
from ansible_collections.invoca.messaging.tests.unit.fakes import TOKEN, Harness

PATH = '/sms/2022-08-01/phone_numbers'


class Surprise(Exception):
    """An exception no one foresaw, raised while a request was under way."""


@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_any_exception_during_an_exchange_is_reported_as_a_failed_request(method):
    harness = Harness([Surprise('something odd, echoing %s' % TOKEN)])
    with pytest.raises(ApiError) as caught:
        harness.transport.request(method, PATH)
    assert caught.value.kind == 'transport'
    assert 'Surprise' in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert caught.value.may_have_applied is (method == 'POST')
    # Not retried: asking again would meet the same surprise.
    assert len(harness.sent) == 1


# Name resolution: a name that does not resolve proves the request was never sent.
HOST = 'sms.example.invalid'


def connection_error(inner_error):
    """What requests raises: ConnectionError(MaxRetryError(pool, url, reason=<urllib3's error>))."""
    return requests.exceptions.ConnectionError(MaxRetryError(None, '/sms/2022-08-01/phone_numbers', reason=inner_error))


def unresolved(errno=socket.EAI_NONAME, text='Name or service not known'):
    conn = _WatchedHTTPSConnection(HOST, 443)
    gaierror = socket.gaierror(errno, text)
    try:
        raise NameResolutionError(HOST, conn, gaierror) from gaierror
    except NameResolutionError as exc:
        return connection_error(exc)


def refused():
    conn = _WatchedHTTPSConnection(HOST, 443)
    return connection_error(NewConnectionError(conn, 'Failed to establish a new connection: [Errno 111] Connection '
                                                     'refused'))


def failing(*errors, **kwargs):
    harness = Harness(list(errors), api_url='https://%s' % HOST, max_retries=3, **kwargs)
    with pytest.raises(ApiError) as caught:
        harness.transport.request('GET', harness.transport.path('phone_numbers'))
    return harness, caught.value


def test_a_name_that_does_not_resolve_is_not_retried_and_is_named():
    harness, error = failing(unresolved(), unresolved())
    assert len(harness.sent) == 1, 'a name that does not exist was asked for again'
    assert harness.sleep.total == 0
    text = str(error)
    assert 'the host name %s does not resolve (Name or service not known)' % HOST in text, text
    assert 'Check api_url (or INVOCA_API_URL)' in text, text
    assert '_Watched' not in text and 'Connection(' not in text and 'object at 0x' not in text, text
    assert error.kind == 'transport' and not error.may_have_applied
    assert harness.transport.retry_summary() is None


def test_a_send_to_a_name_that_does_not_resolve_is_not_applied():
    harness = Harness([unresolved()], api_url='https://%s' % HOST, max_retries=3)
    with pytest.raises(ApiError) as caught:
        harness.transport.request('POST', harness.transport.path('messages'), body={'text': 'hi'},
                                  policy=NOT_SAFE_TO_RESEND)
    assert caught.value.may_have_applied is False
    assert len(harness.sent) == 1


def test_a_resolver_that_did_not_answer_is_retried_and_the_host_named():
    harness, error = failing(*[unresolved(socket.EAI_AGAIN, 'Temporary failure in name resolution')] * 4)
    assert len(harness.sent) == 4
    text = str(error)
    assert 'the host name %s could not be resolved (Temporary failure in name resolution)' % HOST in text, text
    assert '_Watched' not in text and 'Connection(' not in text, text


def test_other_connection_failures_lose_the_connection_class_too():
    harness, error = failing(*[refused()] * 4)
    assert len(harness.sent) == 4, 'a refused connection is still retried'
    text = str(error)
    assert 'Failed to establish a new connection: [Errno 111] Connection refused' in text, text
    assert '_Watched' not in text and 'Connection(' not in text, text
