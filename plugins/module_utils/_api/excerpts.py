# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Server text made safe to show: short excerpts, HTML pages reduced to their text, values described.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re


_BODY_EXCERPT = 200
# A body that starts with markup (after a byte-order mark, an XML prolog or a comment) and holds one of these tags
# is an HTML page, such as a proxy's "502 Bad Gateway": shown as the text a browser would show, never as markup.
_HTML_TAG = re.compile(r'<(!doctype\s+html|html|head|body|title|h[1-6]|center|p|div|pre|table)\b', re.IGNORECASE)
_TITLE = re.compile(r'<title[^>]*>(.*?)</title>', re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r'<!--.*?-->|<\?.*?\?>|<[^>]*>', re.DOTALL)
_SCRIPT = re.compile(r'<(script|style)[^>]*>.*?</\1>', re.IGNORECASE | re.DOTALL)


def looks_like_html(text):
    """True for a page of markup, however it begins; JSON or plain text that merely mentions a tag is not one."""
    text = (text or '').lstrip('\ufeff \t\r\n')
    return text.startswith('<') and _HTML_TAG.search(text) is not None


def excerpt(text):
    """A one-line excerpt of a server's text: HTML reduced to what a browser would show, whitespace collapsed."""
    if looks_like_html(text):
        title = _TITLE.search(text)
        shown = title.group(1) if title and title.group(1).strip() else _TAG.sub(' ', _SCRIPT.sub(' ', text))
        text = _TAG.sub(' ', shown).replace('&nbsp;', ' ').replace('&amp;', '&').replace('&lt;', '<') \
            .replace('&gt;', '>')
    text = ' '.join((text or '').split())
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + '...'


def describe(value):
    """A one-line excerpt of a server value (JSON when it can be), for a message naming it."""
    try:
        return excerpt(json.dumps(value, sort_keys=True, default=str))
    except (TypeError, ValueError, RecursionError):
        return excerpt(repr(value))
