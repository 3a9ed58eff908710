# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""POST /messages: the body, its validation (all or nothing), the stored text, and the answer.

What the answer looks like is the ``send_answer`` setting; the messages are stored the same way in every mode.
"""

from __future__ import annotations

from .common import E164_RE, MSG_BAD_BODY, MSG_BAD_JSON, MSG_VALIDATION_FAILED, ApiError, Reply


def _error(field, code):
    return {'resource': 'Message', 'field': field, 'code': code}



class SendingMixin:
    """Part of SimulatorState: the send endpoint. The caller holds the lock."""

    def _send_items(self, request, old_style=False):
        """The message requests of a POST body: a list of {to: [...], from, text} (2022-08-01) or one object (2022-05-01).

        With strict_send_body, 2022-05-01 takes one object only, as its schema documents (its examples are one object, and
        its body parser answers 400 "must be a JSON hash" to anything else).
        """
        kind, value = request['body_kind'], request['body_value']
        if kind in ('empty', 'invalid'):
            raise ApiError(400, MSG_BAD_JSON)
        if old_style and self.config.get('strict_send_body') and not isinstance(value, dict):
            raise ApiError(400, MSG_BAD_BODY)
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ApiError(400, MSG_BAD_BODY)
        return value

    def _validate_send(self, items):
        errors = []
        if not items:
            errors.append(_error('to', 'missing'))
        for item in items:
            sender = item.get('from')
            if sender is None or sender == '':
                errors.append(_error('from', 'missing'))
            elif not isinstance(sender, str) or not E164_RE.match(sender):
                errors.append(_error('from', 'invalid'))
            elif self.active_number(sender) is None:
                errors.append(_error('from', 'not_found'))
            recipients = item.get('to')
            if isinstance(recipients, str):
                recipients = [recipients]
            if recipients is None:
                errors.append(_error('to', 'missing'))
            elif not isinstance(recipients, list):
                errors.append(_error('to', 'invalid'))
            elif not recipients:
                errors.append(_error('to', 'blank'))
            elif not all(isinstance(number, str) and E164_RE.match(number) for number in recipients):
                errors.append(_error('to', 'invalid'))
            text = item.get('text')
            if text is None:
                errors.append(_error('text', 'missing'))
            elif not isinstance(text, str):
                errors.append(_error('text', 'invalid'))
            elif not text.strip():
                errors.append(_error('text', 'blank'))
        unique = []
        for error in errors:
            if error not in unique:
                unique.append(error)
        if unique:
            raise ApiError(422, MSG_VALIDATION_FAILED, errors=unique)

    def _send(self, request, route, apply, old_style):
        """All or nothing: every message request of the body is validated before any message is stored."""
        items = self._send_items(request, old_style)
        self._validate_send(items)
        rng_state = None if apply else self.message_rng.getstate()
        records = []
        for item in items:
            recipients = [item['to']] if isinstance(item['to'], str) else item['to']
            line = self.by_number[item['from']]
            for recipient in recipients:
                record = self._new_message(item['from'], recipient, item['text'], 'out', line['virtual_line_id'], apply, offset_ms=len(records))
                if apply:
                    self._store_message(record)
                records.append(record)
        if rng_state is not None:
            self.message_rng.setstate(rng_state)
        count = len(records)
        page_size = self.config['send_page_size'] or max(10, count)
        body = {
            'messages': [self._render_message(record, old_style) for record in records[:page_size]],
            self._pagination_key(old_style): self._pagy(request['path'], [], 1, None, page_size, count, old_style),
        }
        return Reply(202, body), apply
