# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential type file: valid for AWX, and in agreement with what the modules read."""

from __future__ import annotations

import ast
import copy
import re

import jinja2
import jinja2.meta
import pytest
import yaml

from awx_emulation import CredentialTypeError, inject, load_credential_type, validate_credential_type
from conftest import CREDENTIAL_TYPE_FILE, REPO

API_MODULE = REPO / 'plugins' / 'module_utils' / '_sms_module.py'
DOC_FRAGMENT = REPO / 'plugins' / 'doc_fragments' / 'api.py'
# Read by the modules from the environment, but deliberately not part of the credential: certificate
# checking, and the CA file it uses, are properties of the job (or the EE), not of the secret.
NOT_INJECTED = {'INVOCA_VALIDATE_CERTS', 'INVOCA_CA_PATH'}


def module_env_fallbacks():
    """{option: [environment variables]} from the env_fallback entries of api_argument_spec()."""
    found = {}
    for match in re.finditer(r"(\w+)=dict\([^\n]*fallback=\(env_fallback, \[([^\]]*)\]\)", API_MODULE.read_text(encoding='utf-8')):
        found[match.group(1)] = ast.literal_eval('[%s]' % match.group(2))
    assert found, 'no env_fallback found in %s' % API_MODULE
    return found


def doc_fragment_options():
    tree = ast.parse(DOC_FRAGMENT.read_text(encoding='utf-8'))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(target, 'id', None) == 'DOCUMENTATION' for target in node.targets):
            return yaml.safe_load(node.value.value)['options']
    raise AssertionError('no DOCUMENTATION in %s' % DOC_FRAGMENT)


def fields_by_id(definition):
    return dict((field['id'], field) for field in definition['inputs']['fields'])


def test_awx_accepts_the_credential_type(credential_type):
    assert credential_type['kind'] == 'cloud'
    assert credential_type['name'] and credential_type['description']
    for field in credential_type['inputs']['fields']:
        assert field['id'] and field['label'] and field['type'] == 'string', field


def test_the_token_is_secret_and_required(credential_type):
    fields = fields_by_id(credential_type)
    assert fields['api_token']['secret'] is True
    assert [field_id for field_id, field in fields.items() if field.get('secret')] == ['api_token']
    assert {'api_token', 'api_url'} <= set(credential_type['inputs']['required'])


def test_injected_variables_are_exactly_those_the_modules_read(credential_type):
    fallbacks = module_env_fallbacks()
    read_by_modules = set(name for names in fallbacks.values() for name in names)
    assert set(credential_type['injectors']['env']) == read_by_modules - NOT_INJECTED
    assert set(credential_type['injectors']) == {'env'}, 'only environment injectors: no extra_vars, no files'


def test_each_variable_carries_its_own_field(credential_type):
    fallbacks = module_env_fallbacks()
    environment = jinja2.Environment()
    for option in ('api_token', 'api_url', 'api_version'):
        (variable,) = fallbacks[option]
        template = credential_type['injectors']['env'][variable]
        assert jinja2.meta.find_undeclared_variables(environment.parse(template)) == {option}, template


def test_templates_reference_only_defined_fields(credential_type):
    environment = jinja2.Environment()
    defined = set(fields_by_id(credential_type))
    for template in credential_type['injectors']['env'].values():
        assert jinja2.meta.find_undeclared_variables(environment.parse(template)) <= defined


def test_defaults_agree_with_the_modules(credential_type):
    options = doc_fragment_options()
    fields = fields_by_id(credential_type)
    for option in ('api_url', 'api_version'):
        assert fields[option]['default'] == options[option]['default'], option
    # A credential saved without the optional inputs (through the API) still gets the modules' defaults.
    env, dummy = inject(credential_type, {'api_token': 'token'})
    assert env == {'INVOCA_API_TOKEN': 'token', 'INVOCA_API_URL': options['api_url']['default'],
                   'INVOCA_API_VERSION': options['api_version']['default']}


def test_given_inputs_win_over_defaults(credential_type):
    env, dummy = inject(credential_type, {'api_token': 't', 'api_url': 'https://sms.example.test', 'api_version': '2022-05-01'})
    assert env == {'INVOCA_API_TOKEN': 't', 'INVOCA_API_URL': 'https://sms.example.test', 'INVOCA_API_VERSION': '2022-05-01'}


def test_the_stored_job_environment_hides_the_token(credential_type):
    env, safe_env = inject(credential_type, {'api_token': 'very-secret', 'api_url': 'https://sms.example.test'})
    assert env['INVOCA_API_TOKEN'] == 'very-secret'
    assert safe_env['INVOCA_API_TOKEN'] == '**********'
    assert 'very-secret' not in repr(safe_env)


def test_the_file_is_plain_yaml_with_a_document_start():
    text = CREDENTIAL_TYPE_FILE.read_text(encoding='utf-8')
    assert text.startswith('---\n')
    assert load_credential_type(CREDENTIAL_TYPE_FILE) == yaml.safe_load(text)


@pytest.mark.parametrize('breakage, message', [
    (lambda d: d['injectors']['env'].update(ANSIBLE_CONFIG='{{ api_url }}'), 'not allowed'),
    (lambda d: d['injectors']['env'].update(INVOCA_X='{{ api_tokn }}'), 'undefined field'),
    (lambda d: d['injectors']['env'].update(INVOCA_X='{{ api_token '), 'syntax error'),
    (lambda d: d['inputs']['fields'][0].update(secrets=True), 'unknown keys'),
    (lambda d: d['inputs']['fields'][1].update(default=1), 'is not a string'),
    (lambda d: d['inputs']['fields'].append({'id': 'api_token', 'label': 'again'}), 'unique'),
    (lambda d: d['inputs']['required'].append('region'), 'not defined'),
])
def test_the_emulated_checks_catch_what_awx_refuses(credential_type, breakage, message):
    """The AWX checks used above do reject broken variants (so their passing means something)."""
    broken = copy.deepcopy(credential_type)
    breakage(broken)
    with pytest.raises(CredentialTypeError, match=message):
        validate_credential_type(broken)
