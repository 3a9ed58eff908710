# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What AWX / automation controller does with a custom credential type, reproduced for the tests.

Two things, written after AWX's own code (awx/main/fields.py and awx/main/models/credential/__init__.py):

* ``validate_credential_type`` -- the checks AWX runs when a credential type is created: the JSON schema of
  ``inputs`` and ``injectors``, unique field ids, typed defaults, forbidden environment variables, and every
  injector template rendered in a sandbox with ``StrictUndefined`` against the defined field ids.
* ``inject`` -- what a job gets from a credential of that type: the ``env`` injector templates rendered in an
  ``ImmutableSandboxedEnvironment`` with the credential's inputs. As in AWX, only the inputs the credential
  has (and that are not empty) are in the namespace, and secret fields are rendered as ``**********`` in the
  "safe" environment that AWX stores with the job.
"""

from __future__ import annotations

import re

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

# The keys a field of a custom credential type may have (AWX CredentialTypeInputField schema).
FIELD_KEYS = {'id', 'label', 'type', 'format', 'choices', 'help_text', 'multiline', 'secret', 'ask_at_runtime', 'default'}
FIELD_TYPES = {'string': str, 'boolean': bool}
FIELD_FORMATS = {'ssh_private_key', 'url'}
KINDS = {'ssh', 'vault', 'net', 'scm', 'cloud', 'insights', 'kubernetes', 'galaxy', 'token', 'external', 'cryptography'}
# Environment variables AWX refuses in credential injectors (awx/main/constants.py), besides any ANSIBLE_*.
ENV_BLOCKLIST = frozenset((
    'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID', 'INVENTORY_UPDATE_ID',
    'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES', 'CALLBACK_QUEUE', 'CALLBACK_CONNECTION',
    'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS', 'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH',
))
SAFE_SECRET = '**********'


class CredentialTypeError(ValueError):
    """The credential type would be refused by AWX."""


def load_credential_type(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def _identifier(text):
    return isinstance(text, str) and re.fullmatch(r'[a-zA-Z_][a-zA-Z0-9_]*', text) is not None


def validate_credential_type(definition):
    """Raise CredentialTypeError with every problem AWX would report; return the definition otherwise."""
    problems = []
    for key in ('name', 'kind'):
        if not isinstance(definition.get(key), str) or not definition[key]:
            problems.append('%s must be a non-empty string' % key)
    if definition.get('kind') not in KINDS:
        problems.append('unknown kind %r' % (definition.get('kind'),))
    inputs = definition.get('inputs') or {}
    injectors = definition.get('injectors') or {}
    if set(inputs) - {'fields', 'required'}:
        problems.append('inputs has unknown keys %s' % sorted(set(inputs) - {'fields', 'required'}))
    ids = []
    for field in inputs.get('fields', []):
        field_id = field.get('id')
        if set(field) - FIELD_KEYS:
            problems.append('field %r has unknown keys %s' % (field_id, sorted(set(field) - FIELD_KEYS)))
        if not field_id or not field.get('label'):
            problems.append('every field needs an id and a label: %r' % (field,))
        elif not _identifier(field_id) or field_id == 'tower':
            problems.append('%r is not a valid field id' % (field_id,))
        if field_id in ids:
            problems.append('field ids must be unique (%s)' % field_id)
        ids.append(field_id)
        field_type = field.get('type', 'string')
        if field_type not in FIELD_TYPES:
            problems.append('field %r: type must be string or boolean' % field_id)
            continue
        if 'default' in field and type(field['default']) is not FIELD_TYPES[field_type]:  # pylint: disable=unidiomatic-typecheck
            problems.append('field %r: default %r is not a %s' % (field_id, field['default'], field_type))
        if field.get('format') is not None and field['format'] not in FIELD_FORMATS:
            problems.append('field %r: unknown format %r' % (field_id, field['format']))
        for key in ('choices', 'multiline', 'format', 'secret'):
            if key in field and field_type != 'string':
                problems.append('field %r: %s not allowed for %s type' % (field_id, key, field_type))
    for required in inputs.get('required', []):
        if required not in ids:
            problems.append('required field %r is not defined' % required)
    if set(injectors) - {'env', 'file', 'extra_vars'}:
        problems.append('injectors has unknown keys %s' % sorted(set(injectors) - {'env', 'file', 'extra_vars'}))
    for name in injectors.get('env', {}):
        if not _identifier(name):
            problems.append('%r is not a valid environment variable name' % name)
        if name.startswith('ANSIBLE_') or name in ENV_BLOCKLIST:
            problems.append('environment variable %s is not allowed in credentials' % name)
    strict = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    namespace = dict((field_id, 'EXAMPLE') for field_id in ids)
    for kind, templates in injectors.items():
        for key, template in (templates or {}).items():
            if not isinstance(template, str):
                problems.append('%s injector %s must be a string' % (kind, key))
                continue
            if kind == 'env' and not template.isascii():
                problems.append('env injector %s must be ASCII' % key)
            try:
                strict.from_string(template).render(namespace)
            except jinja2.UndefinedError as exc:
                problems.append('%s uses an undefined field (%s)' % (key, exc))
            except jinja2.TemplateSyntaxError as exc:
                problems.append('syntax error in the template of %s inside %s (%s)' % (key, kind, exc))
    if problems:
        raise CredentialTypeError('; '.join(problems))
    return definition


def inject(definition, credential_inputs):
    """Return (env, safe_env): what a job with a credential of this type gets, and what AWX stores of it."""
    secret_fields = set(field['id'] for field in definition['inputs']['fields'] if field.get('secret'))
    namespace = {}
    safe_namespace = {}
    for name, value in credential_inputs.items():
        if isinstance(value, bool):
            namespace[name] = safe_namespace[name] = value
            continue
        if name in secret_fields:
            safe_namespace[name] = SAFE_SECRET
        elif len(value):
            safe_namespace[name] = value
        if len(value):
            namespace[name] = value
    for field in definition['inputs']['fields']:
        if field.get('type') == 'boolean' and field['id'] not in credential_inputs:
            namespace[field['id']] = safe_namespace[field['id']] = False
    sandbox = ImmutableSandboxedEnvironment()
    env = {}
    safe_env = {}
    for name, template in definition['injectors'].get('env', {}).items():
        env[name] = sandbox.from_string(template).render(**namespace)
        safe_env[name] = sandbox.from_string(template).render(**safe_namespace)
    return env, safe_env
