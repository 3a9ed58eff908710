# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The paging options of the info modules; the matching argument spec and checks are
    # plugins/module_utils/_sms_module.py:listing_argument_spec() and check_listing_options().
    DOCUMENTATION = r"""
options:
  limit:
    description:
      - Records asked for per page, from 1 to 500. The largest page needs the fewest requests.
    type: int
    default: 500
  max_records:
    description:
      - Stop after this many records; no further page is requested. All records when not set.
      - Every page is asked for with one size, chosen so that O(max_records) takes as few pages as possible, and
        the server's own next pages are followed (a server that serves fewer records a page than asked is
        followed, never renumbered); records of the last page past O(max_records) are dropped.
      - RV(truncated) says whether records were left unread.
    type: int
  concurrency:
    description:
      - Pages read at once, from 1 to 64. Once the first page has told how many pages there are, the others are
        asked for this many at a time and read in order, with every check of a one-by-one read. V(1) reads one
        page after the other.
    type: int
    default: 16
"""
