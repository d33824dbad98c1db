"""End to end over TLS with a bearer token: invitegate-server (child process, embedded emulator)
configured with a server certificate from a throw-away CA and one token; the client trusts the
CA and sends the token. Without the token: UNAUTHENTICATED; trusting another CA: no connection.
INVITEGATE_SERVER names the binary (CTest passes it)."""

import json
import os
import subprocess
import tempfile
import unittest

import invitegate_client as ig
from invitegate.v1 import accounts_pb2

from server_process import ServerProcess

TOKEN = "py-e2e-token-0123456789abcdef"


def make_ca(directory: str, name: str) -> tuple:
    """A CA and a server certificate for 127.0.0.1 signed by it (openssl CLI)."""
    ca_key, ca_pem = f"{directory}/{name}-ca.key", f"{directory}/{name}-ca.pem"
    key, csr, pem = (f"{directory}/{name}.key", f"{directory}/{name}.csr",
                     f"{directory}/{name}.pem")
    ext = f"{directory}/{name}.ext"
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_pem,
        "-days", "2", "-subj", f"/CN={name} test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
        "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial",
        "-out", pem, "-days", "2", "-extfile", ext)
    return ca_pem, pem, key


class TlsTokenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="invitegate-py-tls-")
        cls.ca, cert, key = make_ca(cls.tmp.name, "server")
        cls.other_ca, _, _ = make_ca(cls.tmp.name, "other")
        config = f"{cls.tmp.name}/config.json"
        with open(config, "w") as f:
            json.dump({"tls": {"cert_file": cert, "key_file": key},
                       "tokens": [{"name": "py-e2e", "secret": {"env": "INVITEGATE_PY_E2E_TOKEN"},
                                   "accounts": ["*"], "actions": ["admin"]}]}, f)
        cls.server = ServerProcess(os.environ["INVITEGATE_SERVER"], args=[f"--config={config}"],
                                   env={"INVITEGATE_PY_E2E_TOKEN": TOKEN}).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        cls.tmp.cleanup()

    def get_alice(self, **options):
        with ig.Client(self.server.address, timeout=10, **options) as client:
            return client.accounts.GetAccount(accounts_pb2.GetAccountRequest(name="accounts/alice"))

    def test_tls_with_the_token(self):
        self.assertEqual(self.get_alice(ca_cert=self.ca, token=TOKEN).name, "accounts/alice")

    def test_without_the_token(self):
        with self.assertRaises(ig.UnauthenticatedError):
            self.get_alice(ca_cert=self.ca)
        with self.assertRaises(ig.UnauthenticatedError):
            self.get_alice(ca_cert=self.ca, token="wrong-token-0123456789abcdef")

    def test_a_server_the_client_does_not_trust(self):
        with self.assertRaises(ig.UnavailableError):
            self.get_alice(ca_cert=self.other_ca, token=TOKEN)


if __name__ == "__main__":
    unittest.main()
