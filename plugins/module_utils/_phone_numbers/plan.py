# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a run must change: a pure function of the desired and the current state.

Internal use only: not a public API of the collection, and it may change in any release.

Check mode, diff, the single-number form and the list form all reuse it, so they cannot disagree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

Plan = namedtuple('Plan', ['create', 'delete', 'unchanged'])
Plan.__doc__ = """Numbers to create (or re-enable), to delete, and already as desired; each a list of E.164 strings."""


def plan_changes(desired, active, state='present', exclusive=False):
    """Return the Plan that takes ``active`` to ``desired``.

    ``desired`` lists E.164 numbers without repeats, in the user's order; ``active`` holds the numbers that are
    active now (soft-deleted ones do not count), and must cover the whole network when ``exclusive`` is set.
    With ``exclusive``, every active number that is not desired is deleted (only with state=present).
    """
    if state not in ('present', 'absent'):
        raise ValueError('state must be present or absent, not %r' % (state,))
    if exclusive and state != 'present':
        raise ValueError('exclusive applies to state=present only')
    if state == 'absent':
        return Plan(create=[], delete=[n for n in desired if n in active],
                    unchanged=[n for n in desired if n not in active])
    wanted = set(desired)
    return Plan(create=[n for n in desired if n not in active],
                delete=sorted(n for n in active if n not in wanted) if exclusive else [],
                unchanged=[n for n in desired if n in active])


def numbers_diff(before, created, deleted):
    """A diff of the set of active numbers the task looked at: ``before`` is that set as it was read.

    Text with one number per line, not a list: Ansible renders a list as JSON, where adding or removing the last
    number also changes the comma of its neighbour, so one change among 1,000 numbers showed as several. Only the
    numbers that change are listed, sorted, after a first line (the same in ``before`` and ``after``) counting
    the others, so the diff grows with the changes only: a no-op over 10,000 numbers is one line, not 280 kB.
    """
    before = set(before)
    after = (before - set(deleted)) | set(created)
    unchanged = len(before & after)
    first = '# %d other active number%s, unchanged\n' % (unchanged, '' if unchanged == 1 else 's') if unchanged else ''
    changed = before ^ after
    return {'before': first + ''.join(n + '\n' for n in sorted(before & changed)),
            'after': first + ''.join(n + '\n' for n in sorted(after & changed)),
            'before_header': 'active SMS numbers before', 'after_header': 'active SMS numbers after'}


def number_diff(phone_number, was_active, is_active):
    """The single-number form's diff: the number's state before and after."""
    return {'before': {'phone_number': phone_number, 'state': 'present' if was_active else 'absent'},
            'after': {'phone_number': phone_number, 'state': 'present' if is_active else 'absent'}}
