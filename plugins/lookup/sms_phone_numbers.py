# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: sms_phone_numbers
short_description: The SMS-enabled phone numbers of an Invoca network, as a list of E.164 strings
version_added: 2.0.0
description:
  - Returns the active SMS numbers of the network as a list of E.164 strings such as V(+18885550100), in the
    order the API lists them (or the order O(sort) asks for). A number is listed once.
  - Reads them as M(invoca.messaging.sms_phone_number_info) does, with the same API client (every page, the same
    checks and retries); use that module for the records themselves (dates, carrier) or a count.
  - C(lookup('invoca.messaging.sms_phone_numbers')) returns the list itself (for C(loop), C(in), C(length)).
    C(query()) wraps it in one more list, as it does with every lookup that returns one value.
  - Takes no terms. Runs on the controller, so C(module_defaults) does not reach it; the API options are keyword
    arguments, or else the environment variables that the modules read too.
  - A failure (a rejected token, an unknown API version, an unreachable server) fails the task with the same
    message a module gives, never with the token in it.
author:
  - Invoca Messaging Collection Maintainers (@invoca)
extends_documentation_fragment:
  - invoca.messaging.api
options:
  include_deleted:
    description:
      - Also return the numbers whose record is soft-deleted (C(deleted_at) set).
    type: bool
    default: false
  filters:
    description:
      - Filters on record fields, as in M(invoca.messaging.sms_phone_number_info), a dictionary of field name to a
        dictionary of operator (V(eq), V(lte), V(gte), V(empty)) to value.
      - 'For example C(filters={"created_at": {"gte": "2022-11-01T00:00:00.000Z"}}).'
      - A filter on C(deleted_at) returns soft-deleted numbers too, as O(include_deleted=true) does.
    type: dict
  sort:
    description:
      - Sort order, as C(field:asc) or C(field:desc) (one field only), for example V(created_at:desc).
    type: str
seealso:
  - module: invoca.messaging.sms_phone_number_info
  - module: invoca.messaging.sms_phone_number
"""

EXAMPLES = r"""
- name: Print the network's SMS numbers (the token and URL come from INVOCA_API_TOKEN and INVOCA_API_URL)
  ansible.builtin.debug:
    msg: "{{ lookup('invoca.messaging.sms_phone_numbers') }}"

- name: Fail unless the support line is SMS-enabled
  ansible.builtin.assert:
    that: "'+18885550100' in lookup('invoca.messaging.sms_phone_numbers')"

- name: One task per number
  ansible.builtin.debug:
    msg: "{{ item }} is SMS-enabled"
  loop: "{{ lookup('invoca.messaging.sms_phone_numbers') }}"

- name: The numbers created in November 2022, newest first, soft-deleted ones too
  ansible.builtin.debug:
    msg: "{{ lookup('invoca.messaging.sms_phone_numbers', include_deleted=true, sort='created_at:desc',
             filters={'created_at': {'gte': '2022-11-01T00:00:00.000Z', 'lte': '2022-11-30T23:59:59.999Z'}}) }}"

- name: Another network, its token from a vaulted variable
  ansible.builtin.debug:
    msg: "{{ lookup('invoca.messaging.sms_phone_numbers', api_token=other_network_token) | length }} numbers"
  vars:
    other_network_token: "{{ lookup('ansible.builtin.env', 'INVOCA_API_TOKEN') }}"
"""

RETURN = r"""
_raw:
  description:
    - One element, the list of the numbers in E.164 form. C(lookup()) returns that list; C(query()) returns the
      one-element list.
  type: list
  elements: list
  sample: [["+18885550100", "+18885550101"]]
"""

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError, ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.query import InvalidQuery, wants_deleted
from ansible_collections.invoca.messaging.plugins.module_utils._api.redaction import Redactor
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.client import PhoneNumberClient
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import is_active
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.query import number_query
from ansible_collections.invoca.messaging.plugins.module_utils._sms_module import (
    api_argument_spec,
    describe_api_error,
    retry_warning,
)
from ansible_collections.invoca.messaging.plugins.module_utils._workers import PAGE_READ_CONCURRENCY

display = Display()

NAME = 'invoca.messaging.sms_phone_numbers'


def connection_options(given):
    """The API options as a module gets them: ``given`` (keyword arguments), else the environment variable of each,
    else its default, converted and checked by the modules' own argument spec (api_argument_spec)."""
    result = ArgumentSpecValidator(api_argument_spec()).validate(given)
    if result.error_messages:
        # The token is no_log in that spec; the validator's messages name options, not values, but are redacted too.
        raise AnsibleLookupError('%s: %s' % (NAME, Redactor(given.get('api_token')).redact(
            '; '.join(result.error_messages))))
    return result.validated_parameters


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError('%s takes no terms, got %d; select numbers with filters=..., for example '
                                     "filters={'phone_number': {'eq': '+18885550100'}}" % (NAME, len(terms)))
        api_names = set(api_argument_spec())
        given = dict((name, value) for name, value in kwargs.items() if name in api_names)
        self.set_options(var_options=variables, direct=dict((k, v) for k, v in kwargs.items() if k not in api_names))
        unknown = sorted(set(kwargs) - api_names - set(self._options or ()))
        if unknown:
            raise AnsibleLookupError('%s: unknown option(s) %s' % (NAME, ', '.join(unknown)))
        params = connection_options(given)
        redactor = Redactor(params.get('api_token'))
        try:
            return [self._numbers(params)]
        except AnsibleLookupError as exc:
            raise AnsibleLookupError(redactor.redact(str(exc))) from None
        except ApiError as exc:
            raise AnsibleLookupError(redactor.redact('%s: %s' % (NAME, describe_api_error(exc, params)))) from None
        except (ApiConfigError, InvalidQuery) as exc:
            raise AnsibleLookupError(redactor.redact('%s: %s' % (NAME, exc))) from None
        except Exception as exc:  # pylint: disable=broad-except
            # Whatever no one foresaw is still reported without the token (a traceback could quote it).
            raise AnsibleLookupError(redactor.redact('%s failed unexpectedly: %s: %s'
                                                     % (NAME, type(exc).__name__, exc))) from None

    def _numbers(self, params):
        filters, sort = self.get_option('filters'), self.get_option('sort')
        include_deleted = self.get_option('include_deleted')
        query = number_query(filters, sort, include_deleted)
        transport = Transport(api_token=params['api_token'], api_url=params['api_url'],
                              api_version=params['api_version'], validate_certs=params['validate_certs'],
                              ca_path=params['ca_path'], timeout=params['timeout'], max_retries=params['max_retries'],
                              pool_size=PAGE_READ_CONCURRENCY)
        try:
            keep_deleted = wants_deleted(filters, include_deleted)
            numbers, seen = [], set()
            for record in PhoneNumberClient(transport).listing(query):
                number = record['phone_number']
                if (keep_deleted or is_active(record)) and number not in seen:
                    seen.add(number)
                    numbers.append(number)
            return numbers
        finally:
            warning = retry_warning(transport.retry_summary())
            if warning:
                display.warning('%s: %s' % (NAME, transport.redact(warning)))
            transport.close()
