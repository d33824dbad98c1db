#!/usr/bin/python3
"""Cross-checks mtproto::crypto against independent implementations.

Draws random inputs, asks crypto_vectors (our C++ code) for its outputs, and compares them with
Debian's python3-telethon 1.25.1 (AES-IGE, RSA fingerprint and legacy encryption, SRP
compute_check), python3-pyaes and python3-cryptography (AES blocks, CTR) and hashlib re-derivations
of the MTProto KDFs and RSA_PAD. Exits non-zero on the first mismatch; prints a one-line summary.

Usage: crosscheck.py <path to crypto_vectors> [seed]
Run with Debian's /usr/bin/python3: the Telethon it imports is a Debian package.
"""
import hashlib
import os
import random
import subprocess
import sys
import types as pytypes
from unittest import mock

import pyaes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from telethon import password as tl_password
from telethon.crypto import AES as TelethonAES
from telethon.crypto import rsa as tl_rsa
from telethon.tl import types as tl_types

TELEGRAM_PRIME = bytes.fromhex(
    'c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d2'
    '2530f4dbfa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454'
    'f18faf8c595f642477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051'
    '907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6b'
    'c465b0d6ff9ca3928fef5b9ae4e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f'
    '0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b')


class Mismatch(Exception):
    pass


def hexarg(data):
    return data.hex() if data else '-'


def run_vectors(binary, requests):
    """Sends (op, args) requests to crypto_vectors; returns the reply lines' words."""
    text = ''.join(op + ' ' + ' '.join(hexarg(a) for a in args) + '\n' for op, args in requests)
    result = subprocess.run([binary], input=text, capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    if len(lines) != len(requests):
        raise Mismatch('crypto_vectors answered %d of %d requests' % (len(lines), len(requests)))
    replies = []
    for (op, _), line in zip(requests, lines):
        if line.startswith('error'):
            raise Mismatch('crypto_vectors failed on %s: %s' % (op, line))
        replies.append(line.split())
    return replies


class Checker:
    def __init__(self):
        self.counts = {}

    def expect(self, name, ours, theirs):
        theirs = ['-' if item == '' else item for item in theirs]
        if ours != theirs:
            raise Mismatch('%s: ours %r != independent %r' % (name, ours, theirs))
        self.counts[name] = self.counts.get(name, 0) + 1


def sha1(*parts):
    return hashlib.sha1(b''.join(parts)).digest()


def sha256(*parts):
    return hashlib.sha256(b''.join(parts)).digest()


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def pyaes_ige(key, iv, data, encrypt):
    """IGE from the definition over pyaes' single-block AES."""
    aes = pyaes.AES(key)
    block_fn = aes.encrypt if encrypt else aes.decrypt
    c_prev, p_prev = iv[:16], iv[16:]
    x_prev, y_prev = (c_prev, p_prev) if encrypt else (p_prev, c_prev)
    out = b''
    for i in range(0, len(data), 16):
        block = data[i:i + 16]
        result = xor(bytes(block_fn(list(xor(block, x_prev)))), y_prev)
        x_prev, y_prev = result, block
        out += result
    return out


def kdf2(auth_key, x, msg_key):
    a = sha256(msg_key, auth_key[x:x + 36])
    b = sha256(auth_key[40 + x:76 + x], msg_key)
    return a[:8] + b[8:24] + a[24:32], b[:8] + a[8:24] + b[24:32]


def kdf1(auth_key, x, msg_key):
    a = sha1(msg_key, auth_key[x:x + 32])
    b = sha1(auth_key[32 + x:48 + x], msg_key, auth_key[48 + x:64 + x])
    c = sha1(auth_key[64 + x:96 + x], msg_key)
    d = sha1(msg_key, auth_key[96 + x:128 + x])
    return a[:8] + b[8:20] + c[4:16], a[8:20] + b[:8] + c[16:20] + d[:8]


def rsa_pad_encrypt(n, e, data, rand):
    """RSA_PAD of https://core.telegram.org/mtproto/auth_key step 4.1 (padding drawn first)."""
    data_with_padding = data + rand.take(192 - len(data))
    while True:
        temp_key = rand.take(32)
        data_with_hash = data_with_padding[::-1] + sha256(temp_key, data_with_padding)
        aes_encrypted = pyaes_ige(temp_key, bytes(32), data_with_hash, True)
        key_aes_encrypted = xor(temp_key, sha256(aes_encrypted)) + aes_encrypted
        if int.from_bytes(key_aes_encrypted, 'big') < n:
            return pow(int.from_bytes(key_aes_encrypted, 'big'), e, n).to_bytes(256, 'big')


class Stream:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out


def main():
    binary = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else int.from_bytes(os.urandom(4), 'big')
    rng = random.Random(seed)
    rb = lambda n: bytes(rng.getrandbits(8) for _ in range(n))
    check = Checker()

    # --- Batch 1: everything computable from random inputs alone.
    requests, expectations = [], []

    def ask(op, args, name, expected):
        requests.append((op, args))
        expectations.append((name, expected))

    for blocks in [1, 2, 3, 7, 64, 255, 256, 257, 600]:
        key, iv, data = rb(32), rb(32), rb(16 * blocks)
        cipher = TelethonAES.encrypt_ige(data, key, iv)
        if pyaes_ige(key, iv, data, True) != cipher:
            raise Mismatch('Telethon and pyaes disagree on IGE')
        ask('ige_enc', [key, iv, data], 'ige_encrypt', [cipher.hex()])
        ask('ige_enc_inplace', [key, iv, data], 'ige_encrypt_in_place', [cipher.hex()])
        ask('ige_dec', [key, iv, cipher], 'ige_decrypt',
            [TelethonAES.decrypt_ige(cipher, key, iv).hex()])
    for size in [0, 1, 15, 16, 17, 100, 1000, 4096]:
        key, iv, data = rb(32), rb(16), rb(size)
        encryptor = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
        expected = encryptor.update(data) + encryptor.finalize()
        ctr = pyaes.AESModeOfOperationCTR(key, pyaes.Counter(int.from_bytes(iv, 'big')))
        if ctr.encrypt(data) != expected:
            raise Mismatch('pyaes and cryptography disagree on CTR')
        ask('ctr', [key, iv, data], 'aes_ctr', [expected.hex()])
    for _ in range(20):
        auth_key, x = rb(256), rng.choice([0, 8])
        plaintext = rb(16 * rng.randint(1, 20))
        msg_key = sha256(auth_key[88 + x:120 + x], plaintext)[8:24]
        ask('msgkey2', [auth_key, bytes([x]), plaintext], 'msg_key_v2', [msg_key.hex()])
        ask('kdf2', [auth_key, bytes([x]), msg_key], 'kdf_v2',
            [v.hex() for v in kdf2(auth_key, x, msg_key)])
        msg_key1 = sha1(plaintext)[4:20]
        ask('msgkey1', [plaintext], 'msg_key_v1', [msg_key1.hex()])
        ask('kdf1', [auth_key, bytes([x]), msg_key1], 'kdf_v1',
            [v.hex() for v in kdf1(auth_key, x, msg_key1)])
        ask('keyid', [auth_key], 'auth_key_id', [sha1(auth_key)[12:20][::-1].hex()])
        new_nonce, server_nonce = rb(32), rb(16)
        a, b = sha1(new_nonce, server_nonce), sha1(server_nonce, new_nonce)
        ask('tmp', [new_nonce, server_nonce], 'tmp_aes_key_iv',
            [(a + b[:12]).hex(), (b[12:] + sha1(new_nonce, new_nonce) + new_nonce[:4]).hex()])
    for _ in range(20):
        p, q = sorted(rng.sample([n for n in (rng.randrange(2**30, 2**31) | 1 for _ in range(400))
                                  if pow(2, n - 1, n) == 1 and all(n % d for d in range(3, 2000, 2))], 2))
        ask('pq', [(p * q).to_bytes(8, 'big')], 'pq_factors',
            ['%016x' % p, '%016x' % q])

    # RSA: Telethon's own keys and fresh ones for fingerprints; legacy encryption vs Telethon.
    for fingerprint, (key, _) in list(tl_rsa._server_keys.items()):
        ask('fingerprint', [key.save_pkcs1()], 'rsa_fingerprint_telegram',
            ['%016x' % (fingerprint & (2**64 - 1))])
    private_keys = []
    for _ in range(3):
        private = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_keys.append(private)
        pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.PKCS1)
        spki = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        tl_rsa.add_key(pem.decode(), old=False)
        telethon_fp = tl_rsa._compute_fingerprint(tl_rsa.rsa.PublicKey.load_pkcs1(pem))
        ask('fingerprint', [pem], 'rsa_fingerprint', ['%016x' % (telethon_fp & (2**64 - 1))])
        ask('fingerprint', [spki], 'rsa_fingerprint_spki', ['%016x' % (telethon_fp & (2**64 - 1))])
        numbers = private.public_key().public_numbers()
        for size in [0, 20, 100, 235]:
            data, padding = rb(size), rb(235 - size)
            with mock.patch.object(tl_rsa, 'os', pytypes.SimpleNamespace(urandom=lambda n: padding)):
                expected = tl_rsa.encrypt(telethon_fp, data)
            ask('rsa_legacy', [pem, data, padding], 'rsa_legacy_encrypt', [expected.hex()])
        for size in [0, 50, 144]:
            data, script = rb(size), rb(192 - size + 32 * 4)
            expected = rsa_pad_encrypt(numbers.n, numbers.e, data, Stream(script))
            ask('rsa_pad', [pem, data, script], 'rsa_pad_encrypt', [expected.hex()])

    # SRP client: Telethon's compute_check with a fixed secret a.
    srp_cases = []
    for i in range(3):
        algo = tl_types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
            salt1=rb(40), salt2=rb(16), g=3, p=TELEGRAM_PRIME)
        secret = 'pässwörd-%d' % i
        verifier_secret = rb(256)
        srp_b = pow(3, int.from_bytes(rb(256), 'big'), int.from_bytes(TELEGRAM_PRIME, 'big'))
        srp_b = srp_b.to_bytes(256, 'big')
        a_secret = rb(256)
        request = pytypes.SimpleNamespace(current_algo=algo, srp_B=srp_b, srp_id=1)
        with mock.patch.object(tl_password, 'os', pytypes.SimpleNamespace(urandom=lambda n: a_secret)):
            result = tl_password.compute_check(request, secret)
        common = [algo.salt1, algo.salt2, bytes([3]), TELEGRAM_PRIME]
        ask('srp_check', [secret.encode()] + common + [srp_b, a_secret], 'srp_client_A_M1',
            [result.A.hex(), result.M1.hex()])
        v = tl_password.compute_digest(algo, secret)
        ask('srp_verifier', [secret.encode()] + common, 'srp_verifier_v', [v.hex()])
        srp_cases.append((algo, secret, common, v, verifier_secret))

    replies = run_vectors(binary, requests)
    for (name, expected), reply in zip(expectations, replies):
        check.expect(name, reply, expected)

    # --- Batch 2: our server side against Telethon's client side.
    requests2 = []
    for algo, secret, common, v, b_secret in srp_cases:
        requests2.append(('srp_b', common + [v, b_secret]))
    requests2.append(('rsa_gen', []))
    replies2 = run_vectors(binary, requests2)
    verify_requests, verify_expect = [], []
    for (algo, secret, common, v, b_secret), (srp_b_hex,) in zip(srp_cases, replies2):
        srp_b = bytes.fromhex(srp_b_hex)
        request = pytypes.SimpleNamespace(current_algo=algo, srp_B=srp_b, srp_id=1)
        good = tl_password.compute_check(request, secret)
        bad = tl_password.compute_check(request, secret + '!')
        verify_requests.append(('srp_verify', common + [v, b_secret, good.A, good.M1]))
        verify_expect.append(('srp_server_accepts_telethon', ['ok']))
        verify_requests.append(('srp_verify', common + [v, b_secret, bad.A, bad.M1]))
        verify_expect.append(('srp_server_rejects_wrong_password', ['denied']))

    private_pem_hex, public_pem_hex, fingerprint_hex = replies2[-1]
    private_pem = bytes.fromhex(private_pem_hex)
    public_pem = bytes.fromhex(public_pem_hex).decode()
    if int(fingerprint_hex, 16) < 0x1000000000000000:
        raise Mismatch('generated server key fingerprint %s is below 0x1000000000000000'
                       % fingerprint_hex)
    tl_rsa.add_key(public_pem, old=False)
    server_public = tl_rsa.rsa.PublicKey.load_pkcs1(public_pem.encode())
    server_fp = tl_rsa._compute_fingerprint(server_public)
    check.expect('server_key_fingerprint', [fingerprint_hex], ['%016x' % (server_fp & (2**64 - 1))])
    for size in [0, 60, 200, 235]:
        data = rb(size)
        encrypted = tl_rsa.encrypt(server_fp, data)  # real os.urandom padding
        verify_requests.append(('rsa_decrypt', [private_pem, encrypted]))
        verify_expect.append(('rsa_server_decrypts_telethon_legacy', ['legacy', hexarg(data)]))
    for size in [0, 96, 144]:
        data = rb(size)
        encrypted = rsa_pad_encrypt(server_public.n, server_public.e, data, Stream(rb(192 + 32 * 64)))
        verify_requests.append(('rsa_decrypt', [private_pem, encrypted]))
        verify_expect.append(('rsa_server_decrypts_python_rsa_pad', ['rsa_pad', None, data]))
    replies3 = run_vectors(binary, verify_requests)
    for (name, expected), reply in zip(verify_expect, replies3):
        if name == 'rsa_server_decrypts_python_rsa_pad':
            data = expected[2]
            # RSA_PAD returns the data with its padding; compare the prefix.
            check.expect(name, [reply[0], bytes.fromhex(reply[1])[:len(data)].hex() or '-'],
                         ['rsa_pad', data.hex()])
        else:
            check.expect(name, reply, expected)

    total = sum(check.counts.values())
    print('crypto_crosscheck: OK, %d comparisons in %d categories (seed %d): %s' % (
        total, len(check.counts), seed,
        ', '.join('%s=%d' % item for item in sorted(check.counts.items()))))


if __name__ == '__main__':
    try:
        main()
    except Mismatch as error:
        print('crypto_crosscheck: MISMATCH: %s' % error)
        sys.exit(1)
