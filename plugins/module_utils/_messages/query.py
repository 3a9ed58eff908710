# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The query of a message listing: the generic filters and sort, with the phone numbers of from and to in E.164.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.invoca.messaging.plugins.module_utils._api.query import InvalidQuery, list_query
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import (
    InvalidPhoneNumber,
    is_yaml_number,
    normalize_phone_number,
)

# The fields of a message that hold a phone number: a filter on them is normalised like the numbers themselves.
NUMBER_FIELDS = ('from', 'to')


def message_query(filters, sort, include_deleted):
    """Query pairs for a message listing (see list_query), the numbers of from/to filters in E.164."""
    filters = dict(filters or {})
    for field in NUMBER_FIELDS:
        conditions = filters.get(field)
        if isinstance(conditions, dict):
            normalised = {}
            for operator, value in conditions.items():
                # A YAML number too (an unquoted +18885550100): the normaliser says to quote it, rather than
                # the number being sent without its "+".
                if operator in ('eq', 'lte', 'gte') and (isinstance(value, str) or is_yaml_number(value)):
                    try:
                        value = normalize_phone_number(value)
                    except InvalidPhoneNumber as exc:
                        raise InvalidQuery('filters.%s.%s: %s' % (field, operator, exc))
                normalised[operator] = value
            filters[field] = normalised
    return list_query(filters, sort, include_deleted)
