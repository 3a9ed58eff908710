# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters and sorting for list requests, checked before they go on the wire. No Ansible here.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import normalize_phone_number

OPERATORS = ('eq', 'lte', 'gte', 'empty')
# Field names become part of a query key (field[op]); anything beyond a plain identifier could forge another
# parameter, so nothing else is let through.
_FIELD = re.compile(r'[a-z][a-z0-9_]{0,63}')
_SORT = re.compile(r'(?:(?P<field>[a-z][a-z0-9_]{0,63})(?::(?P<direction>asc|desc))?|(?P<only>asc|desc))')
_CONTROL = re.compile(r'[\x00-\x1f\x7f]')


class InvalidQuery(ValueError):
    """A filter or sort the API cannot take; the message names the value and the expected form."""


def _scalar(field, operator, value):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidQuery('filters.%s.%s is %r: expected a string or a number' % (field, operator, value))
    text = str(value)
    if not text or _CONTROL.search(text):
        raise InvalidQuery('filters.%s.%s is %r: expected a non-empty value without control characters'
                           % (field, operator, value))
    if field == 'phone_number':
        # So that "+1 888 555 0100" filters the same as "+18885550100", and a bad number fails here.
        try:
            text = normalize_phone_number(text)
        except ValueError as exc:
            raise InvalidQuery('filters.phone_number.%s: %s' % (operator, exc))
    return text


def filter_params(filters):
    """Turn ``{field: {op: value}}`` into query pairs ``(field[op], value)``, sorted for stable URLs."""
    if not isinstance(filters, dict):
        raise InvalidQuery('filters must be a dictionary of field: {operator: value}, got %r' % (filters,))
    pairs = []
    for field in sorted(filters, key=str):
        conditions = filters[field]
        if not isinstance(field, str) or not _FIELD.fullmatch(field):
            raise InvalidQuery('filters has the field name %r: expected a lower-case field name such as created_at'
                               % (field,))
        if not isinstance(conditions, dict) or not conditions:
            raise InvalidQuery('filters.%s is %r: expected a dictionary of operator: value, such as '
                               '{gte: "2022-11-01T00:00:00Z"} or {empty: true}' % (field, conditions))
        for operator in sorted(conditions, key=str):
            value = conditions[operator]
            if operator not in OPERATORS:
                raise InvalidQuery('filters.%s has the operator %r: expected one of %s'
                                   % (field, operator, ', '.join(OPERATORS)))
            if operator == 'empty':
                if value is not True:
                    raise InvalidQuery('filters.%s.empty is %r: the only accepted value is true' % (field, value))
                pairs.append(('%s[empty]' % field, None))
            else:
                pairs.append(('%s[%s]' % (field, operator), _scalar(field, operator, value)))
    return pairs


def sort_param(sort):
    """Check a sort of the form ``field``, ``field:asc|desc`` or ``asc|desc``; return the query pair."""
    if not isinstance(sort, str) or not _SORT.fullmatch(sort):
        raise InvalidQuery('sort is %r: expected field:asc or field:desc (one field), such as created_at:desc'
                           % (sort,))
    return ('sort', sort)


def wants_deleted(filters, include_deleted):
    """Whether soft-deleted records belong in the answer: asked for, or filtered for with a deleted_at condition."""
    return bool(include_deleted) or 'deleted_at' in (filters or {})


def list_query(filters=None, sort=None, include_deleted=False):
    """Query pairs for GET /phone_numbers and its count.

    Unless soft-deleted numbers are wanted (wants_deleted), they are filtered out on the server with
    ``deleted_at[empty]``; callers filter again, in case a server ignores it.
    """
    pairs = filter_params(filters or {})
    if not wants_deleted(filters, include_deleted):
        pairs.append(('deleted_at[empty]', None))
    if sort is not None:
        pairs.append(sort_param(sort))
    return pairs
