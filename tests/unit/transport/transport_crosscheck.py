#!/usr/bin/python3
"""Cross-checks mtproto::transport against Telethon's own transport codecs.

Telethon (Debian python3-telethon 1.25.1) is one of the clients our emulator must serve, so its
framings are the ones that matter. Both directions are checked for abridged, intermediate, padded
intermediate and full, plain and obfuscated2:

  * Telethon as client: a stream built by Telethon's PacketCodec.encode_packet (and, obfuscated,
    by ObfuscatedIO.init_header and its AES-CTR encryptor) goes to our server codec, which must
    detect the framing and return the payloads; our server's replies and a -404 transport error
    are then read back by Telethon's read_packet through its decryptor.
  * Our client: its stream is parsed with Telethon's read_packet after deriving the obfuscation
    keys from our header the way Telethon does; a server stream built with Telethon's codecs
    (keys reversed) goes back to our client codec.

Usage: transport_crosscheck.py <path to transport_vectors> [seed]
Run with Debian's /usr/bin/python3.
"""
import asyncio
import os
import random
import struct
import subprocess
import sys
from unittest import mock

from telethon.crypto import AESModeCTR
from telethon.network.connection.tcpabridged import AbridgedPacketCodec
from telethon.network.connection.tcpfull import FullPacketCodec
from telethon.network.connection.tcpintermediate import (IntermediatePacketCodec,
                                                          RandomizedIntermediatePacketCodec)
from telethon.network.connection.tcpobfuscated import ObfuscatedIO

CODECS = {
    'abridged': AbridgedPacketCodec,
    'intermediate': IntermediatePacketCodec,
    'padded_intermediate': RandomizedIntermediatePacketCodec,
    'full': FullPacketCodec,
}
# Telethon's randomized codec has no plain tag (it only runs obfuscated); the spec's is dddddddd.
PLAIN_TAGS = {
    'abridged': b'\xef',
    'intermediate': b'\xee' * 4,
    'padded_intermediate': b'\xdd' * 4,
    'full': b'',
}
ERROR_404 = struct.pack('<i', -404)


class Mismatch(Exception):
    pass


def hexarg(data):
    return data.hex() if data else '-'


def hexlist(items):
    return ','.join(i.hex() for i in items) if items else '-'


def run_vectors(binary, lines):
    result = subprocess.run([binary], input=''.join(l + '\n' for l in lines),
                            capture_output=True, text=True, check=True)
    replies = result.stdout.splitlines()
    if len(replies) != len(lines):
        raise Mismatch('transport_vectors answered %d of %d lines' % (len(replies), len(lines)))
    for line, reply in zip(lines, replies):
        if not reply.startswith('ok'):
            raise Mismatch('transport_vectors failed on %r: %s' % (line[:80], reply))
    return [r.split() for r in replies]


def parse_frames(text):
    if text == '-':
        return []
    frames = []
    for item in text.split(','):
        kind, value = item.split(':')
        if kind == 'p':
            frames.append(('p', bytes.fromhex(value)))
        elif kind == 'q':
            frames.append(('q', int(value, 16)))
        else:
            frames.append(('e', int(value)))
    return frames


class DecryptingReader:
    """readexactly() over a byte string, optionally through an AES-CTR decryptor."""

    def __init__(self, data, decryptor=None):
        self._data = data
        self._pos = 0
        self._decryptor = decryptor

    async def readexactly(self, n):
        if n < 0 or self._pos + n > len(self._data):
            raise Mismatch('stream ended early (need %d more bytes)' % n)
        chunk = self._data[self._pos:self._pos + n]
        self._pos += n
        return self._decryptor.encrypt(chunk) if self._decryptor else chunk

    def at_end(self):
        return self._pos == len(self._data)


def read_all(codec, reader, count):
    async def go():
        return [await codec.read_packet(reader) for _ in range(count)]
    packets = asyncio.run(go())
    if not reader.at_end():
        raise Mismatch('trailing bytes after %d packets' % count)
    return packets


def random_payloads(rng):
    """Word-aligned payloads (MTProto packets always are), around the abridged 127-word edge."""
    sizes = [rng.choice([24, 40, 504, 508, 512]) for _ in range(2)]
    sizes += [4 * rng.randint(6, 600) for _ in range(rng.randint(0, 3))]
    return [rng.randbytes(s) for s in sizes]


def telethon_client_stream(name, obfuscated, payloads, rng):
    """Returns (stream, codec, server->client decryptor or None)."""
    codec = CODECS[name](None)
    # Telethon draws its header and padding from os.urandom / random: seed them for repeatability.
    with mock.patch('os.urandom', side_effect=rng.randbytes):
        body = b''.join(codec.encode_packet(p) for p in payloads)
        if not obfuscated:
            return PLAIN_TAGS[name] + body, codec, None
        header, encryptor, decryptor = ObfuscatedIO.init_header(codec)
    return bytes(header) + encryptor.encrypt(body), codec, decryptor


def check_telethon_client(binary, cases, rng):
    lines, contexts = [], []
    for name, obfuscated in cases:
        payloads = random_payloads(rng)
        replies = random_payloads(rng)
        stream, codec, decryptor = telethon_client_stream(name, obfuscated, payloads, rng)
        lines.append('server %d %s %s' % (rng.getrandbits(32), hexarg(stream), hexlist(replies)))
        contexts.append((name, obfuscated, payloads, replies, codec, decryptor))
    for reply, (name, obfuscated, payloads, replies, codec, decryptor) in zip(
            run_vectors(binary, lines), contexts):
        _, framing, obf, frames, server_stream = reply
        if framing != name or int(obf) != int(obfuscated):
            raise Mismatch('server detected %s/%s for %s/%s' % (framing, obf, name, obfuscated))
        if parse_frames(frames) != [('p', p) for p in payloads]:
            raise Mismatch('server decoded other packets than Telethon sent (%s)' % name)
        reader = DecryptingReader(bytes.fromhex(server_stream), decryptor)
        got = read_all(codec, reader, len(replies) + 1)
        if got != replies + [ERROR_404]:
            raise Mismatch('Telethon read other packets than our server sent (%s)' % name)


def telethon_server_side(name, obfuscated, client_stream):
    """Parses our client's preamble like a server using Telethon's key derivation.

    Returns (reader over the rest, server->client encryptor or None)."""
    if not obfuscated:
        tag = PLAIN_TAGS[name]
        if not client_stream.startswith(tag):
            raise Mismatch('%s: preamble %s' % (name, client_stream[:4].hex()))
        return DecryptingReader(client_stream[len(tag):]), None
    header = bytearray(client_stream[:64])
    if header[0] == 0xef or header[:4] in (b'HEAD', b'POST', b'GET ', b'OPTI', b'\xee' * 4,
                                           b'\xdd' * 4, b'\x16\x03\x01\x02') or \
            header[4:8] == b'\0' * 4:
        raise Mismatch('forbidden obfuscated2 header start %s' % header[:8].hex())
    reversed_ = header[55:7:-1]
    decryptor = AESModeCTR(bytes(header[8:40]), bytes(header[40:56]))
    encryptor = AESModeCTR(bytes(reversed_[:32]), bytes(reversed_[32:48]))
    plain = decryptor.encrypt(bytes(header))
    if plain[56:60] != CODECS[name].obfuscate_tag:
        raise Mismatch('%s: obfuscated tag %s' % (name, plain[56:60].hex()))
    return DecryptingReader(client_stream[64:], decryptor), encryptor


def check_our_client(binary, cases, rng):
    first, contexts = [], []
    for name, obfuscated in cases:
        payloads = random_payloads(rng)
        seed = rng.getrandbits(32)
        first.append('client %s %d %d %s -' % (name, obfuscated, seed, hexlist(payloads)))
        contexts.append((name, obfuscated, payloads, seed))
    second, expected = [], []
    for reply, (name, obfuscated, payloads, seed) in zip(run_vectors(binary, first), contexts):
        stream = b'' if reply[1] == '-' else bytes.fromhex(reply[1])
        reader, encryptor = telethon_server_side(name, obfuscated, stream)
        got = read_all(CODECS[name](None), reader, len(payloads))
        if name == 'padded_intermediate':
            # Telethon strips only padding past the last whole word; ours may leave up to 12.
            ok = all(g[:len(p)] == p and len(g) - len(p) <= 12 for g, p in zip(got, payloads))
        else:
            ok = got == payloads
        if not ok:
            raise Mismatch('Telethon read other packets than our client sent (%s)' % name)
        replies = random_payloads(rng)
        with mock.patch('os.urandom', side_effect=rng.randbytes):
            codec = CODECS[name](None)
            body = b''.join(codec.encode_packet(r) for r in replies + [ERROR_404])
        if encryptor:
            body = encryptor.encrypt(body)
        second.append('client %s %d %d %s %s' % (name, obfuscated, seed, hexlist(payloads),
                                                 hexarg(body)))
        expected.append([('p', r) for r in replies] + [('e', -404)])
    for reply, want in zip(run_vectors(binary, second), expected):
        if parse_frames(reply[2]) != want:
            raise Mismatch('our client decoded other frames than Telethon sent')


def main():
    binary = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20240601
    rng = random.Random(seed)
    cases = [(name, obf) for name in CODECS for obf in (False, True)
             if not (name == 'full' and obf)]
    rounds = 12
    try:
        for _ in range(rounds):
            check_telethon_client(binary, cases, rng)
            check_our_client(binary, cases, rng)
    except Mismatch as e:
        print('MISMATCH (seed %d): %s' % (seed, e))
        return 1
    print('transport crosscheck: %d framing/obfuscation cases x %d rounds x 2 directions agree '
          'with Telethon' % (len(cases), rounds))
    return 0


if __name__ == '__main__':
    sys.exit(main())
