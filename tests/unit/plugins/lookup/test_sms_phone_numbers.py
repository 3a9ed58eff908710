# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The lookup invoca.messaging.sms_phone_numbers: the modules' options and fallbacks, its answers, its errors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible.errors import AnsibleLookupError

from ansible_collections.invoca.messaging.plugins.doc_fragments.api import ModuleDocFragment
from ansible_collections.invoca.messaging.plugins.lookup import sms_phone_numbers as lookup
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.plugins.module_utils._sms_module import api_argument_spec
from ansible_collections.invoca.messaging.tests.unit.fakes import API_URL, TOKEN, FakeSession, response

ENV = ('INVOCA_API_TOKEN', 'INVOCA_API_URL', 'INVOCA_API_VERSION', 'INVOCA_VALIDATE_CERTS', 'INVOCA_CA_PATH')


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def record(number, deleted_at=None):
    return {'phone_number': number, 'created_at': '2022-03-14T20:30:12.000Z', 'enabled_at': None,
            'deleted_at': deleted_at, 'carrier_interface': 'bandwidth'}


def page(records):
    pagination = {'page': 1, 'pages': 1, 'last': 1, 'count': len(records), 'next': None, 'prev': None}
    return response(200, {'phone_numbers': records, 'pagination': pagination})


class Plugin(lookup.LookupModule):
    """The lookup with its documented options set as ansible-core would, without a collection loader."""

    def set_options(self, task_keys=None, var_options=None, direct=None):
        options = dict(include_deleted=False, filters=None, sort=None)
        options.update(direct or {})
        self._options = options

    def get_option(self, option, hostvars=None):
        return self._options[option]


@pytest.fixture
def session(monkeypatch):
    records = [record('+18885550100'), record('+18885550109', '2022-04-01T00:00:00.000Z'), record('+18885550101'),
               record('+18885550100', '2022-02-01T00:00:00.000Z')]
    # Page 1 holds every record; a page asked past it (a listing may check that it has ended) is empty.
    fake = FakeSession(handler=lambda sent: page(records if sent.url.endswith('page=1') or 'page=' not in sent.url
                                                 else []))
    monkeypatch.setattr(lookup, 'Transport', lambda **kwargs: Transport(session=fake, sleep=lambda s: None, **kwargs))
    return fake


def test_the_connection_options_are_the_modules_with_their_fallbacks(monkeypatch):
    assert lookup.connection_options({'api_token': TOKEN}) == dict(
        (name, spec.get('default')) for name, spec in api_argument_spec().items()) | {'api_token': TOKEN}
    monkeypatch.setenv('INVOCA_API_TOKEN', 'from-the-environment')
    monkeypatch.setenv('INVOCA_API_URL', API_URL)
    monkeypatch.setenv('INVOCA_VALIDATE_CERTS', 'no')
    options = lookup.connection_options({})
    assert options['api_token'] == 'from-the-environment' and options['api_url'] == API_URL
    assert options['validate_certs'] is False
    assert lookup.connection_options({'api_url': 'https://other.example'})['api_url'] == 'https://other.example'


def test_the_lookup_documents_the_modules_options():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    assert sorted(documented) == sorted(api_argument_spec())
    own = yaml.safe_load(lookup.DOCUMENTATION)
    assert 'invoca.messaging.api' in own['extends_documentation_fragment']
    # module_defaults does not reach a lookup: the action group is documented for modules only.
    assert 'invoca.messaging.api.module' not in own['extends_documentation_fragment']
    assert 'attributes' not in yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
    assert 'action_group' in yaml.safe_load(ModuleDocFragment.MODULE)['attributes']


def test_it_returns_one_list_of_the_active_numbers_once_each(session):
    assert Plugin().run([], api_token=TOKEN, api_url=API_URL) == [['+18885550100', '+18885550101']]
    assert 'deleted_at[empty]' in session.sent[0].url


def test_include_deleted_filters_and_sort_go_to_the_query(session):
    numbers = Plugin().run([], api_token=TOKEN, api_url=API_URL, include_deleted=True, sort='created_at:desc',
                           filters={'phone_number': {'gte': '+1 888 555 0100'}})
    # The soft-deleted older record of +18885550100 does not list it twice.
    assert numbers == [['+18885550100', '+18885550109', '+18885550101']]
    url = session.sent[0].url
    assert 'deleted_at' not in url and 'sort=created_at:desc' in url and 'phone_number[gte]=%2B18885550100' in url, url


@pytest.mark.parametrize('kwargs, words', [
    ({}, 'api_token is empty: set the api_token option or the INVOCA_API_TOKEN environment variable'),
    ({'api_token': TOKEN, 'api_url': 'http://example.com'}, 'uses plain http to a host that is not this machine'),
    ({'api_token': TOKEN, 'api_url': API_URL, 'sort': 'created_at;drop'}, "sort is 'created_at;drop'"),
    ({'api_token': TOKEN, 'timeout': 'soon'}, 'timeout'),
])
def test_bad_options_fail_before_any_request(kwargs, words):
    with pytest.raises(AnsibleLookupError) as caught:
        Plugin().run([], **kwargs)
    assert words in str(caught.value)
    assert str(caught.value).startswith('invoca.messaging.sms_phone_numbers')


def test_an_api_error_is_the_modules_message_and_never_holds_the_token(monkeypatch):
    echo = response(403, {'message': 'token %s has no access' % TOKEN})
    fake = FakeSession([echo])
    monkeypatch.setattr(lookup, 'Transport', lambda **kwargs: Transport(session=fake, sleep=lambda s: None, **kwargs))
    with pytest.raises(AnsibleLookupError) as caught:
        Plugin().run([], api_token=TOKEN, api_url=API_URL)
    text = str(caught.value)
    assert 'The Invoca API rejected the API token' in text and TOKEN not in text, text
    assert caught.value.__cause__ is None


def test_terms_are_refused():
    with pytest.raises(AnsibleLookupError, match='takes no terms'):
        Plugin().run(['+18885550100'], api_token=TOKEN)
