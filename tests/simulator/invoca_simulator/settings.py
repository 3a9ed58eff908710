# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runtime settings (command line and POST /_sim/config): validation and normalization."""

from __future__ import annotations

import re

from .common import CREATE_PATHS, FAULT_KINDS, MAX_LIMIT, OPERATIONS, ConfigError, as_bool, as_number, as_status
from .message_settings import MESSAGE_SETTINGS, normalize_message_setting


def normalize_operations(value, name):
    if value is None:
        return list(OPERATIONS)
    if isinstance(value, str):
        value = [item.strip() for item in value.split(',') if item.strip()]
    if not isinstance(value, list) or not value:
        raise ConfigError('%s must be a non-empty list of operations' % name)
    allowed = OPERATIONS + ('other',)
    for item in value:
        if item not in allowed:
            raise ConfigError('%s: unknown operation %r (use %s)' % (name, item, ', '.join(allowed)))
    return list(value)


FAULT_RULE_KEYS = ('kind', 'operations', 'every', 'count', 'rate', 'status')


def normalize_fault_rule(value, name):
    """One fault rule: what goes wrong (kind), for which operations, and for which of their requests.

    ``every`` n: every n-th matching request; ``count`` n: only the next n that fire, then the rule is spent;
    ``rate`` p: each candidate fires with probability p, drawn from the seeded generator; ``status``: the answer
    of the error kinds. Keys beyond kind/operations/every are echoed back only when given, so a rule written the
    old way reads back the old way.
    """
    if isinstance(value, str):
        value = {'kind': value}
    if not isinstance(value, dict) or value.get('kind') not in FAULT_KINDS:
        raise ConfigError('%s must be null or {"kind": one of %s, "operations": [...], "every": n, "count": n, "rate": p, '
                          '"status": code}' % (name, ', '.join(FAULT_KINDS)))
    unknown = set(value) - set(FAULT_RULE_KEYS)
    if unknown:
        raise ConfigError('%s: unknown keys %s' % (name, ', '.join(sorted(unknown))))
    rule = {
        'kind': value['kind'],
        'operations': normalize_operations(value.get('operations'), name + '.operations'),
        'every': as_number(value.get('every', 1), name + '.every', minimum=1, integer=True),
    }
    if value.get('count') is not None:
        rule['count'] = as_number(value['count'], name + '.count', minimum=1, integer=True)
    if value.get('rate') is not None:
        rule['rate'] = float(as_number(value['rate'], name + '.rate', 0.0, 1.0))
    if value.get('status') is not None:
        rule['status'] = as_status(value['status'], name + '.status')
    return rule


def normalize_setting(key, value):
    """Validate one runtime setting and return its normalized value."""
    if key == 'latency_ms':
        return as_number(value, key)
    if key == 'pagination_key':
        if value in (None, '', 'auto'):
            return None
        if value not in ('pagination', 'page'):
            raise ConfigError('pagination_key must be "pagination", "page" or null')
        return value
    if key == 'pagination':
        if value not in ('page', 'cursor'):
            raise ConfigError('pagination must be "page" or "cursor"')
        return value
    if key == 'count_endpoint':
        return as_bool(value, key)
    if key == 'max_page_size':
        # A pagy server configured with a lower max_items than the published 500.
        return as_number(value, key, minimum=1, maximum=MAX_LIMIT, integer=True)
    if key == 'create_path':
        if value not in CREATE_PATHS:
            raise ConfigError('create_path must be one of %s' % ', '.join(CREATE_PATHS))
        return value
    if key == 'seed':
        return as_number(value, key, minimum=-(2 ** 63), integer=True)
    if key == 'error_rate':
        return float(as_number(value, key, 0.0, 1.0))
    if key == 'error_statuses':
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            value = [item for item in str(value).split(',') if item.strip()]
        if not isinstance(value, list) or not value:
            raise ConfigError('error_statuses must be a non-empty list of HTTP status codes')
        return [as_status(item, key) for item in value]
    if key == 'rate_limit_every':
        return as_number(value, key, integer=True)
    if key == 'retry_after':
        return as_number(value, key)
    if key == 'fail_numbers':
        if value is None:
            return []
        if isinstance(value, str):
            value = [item.strip() for item in value.split(',') if item.strip()]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError('fail_numbers must be a list of phone numbers')
        return list(value)
    if key == 'fail_status':
        return as_status(value, key)
    if key == 'hang_seconds':
        return as_number(value, key)
    if key == 'malformed':
        if value in (None, '', 'none'):
            return None
        return normalize_fault_rule(value, 'malformed')
    if key == 'faults':
        if value in (None, ''):
            return []
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError('faults must be a list of fault rules {"kind": ..., "operations": [...], ...}')
        return [normalize_fault_rule(item, 'faults[%d]' % index) for index, item in enumerate(value)]
    if key == 'redirect':
        if value in (None, '', 'none'):
            return None
        if isinstance(value, str):
            value = {'to': value}
        if not isinstance(value, dict) or not isinstance(value.get('to'), str) or not re.match(r'^https?://[^/?#]+$', value['to'].rstrip('/')):
            raise ConfigError('redirect must be null or {"to": "http://host:port", "operations": [...]}')
        unknown = set(value) - {'to', 'operations'}
        if unknown:
            raise ConfigError('redirect: unknown keys %s' % ', '.join(sorted(unknown)))
        return {'to': value['to'].rstrip('/'), 'operations': normalize_operations(value.get('operations'), 'redirect.operations')}
    if key in MESSAGE_SETTINGS:
        return normalize_message_setting(key, value)
    raise ConfigError('unknown setting %r' % key)


# Changing any of these restarts the deterministic fault sequence (counters and random generator).
FAULT_KEYS = ('seed', 'error_rate', 'error_statuses', 'rate_limit_every', 'retry_after', 'fail_numbers', 'fail_status',
              'malformed', 'hang_seconds', 'redirect', 'faults')
SETTING_KEYS = ('latency_ms', 'pagination_key', 'pagination', 'count_endpoint', 'create_path', 'max_page_size') + FAULT_KEYS + MESSAGE_SETTINGS
