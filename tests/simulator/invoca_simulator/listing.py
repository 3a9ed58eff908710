# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Paginated lists (pagy pages or cursors), sorting and filtering, shared by every collection of the API."""

from __future__ import annotations

import math

from .common import (DEFAULT_LIMIT, FILTER_KEY_RE, FILTER_OPERATORS, INT_RE, LIST_CONTROL_PARAMS, PAGINATION_KEY_NEW, PAGINATION_KEY_OLD,
                     PAGY_METADATA, PAGY_SIZE, ApiError, Reply, decode_cursor, encode_cursor, encode_query, pagy_series, parse_timestamp)


class CollectionSpec:
    """What one collection can be sorted and filtered by, and how its error messages read."""

    def __init__(self, name, sortable, filterable, timestamp_fields=(), integer_fields=(), operators=None, values=None,
                 quote_sort_columns=False):
        self.name = name
        self.sortable = tuple(sortable)
        self.filterable = tuple(filterable)
        self.timestamp_fields = tuple(timestamp_fields)
        self.integer_fields = tuple(integer_fields)
        # field -> the operators it supports, when not all of them
        self.operators = dict(operators or {})
        # field -> function(text) returning the canonical value, or None when the text is not one
        self.values = dict(values or {})
        # The delivery-report contract quotes the column list as a whole ('created_at, progress_bit').
        self.quote_sort_columns = quote_sort_columns

    def operators_for(self, field):
        return self.operators.get(field, FILTER_OPERATORS)

    def convert(self, field, value):
        if field in self.values:
            return self.values[field](value)
        if field in self.timestamp_fields:
            return parse_timestamp(value)
        if field in self.integer_fields:
            return int(value) if INT_RE.match(value.strip()) else None
        return value


class ListingMixin:
    """Part of SimulatorState: answers list requests of any collection. The caller holds the lock."""

    def _list_reply(self, request, route, old_style, spec, records, items_key, render, extra_filters=(), cache_name=None, sort=None,
                    ignored_filters=()):
        """The answer to a list request over ``records``; ``render(record)`` gives one item.

        ``sort`` (field, direction) replaces the sort parameter, which is then ignored; filters on ``ignored_filters``
        fields are ignored (not even validated), as a careless server would. The pagination URLs keep the query as given.
        """
        pairs = request['pairs']
        params = dict(pairs)  # the last occurrence of a repeated parameter wins, as in Rack
        limit_text = params.get('limit')
        limit = DEFAULT_LIMIT
        if limit_text is not None:
            if not INT_RE.match(limit_text.strip()) or int(limit_text) < 1:
                raise ApiError(422, 'The requested limit is invalid: %s' % limit_text)
            limit = int(limit_text)
        # Above the server's maximum (max_page_size, the published 500 by default) a page silently holds the maximum,
        # and the pagination object describes the pages actually served.
        limit = min(limit, self.config['max_page_size'])
        field, direction = sort or self._parse_sort(params.get('sort'), spec)
        matches = self._select(records, pairs, spec, field, direction, extra_filters, cache_name, ignored_filters)
        key = self.config['pagination_key']
        count = len(matches)
        if self.config['pagination'] == 'cursor':
            offset = 0
            if params.get('cursor'):
                offset = decode_cursor(params['cursor'])
                if offset is None:
                    raise ApiError(422, 'The requested cursor is invalid: %s' % params['cursor'])
            items = [render(record) for record in matches[offset:offset + limit]]
            next_cursor = encode_cursor(offset + limit) if offset + limit < count else None
            return Reply(200, {items_key: items, key or PAGINATION_KEY_NEW: {'count': count, 'items': limit, 'next_cursor': next_cursor}})
        page_text = params.get('page')
        page = 1
        if page_text not in (None, ''):
            if not page_text.strip().isdigit() or int(page_text) < 1:
                raise ApiError(422, 'The requested page is invalid: %s' % page_text)
            page = int(page_text)
        offset = (page - 1) * limit
        items = [render(record) for record in matches[offset:offset + limit]]
        page_object = self._pagy(request['path'], pairs, page, page_text, limit, count, old_style)
        return Reply(200, {items_key: items, self._pagination_key(old_style): page_object})

    def _pagination_key(self, old_style):
        key = self.config['pagination_key']
        if key is None:
            key = PAGINATION_KEY_OLD if old_style else PAGINATION_KEY_NEW
        return key

    @staticmethod
    def _parse_sort(text, spec):
        if text is None or text.strip() == '':
            return 'created_at', 'asc'
        parts = text.strip().split(':')
        if len(parts) == 1:
            token = parts[0]
            if token in ('asc', 'desc'):
                return 'created_at', token
            field, direction = token, 'asc'
        elif len(parts) == 2:
            field, direction = parts[0] or 'created_at', parts[1] or 'asc'
        else:
            raise ApiError(422, 'The requested sort is invalid: %s' % ' '.join(parts))
        if field not in spec.sortable:
            columns = ', '.join(spec.sortable)
            if spec.quote_sort_columns:
                columns = "'%s'" % columns
            raise ApiError(422, "The request contains unsupported sort columns: '%s'. Supported columns: %s" % (field, columns))
        if direction not in ('asc', 'desc'):
            raise ApiError(422, 'The requested sort is invalid: %s %s' % (field, direction))
        return field, direction

    @staticmethod
    def _parse_filters(pairs, spec, ignored=()):
        filters = []
        bad_columns = []
        bad_operators = []
        supported_operators = FILTER_OPERATORS
        for key, value in pairs:
            if key in LIST_CONTROL_PARAMS:
                continue
            match = FILTER_KEY_RE.match(key)
            if not match:
                continue  # plain parameters that are not filters are ignored, as Rails would
            field, operator = match.groups()
            if field in ignored:
                continue
            if field not in spec.filterable:
                bad_columns.append(field)
                continue
            if operator not in spec.operators_for(field):
                if not bad_operators:
                    supported_operators = spec.operators_for(field)
                bad_operators.append('%s %s' % (field, operator))
                continue
            if operator != 'empty':
                converted = spec.convert(field, value)
                if converted is None:
                    raise ApiError(422, "The request contains an invalid filter value: '%s %s %s'" % (field, operator, value))
                value = converted
            filters.append((field, operator, value))
        if bad_columns:
            raise ApiError(422, 'The request contains unsupported filter columns: %s. Supported columns: %s' % (
                ', '.join("'%s'" % item for item in bad_columns), ', '.join(spec.filterable)))
        if bad_operators:
            raise ApiError(422, 'The request contains unsupported filter operators: %s. Supported operators: %s' % (
                ', '.join("'%s'" % item for item in bad_operators), ', '.join(supported_operators)))
        return tuple(filters)

    def _select(self, records, pairs, spec, field, direction, extra_filters=(), cache_name=None, ignored_filters=()):
        filters = self._parse_filters(pairs, spec, ignored_filters) + tuple(extra_filters)
        cache_key = (self.generation, len(records), filters, field, direction)
        cached = self._list_caches.get(cache_name) if cache_name else None
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        matches = [record for record in records if all(self._matches(record, flt) for flt in filters)]
        if field != 'created_at':
            # NULLs first ascending and last descending (MySQL); created_at breaks ties, being unique.
            matches.sort(key=lambda record: (record[field] is not None, record[field] if record[field] is not None else 0, record['created_at']),
                         reverse=direction == 'desc')
        else:
            # Records are stored in created_at order, except messages stored through the control API with their own
            # created_at; the sort is stable, so equal timestamps keep the order stored.
            matches.sort(key=lambda record: record['created_at'], reverse=direction == 'desc')
        if cache_name:
            self._list_caches[cache_name] = (cache_key, matches)
        return matches

    @staticmethod
    def _matches(record, flt):
        field, operator, value = flt
        actual = record[field]
        if operator == 'empty':
            return actual is None or actual == '' or actual == 0
        if actual is None:
            return False
        if operator == 'eq':
            return actual == value
        if operator == 'lte':
            return actual <= value
        return actual >= value

    @staticmethod
    def _pagy(path, pairs, page, page_text, limit, count, old_style):
        last = max(1, int(math.ceil(count / float(limit))))
        if page <= last:
            offset = (page - 1) * limit
            first_item = min(offset + 1, count)
            last_item = min(offset + limit, count)
            in_page = min(last_item - first_item + 1, count)
            prev_page = page - 1 if page > 1 else None
            next_page = page + 1 if page < last else None
            series = pagy_series(page, last)
        else:
            # pagy's :empty_page overflow: nothing in the page, prev is the last page, no current page in the series.
            first_item = last_item = in_page = 0
            prev_page = last
            next_page = None
            series = [last if item == str(last) else item for item in pagy_series(last, last)]
        query = encode_query([(key, value) for key, value in pairs if key != 'page'])
        base = path + '?' + (query + '&' if query else '') + 'page='
        result = {
            'scaffold_url': base + '__pagy_page__',
            'first_url': base + '1',
            'prev_url': base + ('' if prev_page is None else str(prev_page)),
            'page_url': base + str(page),
            'next_url': base + ('' if next_page is None else str(next_page)),
            'last_url': base + str(last),
            'count': count,
            'page': page,
            'items': limit,
        }
        if old_style:
            result['vars'] = {
                'page': page_text if page_text not in (None, '') else 1,
                'items': limit,
                'outset': 0,
                'size': list(PAGY_SIZE),
                'page_param': 'page',
                'params': {},
                'fragment': '',
                'link_extra': '',
                'i18n_key': 'pagy.item_name',
                'cycle': False,
                'metadata': list(PAGY_METADATA),
                'count': count,
            }
        result.update({
            'pages': last,
            'last': last,
            'in': in_page,
            'from': first_item,
            'to': last_item,
            'prev': prev_page,
            'next': next_page,
            'series': series,
        })
        return result
