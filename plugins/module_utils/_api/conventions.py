# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every resource of the Invoca SMS API shares: the query encoding, the all-time date filter, and
the API's own "not found" answers.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from urllib.parse import quote

_UNKNOWN_VERSION = re.compile(r'did not include a valid version', re.IGNORECASE)
_AVAILABLE_VERSIONS = re.compile(r'Available versions are:\s*(.+?)\.?\s*$', re.IGNORECASE)


def encode_query(params):
    """Encode (key, value) pairs the way the API documents them.

    Keys are written with their brackets (``created_at[lte]``; urllib3 percent-encodes the brackets on the wire,
    which the server decodes back); values are fully percent-encoded, so the ``+`` of an E.164 number travels
    as ``%2B`` and no value can smuggle in another parameter. A value of None sends the bare key, as the
    ``empty`` filter operator is written (``deleted_at[empty]``).
    """
    parts = []
    for key, value in params:
        key = quote(str(key), safe='[]_')
        parts.append(key if value is None else '%s=%s' % (key, quote(str(value), safe=':')))
    return '&'.join(parts)


# The API overview says responses are filtered to records created today unless the request filters created_at.
# A listing that silently covered one day would make a reconciliation recreate (or, with exclusive, keep) numbers
# it did not see, or a lookup miss a sent message, so every listing sends an explicit lower bound over all time.
EPOCH = '1970-01-01T00:00:00.000Z'
ALL_TIME = ('created_at[gte]', EPOCH)


def covering_all_time(query):
    """``query`` as a list, with the ALL_TIME filter first unless it already filters on created_at."""
    query = list(query)
    if any(str(key).startswith('created_at[') for key, _value in query):
        return query
    return [ALL_TIME] + query


# The API's own 404 texts (the 2022-08-01 contract and the 2022-05-01 schema alike). Only these mean "no such thing":
# a gateway's bare "Not Found", an HTML page or a wrong URL never does.
NOT_IN_SYSTEM = re.compile(r'is not in the system', re.IGNORECASE)
# 2022-05-01's generic text, which is also its answer to an unknown route.
UNKNOWN_OBJECT = re.compile(r'object identifier being unknown to SMS Messaging', re.IGNORECASE)
NO_MESSAGES_FOR_NUMBER = re.compile(r'could not find any messages for the requested phone number', re.IGNORECASE)
NO_MESSAGE_FOR_UUID = re.compile(r'could not find any messages for the requested uuid', re.IGNORECASE)
NO_DELIVERY_REPORT = re.compile(r'could not find any delivery reports for the requested delivery report uuid',
                                re.IGNORECASE)


def is_api_not_found(error, words):
    """Whether ``error`` is the API's own 404 in ``words``: never a 404 without them, nor one after a redirect
    (the answer is then another server's, or another path's, whatever its words)."""
    return (error.status == 404 and error.kind == 'http' and bool(error.api_message) and not error.redirected_to
            and words.search(error.api_message) is not None)
