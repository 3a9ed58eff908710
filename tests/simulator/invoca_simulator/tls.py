# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throwaway CA and a server certificate for localhost, 127.0.0.1 and ::1 (cryptography, else the openssl CLI)."""

from __future__ import annotations

import datetime
import os
import random
import shutil
import subprocess
import tempfile


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)


def generate_tls_with_cryptography(directory):
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Invoca SMS API simulator throwaway CA')])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName('localhost'),
            x509.IPAddress(ipaddress.ip_address('127.0.0.1')),
            x509.IPAddress(ipaddress.ip_address('::1')),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
                       critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False)
        # Python 3.13+ verifies strictly (VERIFY_X509_STRICT) and rejects a leaf without an authority key identifier.
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    with open(os.path.join(directory, 'ca.pem'), 'wb') as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(directory, 'server.pem'), 'wb') as handle:
        handle.write(server_cert.public_bytes(serialization.Encoding.PEM))
    _write_private(os.path.join(directory, 'server.key'), server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def generate_tls_with_openssl(directory):
    openssl = shutil.which('openssl')
    if not openssl:
        raise RuntimeError('neither the cryptography package nor the openssl command is available to make a TLS certificate')
    work = tempfile.mkdtemp(prefix='invoca-sim-ca-')
    try:
        ca_key = os.path.join(work, 'ca.key')
        csr = os.path.join(work, 'server.csr')
        extfile = os.path.join(work, 'server.ext')
        with open(extfile, 'w', encoding='ascii') as handle:
            handle.write('basicConstraints=critical,CA:FALSE\n'
                         'keyUsage=critical,digitalSignature\n'
                         'extendedKeyUsage=serverAuth\n'
                         'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n'
                         'subjectKeyIdentifier=hash\n'
                         'authorityKeyIdentifier=keyid\n')
        ec_args = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
        commands = [
            [openssl, 'req', '-x509'] + ec_args + ['-keyout', ca_key, '-out', os.path.join(directory, 'ca.pem'), '-days', '30',
                                                   '-subj', '/CN=Invoca SMS API simulator throwaway CA',
                                                   '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
                                                   '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
                                                   '-addext', 'subjectKeyIdentifier=hash'],
            [openssl, 'req', '-new'] + ec_args + ['-keyout', os.path.join(directory, 'server.key'), '-out', csr, '-subj', '/CN=localhost'],
            [openssl, 'x509', '-req', '-in', csr, '-CA', os.path.join(directory, 'ca.pem'), '-CAkey', ca_key,
             '-set_serial', str(random.SystemRandom().getrandbits(63)), '-days', '30', '-sha256', '-extfile', extfile,
             '-out', os.path.join(directory, 'server.pem')],
        ]
        for command in commands:
            result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
            if result.returncode != 0:
                raise RuntimeError('%s failed: %s' % (' '.join(command[:3]), result.stderr.decode('utf-8', 'replace').strip()))
        os.chmod(os.path.join(directory, 'server.key'), 0o600)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def generate_tls(directory, backend='auto'):
    if backend in ('auto', 'cryptography'):
        try:
            generate_tls_with_cryptography(directory)
            return
        except ImportError:
            if backend == 'cryptography':
                raise
    generate_tls_with_openssl(directory)
