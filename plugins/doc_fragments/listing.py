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
      - No page asks for more records than are still wanted. Where the API numbers its pages, a smaller last page
        must start exactly where the previous one ended, so the rest may take a few small requests.
      - RV(truncated) says whether records were left unread.
    type: int
"""
