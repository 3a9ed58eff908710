# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The query of a phone-number listing: the generic filters and sort, and a phone_number filter checked as one.

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


def check_number_filters(filters):
    """Refuse a phone_number filter value that YAML read as a number (an unquoted +18885550100), saying to quote it.

    Otherwise it would be turned into the string '18885550100' and refused as not E.164, without saying why.
    """
    conditions = filters.get('phone_number') if isinstance(filters, dict) else None
    if not isinstance(conditions, dict):
        return
    for operator, value in conditions.items():
        if is_yaml_number(value):
            try:
                normalize_phone_number(value)
            except InvalidPhoneNumber as exc:
                raise InvalidQuery('filters.phone_number.%s: %s' % (operator, exc))


def number_query(filters=None, sort=None, include_deleted=False):
    """Query pairs for GET /phone_numbers and its count (see list_query), the phone_number filter checked."""
    check_number_filters(filters)
    return list_query(filters, sort, include_deleted)
