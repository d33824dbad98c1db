#!/usr/bin/python3
"""Cross-checks the generated layer-144 tables against Telethon 1.25.1 (Debian python3-telethon),
an independent implementation of API layer 144.

1. Our layer-223 samples written with the layer-144 adapter (tl_layers_tool encode 144) must parse
   with Telethon's own BinaryReader into the expected Telethon objects, consuming every byte.
2. Requests serialized by Telethon's classes (as Telethon sends them: wrapped in invokeWithLayer and
   initConnection) must decode, through the compat schema, into our layer-223 structs.

Usage: layers_crosscheck.py <path to tl_layers_tool>. Prints 'N passed, N failed'; exits non-zero
on any failure. Run with Debian's /usr/bin/python3.
"""
import datetime
import subprocess
import sys

from telethon.extensions import BinaryReader
from telethon.tl import alltlobjects, functions, types

assert alltlobjects.LAYER == 144, alltlobjects.LAYER

passed, failed = 0, 0


def check(name, condition, detail=''):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f'FAIL {name} {detail}')


def parse(hex_bytes):
    data = bytes.fromhex(hex_bytes)
    reader = BinaryReader(data)
    obj = reader.tgread_object()
    return obj, reader.tell_position() == len(data)


def check_encoded(tool):
    out = subprocess.run([tool, 'encode', '144'], check=True, capture_output=True, text=True).stdout
    samples = dict(line.split(' ', 1) for line in out.splitlines())
    when = lambda t: datetime.datetime.fromtimestamp(t, tz=datetime.timezone.utc)

    user, whole = parse(samples['user'])
    check('user: type', isinstance(user, types.User), repr(user))
    check('user: all bytes', whole)
    expect = dict(id=4200000001, is_self=True, bot=True, access_hash=-77, first_name='Ann',
                  username='ann_bot', bot_info_version=3, last_name=None, phone=None, photo=None)
    for field, value in expect.items():
        check(f'user.{field}', getattr(user, field, None) == value, repr(getattr(user, field, None)))
    check('user.status', isinstance(user.status, types.UserStatusRecently), repr(user.status))

    config, whole = parse(samples['config'])
    check('config: type', isinstance(config, types.Config), repr(config))
    check('config: all bytes', whole)
    expect = dict(date=when(1700000000), expires=when(1700003600), test_mode=False, this_dc=2,
                  dc_txt_domain_name='dc.example', chat_size_max=200, megagroup_size_max=200000,
                  edit_time_limit=172800, me_url_prefix='https://t.me/', caption_length_max=1024,
                  message_length_max=4096, webfile_dc_id=4, tmp_sessions=5, saved_gifs_limit=0,
                  pinned_dialogs_count_max=0, phonecalls_enabled=False)
    for field, value in expect.items():
        check(f'config.{field}', getattr(config, field, None) == value, repr(getattr(config, field, None)))
    dc = config.dc_options[0] if config.dc_options else None
    check('config.dc_options', dc is not None and (dc.id, dc.ip_address, dc.port) == (2, '127.0.0.1', 4430),
          repr(config.dc_options))

    auth, whole = parse(samples['authorization'])
    check('auth.authorization: type', isinstance(auth, types.auth.Authorization), repr(auth))
    check('auth.authorization: all bytes', whole)
    check('auth.authorization.tmp_sessions', auth.tmp_sessions == 7)
    check('auth.authorization.user', isinstance(auth.user, types.User) and auth.user.id == 4200000001
          and isinstance(auth.user.status, types.UserStatusRecently), repr(auth.user))

    invite, whole = parse(samples['invite'])
    check('chatInviteExported: type', isinstance(invite, types.ChatInviteExported), repr(invite))
    check('chatInviteExported: all bytes', whole)
    expect = dict(link='https://t.me/+abcdef', admin_id=4200000001, date=when(1700000000), permanent=True,
                  revoked=False, usage_limit=10, title='team', usage=None, expire_date=None)
    for field, value in expect.items():
        check(f'chatInviteExported.{field}', getattr(invite, field, None) == value,
              repr(getattr(invite, field, None)))

    password, whole = parse(samples['password'])
    check('account.password: type', isinstance(password, types.account.Password), repr(password))
    check('account.password: all bytes', whole)
    expect = dict(has_password=True, has_recovery=False, srp_B=b'\x05' * 256, srp_id=991, hint='pet',
                  secure_random=b'rnd', email_unconfirmed_pattern=None)
    for field, value in expect.items():
        check(f'account.password.{field}', getattr(password, field, None) == value,
              repr(getattr(password, field, None))[:80])
    check('account.password.algos', isinstance(password.current_algo, types.PasswordKdfAlgoUnknown)
          and isinstance(password.new_algo, types.PasswordKdfAlgoUnknown)
          and isinstance(password.new_secure_algo, types.SecurePasswordKdfAlgoUnknown))


def wrapped(query):
    return functions.InvokeWithLayerRequest(144, functions.InitConnectionRequest(
        api_id=6, device_model='dm', system_version='sv', app_version='1.25.1', system_lang_code='en',
        lang_pack='', lang_code='en', query=query))


def check_decoded(tool):
    requests = [
        ('help.getConfig', wrapped(functions.help.GetConfigRequest()),
         ['invokeWithLayer{layer=144', 'initConnection{', 'api_id=6', 'help.getConfig{']),
        ('users.getUsers', wrapped(functions.users.GetUsersRequest([types.InputUserSelf()])),
         ['users.getUsers{id=[inputUserSelf{}]}']),
        ('auth.sendCode', functions.auth.SendCodeRequest(
            '+15550001', 6, 'apihash', types.CodeSettings(allow_flashcall=True, current_number=True,
                                                          logout_tokens=[b'\x01\x02'])),
         ['auth.sendCode{phone_number="+15550001" api_id=6', 'codeSettings{allow_flashcall=true',
          'current_number=true', 'logout_tokens=[0x0102]']),
        ('auth.signIn', functions.auth.SignInRequest('+15550001', 'hash', '12345'),
         ['auth.signIn{phone_number="+15550001" phone_code_hash="hash"', 'phone_code=12345']),
        ('updates.getDifference', functions.updates.GetDifferenceRequest(
            pts=10, date=datetime.datetime.fromtimestamp(1700000000, tz=datetime.timezone.utc), qts=3,
            pts_total_limit=100),
         ['updates.getDifference{pts=10 pts_total_limit=100 date=1700000000 qts=3}']),
        ('auth.signUp', functions.auth.SignUpRequest('+15550001', 'hash', 'Ann', 'B'),
         ['auth.signUp{phone_number="+15550001" phone_code_hash="hash" first_name="Ann" last_name="B"}']),
    ]
    hex_in = ''.join(bytes(r).hex() + '\n' for _, r, _ in requests)
    out = subprocess.run([tool, 'decode'], input=hex_in, check=True, capture_output=True,
                         text=True).stdout.splitlines()
    check('decode: one line per request', len(out) == len(requests), repr(out))
    for (name, _, expected), text in zip(requests, out):
        for part in expected:
            check(f'{name}: {part}', part in text, text)


def main():
    tool = sys.argv[1]
    check_encoded(tool)
    check_decoded(tool)
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
