# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where the sms_events event source keeps its mark and the uuids it emitted, written atomically.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

from ansible_collections.invoca.messaging.plugins.module_utils._events.settings import InvalidArgument
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import format_timestamp, parse_timestamp


STATE_FORMAT = 1


def iso(when):
    return format_timestamp(when) if when is not None else None


class State:
    """What survives a restart: since, the mark (server time of the last poll), and the uuids still in the window."""

    def __init__(self, since=None, mark=None, emitted=None, reported=None, pending=None):
        self.since = since
        self.mark = mark
        # uuid -> created_at (datetime) of the inbound messages emitted, the failures reported, and the outgoing
        # messages still waiting for an outcome.
        self.emitted = dict(emitted or {})
        self.reported = dict(reported or {})
        self.pending = dict(pending or {})

    def to_json(self, api_url):
        return {'format': STATE_FORMAT, 'api_url': api_url, 'since': iso(self.since), 'mark': iso(self.mark),
                'emitted': dict((key, iso(value)) for key, value in sorted(self.emitted.items())),
                'reported': dict((key, iso(value)) for key, value in sorted(self.reported.items())),
                'pending': dict((key, iso(value)) for key, value in sorted(self.pending.items()))}

    @classmethod
    def from_json(cls, data, api_url, path):
        def broken(why):
            return InvalidArgument('state_file %s %s; it was not changed. Move it away to start from since (or now), '
                                   'knowing that what arrived meanwhile is then not replayed' % (path, why))
        if not isinstance(data, dict) or data.get('format') != STATE_FORMAT:
            raise broken('is not a state file of this source (format %d)' % STATE_FORMAT)
        if data.get('api_url') != api_url:
            raise broken('belongs to another API (%s, not %s)' % (data.get('api_url'), api_url))

        def when(value, name):
            parsed = parse_timestamp(value)
            if parsed is None:
                raise broken('holds an unreadable %s (%r)' % (name, value))
            return parsed

        def uuids(name):
            items = data.get(name) or {}
            if not isinstance(items, dict):
                raise broken('holds an unreadable %s' % name)
            return dict((str(key), when(value, name)) for key, value in items.items())
        return cls(since=when(data.get('since'), 'since'),
                   mark=when(data['mark'], 'mark') if data.get('mark') is not None else None,
                   emitted=uuids('emitted'), reported=uuids('reported'), pending=uuids('pending'))


def read_state(path, api_url):
    if path is None or not os.path.exists(path):
        return None
    try:
        with open(path, encoding='utf-8') as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise InvalidArgument('state_file %s cannot be read (%s); it was not changed. Move it away to start from '
                              'since (or now)' % (path, exc))
    return State.from_json(data, api_url, path)


def write_state(path, data):
    """Write the state atomically: a temporary file in the same directory, flushed, then renamed over the old one."""
    directory = os.path.dirname(path)
    fd, temp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
