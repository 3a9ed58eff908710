# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection: gateway faults before authentication, and fault rules aimed at operations.

Every random draw comes from one generator seeded with ``seed``, and every counter restarts when a fault
setting changes, so a test that sets the faults and then sends its requests sees the same faults every run.
"""

from __future__ import annotations

import random

from .common import (APPLIED_FAULT_KINDS, HTML_PAGE, MSG_NO_DELIVERY_REPORT, MSG_NO_MESSAGE_FOR_UUID, MSG_NO_MESSAGES_FOR_NUMBER,
                     MSG_NUMBER_NOT_FOUND, MSG_TOO_MANY, ApiError, Reply, gateway_page, message, number_repr,
                     reason_phrase, unknown_object_text)

# The API's own 404 texts per operation (the not_found kind); any other operation gets the generic one.
NOT_FOUND_TEXTS = {
    'get_message': MSG_NO_MESSAGE_FOR_UUID,
    'delete_message': MSG_NO_MESSAGE_FOR_UUID,
    'list_delivery_reports': MSG_NO_MESSAGE_FOR_UUID,
    'get_delivery_report': MSG_NO_DELIVERY_REPORT,
    'messages_by_number': MSG_NO_MESSAGES_FOR_NUMBER,
    'message_usage': MSG_NUMBER_NOT_FOUND,
    'get': MSG_NUMBER_NOT_FOUND,
    'delete': MSG_NUMBER_NOT_FOUND,
}
WRONG_SHAPES = {
    'list': {'phone_numbers': 'oops'},
    'count': {'count': 'many'},
    'list_messages': {'messages': 'oops'},
    'messages_by_number': {'messages': 'oops'},
    'send': {'messages': 'oops'},
}


class FaultsMixin:
    """Part of SimulatorState: decides whether a request meets a fault, and what the faulty answer is."""

    def _restart_faults(self):
        self.rng = random.Random(self.config['seed'])
        self.api_request_count = 0
        # per rule: [requests that matched its operations, times it fired]
        self.rule_counters = {}

    def _fault_rules(self):
        """(key, rule) of every active rule: the single ``malformed`` rule first, then the ``faults`` list in order."""
        rules = []
        if self.config['malformed']:
            rules.append(('malformed', self.config['malformed']))
        rules.extend((('faults', index), rule) for index, rule in enumerate(self.config['faults']))
        return rules

    def _fault_before_auth(self, request, route):
        config = self.config
        self.api_request_count += 1
        every = config['rate_limit_every']
        if every and self.api_request_count % every == 0:
            return message(429, MSG_TOO_MANY, headers=[('Retry-After', number_repr(config['retry_after']))]), 'rate_limit'
        if config['error_rate'] > 0 and self.rng.random() < config['error_rate']:
            status = self.rng.choice(config['error_statuses'])
            return message(status, reason_phrase(status)), 'error_rate'
        redirect = config['redirect']
        if redirect and route.operation in redirect['operations']:
            location = redirect['to'] + request['path'] + ('?' + request['query'] if request['query'] else '')
            return message(307, 'Temporary Redirect', headers=[('Location', location)]), 'redirect'
        return None, None

    def _rule_fault(self, request, route):
        """(reply, fault, applied) of the first rule that fires for this request, or None."""
        for key, rule in self._fault_rules():
            if route.operation not in rule['operations']:
                continue
            counters = self.rule_counters.setdefault(key, [0, 0])
            if 'count' in rule and counters[1] >= rule['count']:
                continue  # spent
            counters[0] += 1
            if counters[0] % rule['every'] != 0:
                continue
            if 'rate' in rule and not self.rng.random() < rule['rate']:
                continue
            counters[1] += 1
            return self._fire(rule, request, route)
        return None

    def _fire(self, rule, request, route):
        kind = rule['kind']
        if kind in APPLIED_FAULT_KINDS:
            return self._applied_fault(rule, request, route)
        if kind == 'not_found':
            return message(404, NOT_FOUND_TEXTS.get(route.operation, unknown_object_text(route.version)).format(route.phone_number)), kind, False
        if kind == 'error':
            status = rule.get('status', 503)
            return message(status, reason_phrase(status)), kind, False
        if kind == 'rate_limited':
            return message(rule.get('status', 429), MSG_TOO_MANY, headers=[('Retry-After', number_repr(self.config['retry_after']))]), kind, False
        return self._malformed(kind, request, route), kind, False

    def _applied_fault(self, rule, request, route):
        """Apply the request, then lose its answer: the faults after which the change HAS happened.

        lost_answer closes the connection; applied_error answers a 5xx (JSON); applied_gateway_timeout answers at once
        with a gateway's 504 HTML page; applied_hang answers 504 only after
        hang_seconds, past a client's timeout.
        """
        kind = rule['kind']
        try:
            reply, applied = self._handle(request, route, apply=True)
        except ApiError as exc:
            reply, applied = exc.reply(), False
        if kind == 'lost_answer':
            reply.action = 'close'
        elif kind == 'applied_error':
            status = rule.get('status', 500)
            reply = message(status, reason_phrase(status))
        elif kind == 'applied_gateway_timeout':
            reply = gateway_page(rule.get('status', 504))
        else:
            reply = message(504, 'Gateway Timeout')
            reply.delay = self.config['hang_seconds']
        return reply, kind, applied

    def _malformed(self, kind, request, route):
        if kind == 'html':
            return Reply(200, raw=HTML_PAGE, content_type='text/html; charset=utf-8')
        if kind == 'empty':
            return Reply(200, raw=b'')
        if kind == 'close':
            return Reply(200, action='close')
        if kind == 'hang':
            # After the hang the answer is a gateway timeout: the change was never applied.
            reply = message(504, 'Gateway Timeout')
            reply.delay = self.config['hang_seconds']
            return reply
        if kind == 'wrong_shape':
            return Reply(200, WRONG_SHAPES.get(route.operation, [1, 2]))
        # truncated: half of the answer that would have been given, computed without applying it.
        try:
            reply, _applied = self._handle(request, route, apply=False)
        except ApiError as exc:
            reply = exc.reply()
        reply.action = 'truncate'
        return reply
