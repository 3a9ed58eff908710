# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes mean what they say, against the hostile server.

A redirected write fails (and names the redirect) instead of landing elsewhere or turning into a GET; an
exception during the writes still ends in a result that lists what was done; a server that contradicts itself
does not get a number reported created or deleted; a 404 means "absent" only in the API's own words; and an
HTTP 500 on a phone-number write is retried.
"""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure
from hostile_fixtures import assert_no_crash
from hostile_server import NOT_FOUND_TEXT, record

PATH = r'/phone_numbers/\+%s$'


def number_path(number):
    return PATH % number.lstrip('+')


def failure_of(result, number):
    found = [f for f in result.get('failures', []) if f.get('phone_number') == number]
    assert found, 'no failure listed for %s: %s' % (number, result)
    return found[0]


# -- redirects --------------------------------------------------------------------------------------------------

def assert_each_redirect_named_and_not_followed(run, targets, done_key, other_origin, what):
    """The task failed cleanly; each write's failure names its redirect; none is in ``done_key``; none was followed."""
    assert_no_crash(run)
    assert run.failed, 'redirected %s were reported done: %s' % (what, run.result)
    assert_clean_failure(run.result)
    for number, target in targets.items():
        message = failure_of(run.result, number)['message']
        assert 'redirect' in message.lower() and target in message, (
            'the failure of %s does not name the redirect to %s: %s' % (number, target, message))
        assert number not in run.result[done_key]
    assert other_origin.requests() == [], 'a write followed a redirect: %s' % other_origin.requests()


def test_redirected_create_fails_and_names_the_redirect(hostile, other_origin, hostile_ansible):
    # The other origin accepts anything without a token: a write that lands there "succeeds" somewhere else.
    other_origin.require_token = False
    targets = {}
    for index, status in enumerate((301, 302, 303, 307, 308)):
        number = '+1888555030%d' % index
        targets[number] = '%s/elsewhere/create-%d' % (other_origin.url, status)
        hostile.on('POST', number_path(number), action='redirect', status=status, location=targets[number])
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': sorted(targets), 'concurrency': 1})
    assert_each_redirect_named_and_not_followed(run, targets, 'created', other_origin, 'creates')


def test_redirected_delete_fails_and_names_the_redirect(hostile, other_origin, hostile_ansible):
    other_origin.require_token = False
    targets = {}
    for index, status in enumerate((301, 302, 307, 308)):
        number = '+1888555031%d' % index
        hostile.seed(number)
        targets[number] = '%s/elsewhere/delete-%d' % (other_origin.url, status)
        hostile.on('DELETE', number_path(number), action='redirect', status=status, location=targets[number])
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': sorted(targets), 'state': 'absent',
                                                      'concurrency': 1})
    assert_each_redirect_named_and_not_followed(run, targets, 'deleted', other_origin, 'deletes')
    assert hostile.active() == sorted(targets)


def test_read_redirected_to_another_origin_names_the_redirect_not_the_token(hostile, other_origin, hostile_ansible):
    number = '+18885550320'
    target = '%s/moved/phone_number' % other_origin.url
    hostile.on('GET', number_path(number), action='redirect', status=302, location=target)
    run = hostile_ansible.module('sms_phone_number_info', {'phone_number': number})
    assert run.failed
    assert_clean_failure(run.result)
    # Following the redirect is allowed (reads may), sending the token along is not.
    assert not any(e['has_auth'] for e in other_origin.requests()), 'the token went to another origin'
    assert 'redirect' in run.result['msg'].lower(), (
        'the error after a redirect does not say there was one: %s' % run.result['msg'])


@pytest.mark.parametrize('form', ['single', 'list'])
def test_404_in_the_api_words_after_a_redirect_is_not_absent(hostile, other_origin, hostile_ansible, form):
    # The number is active here; its GET is redirected to another origin, which answers 404 in the API's exact
    # words. That is not the API's answer about the number: state=absent must fail, not report it absent.
    number = '+18885550323'
    hostile.seed(number)
    target = '%s/moved/phone_number' % other_origin.url
    hostile.on('GET', number_path(number), action='redirect', status=302, location=target)
    other_origin.on('GET', r'.*', status=404, body={'message': NOT_FOUND_TEXT.format(number)})
    args = {'phone_number': number} if form == 'single' else {'phone_numbers': [number]}
    run = hostile_ansible.module('sms_phone_number', dict(args, state='absent'))
    assert_no_crash(run)
    assert run.failed, 'a 404 after a redirect was taken for "absent": %s' % run.result
    assert_clean_failure(run.result)
    assert 'redirect' in run.result['msg'].lower() and target in run.result['msg'], run.result['msg']
    assert not hostile.writes()
    assert other_origin.requests(), 'the redirect was not followed: the test proves nothing'


def test_read_redirect_within_the_api_is_still_followed(hostile, hostile_ansible):
    number = '+18885550321'
    hostile.seed(number)
    hostile.on('GET', number_path(number), nth=1, action='redirect', status=301,
               location='%s/sms/2022-08-01/phone_numbers/%%2B%s' % (hostile.url, number.lstrip('+')))
    run = hostile_ansible.module('sms_phone_number_info', {'phone_number': number})
    assert not run.failed, run.result
    assert [r['phone_number'] for r in run.result['phone_numbers']] == [number]


def test_endless_read_redirects_stop_after_five(hostile, hostile_ansible):
    number = '+18885550322'
    hostile.on('GET', number_path(number), action='redirect', status=302,
               location='%s/sms/2022-08-01/phone_numbers/%%2B%s' % (hostile.url, number.lstrip('+')))
    run = hostile_ansible.module('sms_phone_number_info', {'phone_number': number, 'max_retries': 0})
    assert run.failed
    assert_clean_failure(run.result)
    assert 'redirect' in run.result['msg'].lower(), run.result['msg']
    assert len(hostile.requests('GET')) <= 6, 'more than 5 redirects were followed: %d' % len(hostile.requests('GET'))


# -- no exception escapes a write ---------------------------------------------------------------------------------

def test_exception_during_writes_ends_in_a_result_listing_what_was_done(hostile, hostile_ansible):
    kept_1, bad_location, kept_2, bad_gzip = '+18885550330', '+18885550331', '+18885550332', '+18885550333'
    to_delete_bad, to_delete_ok = '+18885550334', '+18885550335'
    hostile.seed(to_delete_bad, to_delete_ok)
    # A Location that is not a URL, on a create and on a delete; a gzip body that does not decompress.
    hostile.on('POST', number_path(bad_location), action='redirect', status=302, location='http://[::1')
    hostile.on('DELETE', number_path(to_delete_bad), action='redirect', status=307, location='http://[::1/x')
    hostile.on('POST', number_path(bad_gzip), status=422, body=b'this is not gzip at all',
               headers={'Content-Encoding': 'gzip', 'Content-Type': 'application/json'})
    run = hostile_ansible.module('sms_phone_number', {
        'phone_numbers': [kept_1, bad_location, kept_2, bad_gzip], 'exclusive': True, 'concurrency': 1})
    assert_no_crash(run)
    assert run.failed
    assert_clean_failure(run.result)
    assert sorted(run.result['created']) == [kept_1, kept_2], run.result
    assert run.result['deleted'] == [to_delete_ok], run.result
    assert {f['phone_number'] for f in run.result['failures']} == {bad_location, bad_gzip, to_delete_bad}
    assert hostile.active() == sorted([kept_1, kept_2, to_delete_bad])


# -- contradictions ---------------------------------------------------------------------------------------------

def test_create_contradicted_by_the_server_is_a_failure_not_created(hostile, hostile_ansible):
    conflict_but_absent, other_number, fine = '+18885550340', '+18885550341', '+18885550342'
    # 409 "already exists", but the GET that follows says 404 (the honest part of the server holds nothing).
    hostile.on('POST', number_path(conflict_but_absent), status=409,
               body={'message': 'Conflict - the phone number, %s, already exists' % conflict_but_absent})
    # 201 with the record of another number.
    hostile.on('POST', number_path(other_number), status=201, body={'phone_number': record('+18885550399')})
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': [conflict_but_absent, other_number, fine],
                                                      'concurrency': 1})
    assert_no_crash(run)
    assert run.failed, 'contradictory answers were taken for success: %s' % run.result
    assert_clean_failure(run.result)
    assert run.result['created'] == [fine], run.result
    for number in (conflict_but_absent, other_number):
        found = failure_of(run.result, number)
        assert found['action'] == 'create'
        assert 'contradict' in found['message'], found


def test_delete_contradicted_by_the_server_is_a_failure_not_deleted(hostile, hostile_ansible):
    not_found_but_active, not_soft_deleted, fine = '+18885550350', '+18885550351', '+18885550352'
    hostile.seed(not_found_but_active, not_soft_deleted, fine)
    # 404 in the API's own words, yet the number stays active (the GET that follows says so).
    hostile.on('DELETE', number_path(not_found_but_active), status=404,
               body={'message': NOT_FOUND_TEXT.format(not_found_but_active)})
    # 200 whose record is still active.
    hostile.on('DELETE', number_path(not_soft_deleted), status=200, body={'phone_number': record(not_soft_deleted)})
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': [not_found_but_active, not_soft_deleted, fine],
                                                      'state': 'absent', 'concurrency': 1})
    assert_no_crash(run)
    assert run.failed, 'contradictory answers were taken for success: %s' % run.result
    assert_clean_failure(run.result)
    assert run.result['deleted'] == [fine], run.result
    for number in (not_found_but_active, not_soft_deleted):
        found = failure_of(run.result, number)
        assert found['action'] == 'delete'
        assert 'contradict' in found['message'], found


# -- what a 404 means -------------------------------------------------------------------------------------------

NOT_THE_API = {
    'bare-json': dict(status=404, body={'message': 'Not Found'}),
    'html': dict(status=404, body='<html><body><h1>404 Not Found</h1></body></html>',
                 headers={'Content-Type': 'text/html'}),
}


@pytest.mark.parametrize('answer', sorted(NOT_THE_API))
def test_404_not_in_the_api_words_is_an_error_for_state_absent(hostile, hostile_ansible, answer):
    number = '+18885550360'
    hostile.on('*', r'.*', **NOT_THE_API[answer])
    run = hostile_ansible.module('sms_phone_number', {'phone_number': number, 'state': 'absent'})
    assert run.failed, 'a 404 that is not the API speaking was taken for "absent": %s' % run.result
    assert_clean_failure(run.result)
    assert not hostile.writes()


@pytest.mark.parametrize('form', ['single', 'list'])
def test_state_absent_against_a_wrong_url_fails(hostile, hostile_ansible, form):
    # Nothing is served under this prefix: the honest server answers {"message": "Not Found"} for every path.
    args = {'api_url': hostile.url + '/not-the-api', 'state': 'absent'}
    if form == 'single':
        args['phone_number'] = '+18885550361'
    else:
        args['phone_numbers'] = ['+18885550362', '+18885550363']
    run = hostile_ansible.module('sms_phone_number', args)
    assert run.failed, 'state=absent against a URL that is not the API reported: %s' % run.result
    assert_clean_failure(run.result)


def test_404_in_the_api_words_means_absent(hostile, hostile_ansible):
    run = hostile_ansible.module('sms_phone_number', {'phone_number': '+18885550364', 'state': 'absent'})
    assert not run.failed, run.result
    assert run.result['changed'] is False
    assert not hostile.writes()


def test_delete_answered_404_in_gateway_words_is_not_deleted(hostile, hostile_ansible):
    number = '+18885550365'
    hostile.seed(number)
    hostile.on('DELETE', number_path(number), status=404, body={'message': 'Not Found'})
    run = hostile_ansible.module('sms_phone_number', {'phone_number': number, 'state': 'absent'})
    assert run.failed, 'a gateway 404 on DELETE was taken for "already absent": %s' % run.result
    assert_clean_failure(run.result)
    assert run.result['deleted'] == []


# -- 500 is retried ---------------------------------------------------------------------------------------------

def test_500_on_a_write_is_retried(hostile, hostile_ansible):
    to_create, to_delete = '+18885550370', '+18885550371'
    hostile.seed(to_delete)
    hostile.on('POST', number_path(to_create), nth=1, status=500, body={'message': 'Internal Server Error'})
    hostile.on('DELETE', number_path(to_delete), nth=1, status=500, body={'message': 'Internal Server Error'})
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': [to_create], 'exclusive': True})
    assert not run.failed, 'an HTTP 500 on a write was not retried: %s' % run.result
    assert run.result['created'] == [to_create] and run.result['deleted'] == [to_delete]
    assert len(hostile.requests('POST', number_path(to_create))) == 2
    assert len(hostile.requests('DELETE', number_path(to_delete))) == 2
    assert hostile.active() == [to_create]
