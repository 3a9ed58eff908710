# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Ansible side of the API options: their argument spec, the client they configure, readable failures.

Internal use only: not a public API of the collection, and it may change in any release.

Documented once in plugins/doc_fragments/api.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys
import traceback
import typing as t

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_CORE_VERSION
from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.common.validation import check_required_if

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError
from ansible_collections.invoca.messaging.plugins.module_utils._api.listing import MAX_PAGE_SIZE
from ansible_collections.invoca.messaging.plugins.module_utils._api.redaction import Redactor
from ansible_collections.invoca.messaging.plugins.module_utils._api.requests_import import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.invoca.messaging.plugins.module_utils._api.settings import DEFAULT_API_URL, DEFAULT_API_VERSION
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.client import PhoneNumberClient
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import is_yaml_number
from ansible_collections.invoca.messaging.plugins.module_utils._workers import MAX_CONCURRENCY, PAGE_READ_CONCURRENCY


# ansible-core 2.19 and later put the pending exception into a failed result, formatted with its message and the
# messages of its causes, when error tracebacks are enabled (earlier versions add the frames only, at -vvv). Those
# messages may quote a server, and a server may echo the token: such a traceback is given to it redacted.
def formats_pending_exception():
    """Whether this ansible-core formats the pending exception into a failed result (2.19 and later)."""
    # Read when a task fails, not on import; by version, not by fail_json's signature, which tests may replace.
    try:
        return tuple(int(part) for part in ANSIBLE_CORE_VERSION.split('.')[:2]) >= (2, 19)
    except ValueError:
        return False


def api_argument_spec():
    """The options of the invoca.messaging.api doc fragment."""
    return dict(
        # Not required=True: AnsibleModule would report it before an unknown option, and without naming the variable.
        api_token=dict(type='str', no_log=True, fallback=(env_fallback, ['INVOCA_API_TOKEN'])),
        api_url=dict(type='str', default=DEFAULT_API_URL, fallback=(env_fallback, ['INVOCA_API_URL'])),
        api_version=dict(type='str', default=DEFAULT_API_VERSION, fallback=(env_fallback, ['INVOCA_API_VERSION'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['INVOCA_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['INVOCA_CA_PATH'])),
        timeout=dict(type='int', default=30),
        max_retries=dict(type='int', default=3),
    )


def listing_argument_spec():
    """The options of the invoca.messaging.listing doc fragment."""
    return dict(
        limit=dict(type='int', default=MAX_PAGE_SIZE),
        max_records=dict(type='int'),
        concurrency=dict(type='int', default=PAGE_READ_CONCURRENCY),
    )


def listing_option_problem(params):
    """What is wrong with the listing options, as a sentence, or None."""
    if not 1 <= params['limit'] <= MAX_PAGE_SIZE:
        return 'limit must be between 1 and %d, got %d' % (MAX_PAGE_SIZE, params['limit'])
    if params['max_records'] is not None and params['max_records'] < 1:
        return 'max_records must be 1 or more, got %d' % params['max_records']
    return None


def describe_api_error(error, params):
    """A sentence a person can act on, for an ApiError met while talking to the API configured by ``params``."""
    where = '%s (API version %s)' % (params['api_url'], params['api_version'])
    if error.kind == 'version':
        offered = ', '.join(error.available_versions) or 'none listed'
        return ('The Invoca API at %s does not offer API version %s; the server offers: %s. Set api_version '
                '(or INVOCA_API_VERSION) to one of those.' % (params['api_url'], params['api_version'], offered))
    if error.redirected_to and error.status in (401, 403):
        return ('The Invoca API at %s redirected %s %s to %s, which answered HTTP %s. The token is sent only to the '
                'server of api_url, never to where a redirect points: check api_url.'
                % (params['api_url'], error.method, error.path, error.redirected_to, error.status))
    if error.status == 401:
        return ('The Invoca API rejected the API token as missing or malformed (HTTP 401 on %s %s). Check api_token '
                'or INVOCA_API_TOKEN.' % (error.method, error.path))
    if error.status == 403:
        return ('The Invoca API rejected the API token: it has no access to the SMS phone numbers at %s '
                '(HTTP 403 Forbidden on %s %s). Check that api_token (or INVOCA_API_TOKEN) is the right token for '
                'this network.' % (where, error.method, error.path))
    return 'Invoca API request failed at %s: %s' % (where, error)


def retry_warning(summary):
    """The warning for a transport's retry_summary(), or None when nothing was retried."""
    if not summary:
        return None
    causes = summary['causes']
    statuses = sorted((cause for cause in causes if cause.isdigit()), key=int)
    parts = ['%s x%d' % (cause, causes[cause]) for cause in statuses + sorted(set(causes) - set(statuses))]
    if statuses:
        parts[0] = 'HTTP ' + parts[0]
    return '%d request(s) were retried (%s), waiting %.1f s in all' % (
        summary['retries'], ', '.join(parts), summary['waited'])


class SmsApiModule(AnsibleModule):
    """AnsibleModule with the shared API options added to the module's own.

    Every result, failure and warning passes through one Redactor of the API token, so that no form of it (a
    server may echo it, cut off or escaped) reaches the output at any verbosity; both exits report retries.

    ``required_one_of`` and ``required_if`` (in AnsibleModule's format: ``(key, value, requirements[, is_one_of])``)
    are checked here, after AnsibleModule's own validation, and not passed to AnsibleModule: there they are checked
    before unknown options, so a typo such as phone_nubmers was reported as "one of the following is required" (or
    to_nubmers as "state is present but all of the following are missing: to_numbers") instead of by its name.
    """

    # Until the options are parsed, nothing is known to redact (and no_log covers the token's own value).
    redactor = Redactor(None)

    def __init__(self, argument_spec, required_one_of=(), required_if=(), **kwargs):
        spec = api_argument_spec()
        spec.update(argument_spec)
        self._transports = []
        super(SmsApiModule, self).__init__(argument_spec=spec, **kwargs)
        self.redactor = Redactor(self.params.get('api_token'))
        for names in required_one_of:
            if all(name not in self.raw_params for name in names):
                self.fail_json(msg='one of the following is required: %s' % ', '.join(names))
        if required_if:
            try:
                check_required_if(required_if, self._given_params())
            except TypeError as exc:
                self.fail_json(msg=str(exc))
        if 'concurrency' in self.params and not 1 <= self.params['concurrency'] <= MAX_CONCURRENCY:
            self.fail_json(msg='concurrency must be between 1 and %d, got %d'
                               % (MAX_CONCURRENCY, self.params['concurrency']))
        if not self.params['api_token']:
            self.fail_json(msg='No API token: set the api_token option (for example with module_defaults for '
                               'group/invoca.messaging.sms) or the INVOCA_API_TOKEN environment variable')
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)

    def _load_params(self):
        super(SmsApiModule, self)._load_params()
        # The options as the task gave them, before type conversion turned a YAML integer into a string.
        self.raw_params = dict(self.params)

    def as_given(self, option, value):
        """``value`` (of ``option`` or an alias) as the task wrote it, if YAML made it a number.

        An unquoted +18885550100 is an integer to YAML, which the str type then converts silently to
        '18885550100': given the integer instead, the phone number normalisers say to quote it.
        """
        raw = self._raw(option)
        return raw if is_yaml_number(raw) else value

    def members_as_given(self, option, values):
        """``as_given`` of every member of the list ``values`` of ``option`` (the task's list is looked up once)."""
        raw = self._raw(option)
        raw = raw if isinstance(raw, list) else []
        return [raw[index] if index < len(raw) and is_yaml_number(raw[index]) else value
                for index, value in enumerate(values)]

    def _raw(self, option):
        names = [option] + list(self.argument_spec.get(option, {}).get('aliases') or ())
        return next((self.raw_params[name] for name in names if name in self.raw_params), None)

    def _given_params(self):
        """The options as AnsibleModule's own checks see them: given by the task, or set by a default or fallback.

        An option the task left out and that has no default is absent (not None), as in AnsibleModule's
        required_if; an option the task set to null explicitly is present, as there.
        """
        return dict((name, value) for name, value in self.params.items()
                    if value is not None or name in self.raw_params)

    def _warn_retries(self):
        for transport in getattr(self, '_transports', ()):
            warning = retry_warning(transport.retry_summary())
            if warning:
                self.warn(warning)
        self._transports = []

    # Both exits report the retries, so that no task, successful or not, hides that the API needed them.
    def exit_json(self, **kwargs) -> t.NoReturn:
        self._warn_retries()
        super(SmsApiModule, self).exit_json(**self.redactor.redact_data(kwargs))

    def fail_json(self, msg, **kwargs) -> t.NoReturn:
        self._warn_retries()
        if 'exception' not in kwargs and sys.exc_info()[1] is not None and formats_pending_exception():
            # Used by ansible-core only when error tracebacks are enabled, like the one it would have formatted.
            kwargs['exception'] = ''.join(traceback.format_exception(*sys.exc_info()))
        super(SmsApiModule, self).fail_json(msg=self.redactor.redact(msg), **self.redactor.redact_data(kwargs))

    def warn(self, warning):
        super(SmsApiModule, self).warn(self.redactor.redact(warning))

    def transport(self, pool_size=1):
        """A Transport for these options; fails the task, before any request, if they cannot work."""
        for option in ('timeout', 'max_retries'):
            minimum = 1 if option == 'timeout' else 0
            if self.params[option] < minimum:
                self.fail_json(msg='%s must be %d or more, got %d' % (option, minimum, self.params[option]))
        try:
            transport = Transport(
                api_token=self.params['api_token'],
                api_url=self.params['api_url'],
                api_version=self.params['api_version'],
                validate_certs=self.params['validate_certs'],
                ca_path=self.params['ca_path'],
                timeout=self.params['timeout'],
                max_retries=self.params['max_retries'],
                pool_size=pool_size,
            )
        except ApiConfigError as exc:
            self.fail_json(msg=str(exc))
        self._transports.append(transport)
        return transport

    def phone_number_client(self, pool_size=1):
        """A PhoneNumberClient on a Transport for these options."""
        return PhoneNumberClient(self.transport(pool_size))

    def fail_api(self, error, **result) -> t.NoReturn:
        """Fail with a readable message and whatever the task had already done (``result``)."""
        self.fail_json(msg=describe_api_error(error, self.params), error=error.to_dict(), **result)
