# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An answer of the API as the client reads it: status, decoded JSON body or a problem, headers.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re


from ansible_collections.invoca.messaging.plugins.module_utils._api.excerpts import excerpt, looks_like_html
# str.isdigit() also accepts characters such as superscript digits, which int() refuses: only ASCII digits count.
_DECIMAL = re.compile(r'[0-9]{1,18}')


def decimal(value):
    """The non-negative integer that a header or a pager field writes in ASCII digits, else None."""
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return int(value.strip())
    return None


class Answer:
    """A response reduced to what the clients need: status, decoded JSON (or the reason there is none)."""

    def __init__(self, status, body, problem, text, headers=None, url=None):
        self.status = status
        self.body = body
        self.problem = problem
        self.text = text
        self.headers = headers or {}
        self.url = url
        self.attempts = 1
        self.redirected_from = None


def decode(status, content, content_type, headers=None, url=None):
    """An Answer for a body: JSON when it parses, whatever the Content-Type says, else the reason it does not."""
    try:
        text = content.decode('utf-8')
    except UnicodeDecodeError:
        return Answer(status, None, 'a body that is not UTF-8 text', '', headers, url)
    if not text.strip():
        return Answer(status, None, 'an empty body', text, headers, url)
    # The API labels some JSON answers text/html (see the 2022-05-01 schema), so the body decides, not the header.
    try:
        return Answer(status, json.loads(text), None, text, headers, url)
    except (ValueError, RecursionError):  # RecursionError: hostile nesting such as [[[[...
        if looks_like_html(text):
            return Answer(status, None, 'an HTML page (%s): %s' % (content_type, excerpt(text)), text, headers, url)
        return Answer(status, None, 'a body that is not JSON (%s, %d bytes): %r'
                      % (content_type, len(content), excerpt(text)), text, headers, url)
