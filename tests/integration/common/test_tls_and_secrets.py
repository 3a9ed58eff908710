# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token never shows and never travels where it should not: TLS, plain http, redirects, failures.

The runner (conftest.AnsibleRunner) already fails any run whose output (-vvvv, invocation injected) or task
results hold a token it knows of. These tests add the paths where a token is most likely to slip out: a
rejected token, a connection error, the messages of failed writes, a registered result printed with debug,
and a redirect to another host.

Ansible replaces a no_log value with ******** wherever it finds it in a module's result, so a module that
put the token in a message would show ******** there instead of failing the plain search: the tests also
look for that mask outside the invocation.
"""

from __future__ import annotations

import json
import socket

import pytest

from conftest import TOKEN, TRACEBACK, AnsibleRunner, assert_clean_failure
from simulator_control import Simulator

WRONG_TOKEN = 'itest-wrong-token-0f7c2a9e51d84b3c'
MASK = '********'


def closed_port_url():
    """A loopback URL on which nothing listens (the port was free a moment ago and is not bound again)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    return 'http://127.0.0.1:%d' % port


def without_invocation(result):
    return dict((key, value) for key, value in result.items() if key != 'invocation')


def assert_no_token(result, *tokens):
    text = json.dumps(result)
    for token in tokens:
        assert token not in text
    assert MASK not in json.dumps(without_invocation(result)), \
        'Ansible masked a token in the result, so the module put it there: %s' % text
    invocation = result.get('invocation', {}).get('module_args', {})
    if 'api_token' in invocation:
        assert invocation['api_token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


@pytest.mark.core_sensitive
def test_tokens_stay_out_of_failures_messages_and_printed_results(ansible, sim):
    failing_number = '+18885550500'
    sim.config(fail_numbers=[failing_number], fail_status=500)
    run = ansible.playbook('token_never_shown.yml', {'closed_port_url': closed_port_url(), 'failing_number': failing_number},
                           env={'INVOCA_WRONG_TOKEN': WRONG_TOKEN}, secrets=(WRONG_TOKEN,))
    assert run.rc == 0, run.output[-4000:]
    for secret in (TOKEN, WRONG_TOKEN):
        assert secret not in run.output

    forbidden_list = run.task('List with a token the API does not know')
    assert 'HTTP 403' in forbidden_list['msg'] and forbidden_list['error']['status'] == 403
    forbidden_create = run.task('Create with a token the API does not know')
    assert 'HTTP 403' in forbidden_create['msg']
    unreachable = run.task('List from a port nothing listens on')
    assert 'no answer' in unreachable['msg'] and unreachable['error']['kind'] == 'transport'
    refused = run.task('Create a number the API refuses')
    assert [f['phone_number'] for f in refused['failures']] == [failing_number]
    assert 'HTTP 500' in refused['msg']

    for result in (forbidden_list, forbidden_create, unreachable, refused):
        assert_no_token(result, TOKEN, WRONG_TOKEN)
        assert TRACEBACK not in json.dumps(result)
        for part in ('msg', 'warnings', 'deprecations', 'error', 'failures', 'exception'):
            assert MASK not in json.dumps(result.get(part)), part
    printed = run.task('Show every registered result')['results']
    assert len(printed) == 4
    for entry in printed:
        assert_no_token(entry['item'], TOKEN, WRONG_TOKEN)
    # The wrong token did reach the API (so the 403 path was taken), but was never stored by the simulator.
    assert [e['auth'] for e in sim.log() if e['operation'] in ('list', 'get')][:2] == ['forbidden', 'forbidden']


@pytest.mark.core_sensitive
def test_wrong_token_from_the_environment_is_never_printed(ansible, sim):
    run = ansible.module('sms_phone_number', {'phone_numbers': ['+18885550501', '+18885550502']},
                         env={'INVOCA_API_TOKEN': WRONG_TOKEN})
    assert run.rc != 0
    assert WRONG_TOKEN not in run.output
    assert 'HTTP 403' in run.result['msg'] and 'api_token' in run.result['msg']
    assert_no_token(run.result, WRONG_TOKEN)
    assert sim.writes() == []


@pytest.fixture(scope='module')
def tls_simulator():
    with Simulator(token=TOKEN, tls=True) as server:
        yield server


def test_certificate_is_verified_and_plain_http_to_another_host_is_refused(collections_path, tls_simulator, tmp_path):
    tls_simulator.reset()
    runner = AnsibleRunner(collections_path, tls_simulator, tmp_path)
    assert runner.env()['INVOCA_API_URL'].startswith('https://')
    run = runner.playbook('tls_certificate_verified.yml', {'ca_file': tls_simulator.ca_path})
    assert run.rc == 0, run.output[-4000:]

    untrusted = run.task('List with the default options, which do not trust the test CA')['msg']
    assert 'certificate' in untrusted.lower() and 'ca_path' in untrusted, untrusted
    assert TRACEBACK not in untrusted
    assert run.task('List without verifying the certificate')['count'] == 0
    assert run.task('List trusting the test CA')['count'] == 0
    clear_text = run.task('Refuse plain http to another host')['msg']
    assert 'http://example.invalid' in clear_text and 'clear text' in clear_text, clear_text

    # Only the two trusting runs got as far as a request: the untrusted one stopped at the TLS handshake.
    assert [(e['operation'], e['auth']) for e in tls_simulator.log()] == [('list', 'valid'), ('list', 'valid')]


def test_https_to_a_plain_http_port_says_the_server_is_not_speaking_tls(ansible, sim):
    """A URL that says https for a server that answers plain HTTP: the message names that, not certificates."""
    url = 'https://127.0.0.1:%d' % sim.port
    run = ansible.module('sms_phone_number_info', {'api_url': url, 'count_only': True})
    assert run.rc != 0
    result = run.result
    assert_clean_failure(result)
    msg = result['msg']
    assert 'not speaking TLS on that port' in msg and url in msg, msg
    assert 'http://' in msg, 'the message should say the URL may need http://: %s' % msg
    assert 'ca_path' not in msg and 'validate_certs' not in msg, 'no CA setting can help here: %s' % msg
    assert 'attempts' not in msg, 'a server that does not speak TLS is not asked again: %s' % msg
    assert_no_token(result, TOKEN)
    # The handshake never became an API request.
    assert [e for e in sim.log() if e['operation'] != 'other'] == []


def test_redirect_to_another_host_does_not_carry_the_token(ansible, sim):
    present, absent = '+18885550600', '+18885550601'
    sim.reset(phone_numbers=[present])
    with Simulator(token=TOKEN) as other:
        # Another host name for the same machine: the client must treat it as another host.
        target = 'http://localhost:%d' % other.port
        run = ansible.playbook('redirect_not_followed.yml', {'redirect_to': target, 'present_number': present,
                                                             'absent_number': absent})
        assert run.rc == 0, run.output[-4000:]
        reached = other.log()
        created_elsewhere = other.state()
    redirected = [e for e in sim.log() if e['fault'] == 'redirect']
    assert sorted(e['operation'] for e in redirected) == ['count', 'create', 'delete', 'get', 'list']
    assert all(e['authorization_header_present'] for e in redirected), 'the token was sent to the API itself'

    # Reads follow the redirect without the token; writes are never redirected (nor turned into a GET).
    assert sorted(e['operation'] for e in reached) == ['count', 'get', 'list']
    for entry in reached:
        assert entry['authorization_header_present'] is False, 'the token followed the redirect: %s' % entry
        assert entry['host_header'].startswith('localhost:')
    # The other host refused the reads that came without a token, and the tasks name the redirect.
    for task in ('List through the redirect', 'Get through the redirect', 'Count through the redirect'):
        msg = run.task(task)['msg']
        assert 'HTTP 401' in msg and 'redirected' in msg and target in msg, '%s: %s' % (task, msg)
    for task in ('Create through the redirect', 'Delete through the redirect'):
        result = run.task(task)
        assert 'redirect' in json.dumps(result['failures']) and target in json.dumps(result['failures']), result
    assert sim.active_numbers() == [present] and created_elsewhere == []
