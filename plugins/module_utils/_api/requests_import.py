# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""requests and the parts of urllib3 the HTTP layer builds on, imported once and guarded: without them, a module
fails with Ansible's missing-library message (HAS_REQUESTS, REQUESTS_IMPORT_ERROR) rather than a traceback.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

__all__ = ('HAS_REQUESTS', 'REQUESTS_IMPORT_ERROR', 'HTTPAdapter', 'HTTPConnection', 'HTTPConnectionPool', 'HTTPSConnection',
           'HTTPSConnectionPool', 'Urllib3Error', 'requests')

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import HTTPError as Urllib3Error
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    requests = None
    HTTPAdapter = HTTPConnection = HTTPSConnection = HTTPConnectionPool = HTTPSConnectionPool = object
    Urllib3Error = OSError
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
