# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runtime settings of the /messages endpoints (POST /_sim/config and the command line): validation and normalization."""

from __future__ import annotations

from .common import E164_RE, ConfigError, as_bool, as_number

OUTCOMES = ('delivered', 'failed', 'pending')
DEFAULT_FAILURE_ERRORCODE = 4720
DEFAULT_FAILURE_DESCRIPTION = 'Invalid destination'
# An API that stores late ("creates a message and forwards to kafka"): each choice's first value is the default,
# today's behaviour.
SEND_ANSWERS = ('records', 'empty_object', 'empty', 'other_page', 'see_other')
LIST_ITEM_FIELDS = ('full', 'contract')
TEXT_REWRITES = ('none', 'trim', 'typographic')
MESSAGE_LIST_ORDERS = ('honour', 'newest_first', 'oldest_first')
CHOICE_SETTINGS = {
    'send_answer': SEND_ANSWERS,
    'list_item_fields': LIST_ITEM_FIELDS,
    'text_rewrite': TEXT_REWRITES,
    'message_list_order': MESSAGE_LIST_ORDERS,
}
MESSAGE_SETTINGS = ('message_outcomes', 'default_outcome', 'delivery_delay_seconds', 'default_today_filter', 'send_page_size',
                    'strict_send_body', 'listing_lag_seconds', 'ignore_created_at_filter') + tuple(CHOICE_SETTINGS)


def normalize_outcome(value, name):
    """An outcome: "delivered", "failed", "pending", or an object with outcome, carrier_errorcode, carrier_description,
    delay_seconds."""
    if isinstance(value, str):
        value = {'outcome': value}
    if not isinstance(value, dict) or value.get('outcome') not in OUTCOMES:
        raise ConfigError('%s must be one of %s, or {"outcome": ..., "carrier_errorcode": ..., "carrier_description": ..., '
                          '"delay_seconds": ...}' % (name, ', '.join(OUTCOMES)))
    unknown = set(value) - {'outcome', 'carrier_errorcode', 'carrier_description', 'delay_seconds'}
    if unknown:
        raise ConfigError('%s: unknown keys %s' % (name, ', '.join(sorted(unknown))))
    outcome = {'outcome': value['outcome']}
    if value['outcome'] == 'failed':
        outcome['carrier_errorcode'] = value.get('carrier_errorcode', DEFAULT_FAILURE_ERRORCODE)
        outcome['carrier_description'] = value.get('carrier_description', DEFAULT_FAILURE_DESCRIPTION)
    if value.get('delay_seconds') is not None:
        outcome['delay_seconds'] = as_number(value['delay_seconds'], name + '.delay_seconds')
    return outcome


def normalize_message_setting(key, value):
    if key == 'message_outcomes':
        if value in (None, ''):
            return {}
        if not isinstance(value, dict):
            raise ConfigError('message_outcomes must be an object {"+18885550100": "delivered" | "failed" | "pending" | {...}}')
        result = {}
        for number, outcome in value.items():
            if not E164_RE.match(number):
                raise ConfigError('message_outcomes: not a valid E.164 phone number: %r' % (number,))
            result[number] = normalize_outcome(outcome, 'message_outcomes[%s]' % number)
        return result
    if key == 'default_outcome':
        return normalize_outcome(value, key)
    if key == 'delivery_delay_seconds':
        return as_number(value, key)
    if key == 'default_today_filter':
        return as_bool(value, key)
    if key == 'send_page_size':
        return as_number(value, key, integer=True)
    if key in ('strict_send_body', 'ignore_created_at_filter'):
        return as_bool(value, key)
    if key == 'listing_lag_seconds':
        return as_number(value, key)
    if key in CHOICE_SETTINGS:
        if value not in CHOICE_SETTINGS[key]:
            raise ConfigError('%s must be one of %s, not %r' % (key, ', '.join(CHOICE_SETTINGS[key]), value))
        return value
    raise ConfigError('unknown setting %r' % key)
