# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What goes wrong talking to the API: ApiConfigError (settings), ApiError (a request), and short safe excerpts.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import unquote


class ApiConfigError(ValueError):
    """Settings that cannot work (bad URL, token, timeout, CA path, version); raised before any request."""


class ApiError(Exception):
    """A request that did not give a usable answer.

    ``kind`` says which way it went wrong: ``http`` (an error status), ``transport`` (no answer: connection, TLS
    or timeout), ``malformed`` (an answer that cannot be read or holds data that cannot be true), ``version``
    (the server does not offer the API version asked for), ``pagination`` (the pages do not add up),
    ``redirect`` (a write answered with a redirect), ``unreachable`` (not sent: the server stopped answering),
    ``budget`` (not retried: the task's retry budget is spent), ``contradiction`` (the server's answers
    contradict each other), ``not_attempted`` and ``unexpected``.

    ``may_have_applied`` is True when a write may have reached the server although no success was seen.
    """

    def __init__(self, method, path, detail, status=None, kind='http', api_message=None, errors=None,
                 available_versions=None, may_have_applied=False, redirected_to=None):
        self.method = method
        # As a person would write it: +18885550100, not %2B18885550100.
        self.path = unquote(path) if path else path
        self.detail = detail
        self.status = status
        self.kind = kind
        self.api_message = api_message
        self.errors = errors or []
        self.available_versions = available_versions or []
        self.may_have_applied = may_have_applied
        self.redirected_to = redirected_to
        # Set by the transport only: the request provably never left (a refused connection), or asking again
        # cannot help (a certificate problem, an oversized answer).
        self.never_sent = False
        self.final = False
        self.silent = False
        self.cause = 'connection error'
        super(ApiError, self).__init__(self.__str__())

    def __str__(self):
        status = ' answered HTTP %s' % self.status if self.status is not None else ''
        return '%s %s%s: %s' % (self.method, self.path, status, self.detail)

    def to_dict(self):
        """What a module can return about this error; never holds credentials."""
        return {'method': self.method, 'path': self.path, 'status': self.status, 'kind': self.kind,
                'message': self.api_message or self.detail}
