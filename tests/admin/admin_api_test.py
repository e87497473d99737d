#!/usr/bin/python3
"""hamsterctl's command line (bad usage exits 2 naming the problem, server
errors exit 1) and hamsterd's admin API (SigV4 with the root credentials,
403 JSON otherwise; JSON errors for bad paths, methods and bodies), against a
real hamsterd.

Usage: admin_api_test.py HAMSTERD HAMSTERCTL
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import admin_util  # noqa: E402
from admin_util import admin_call, admin_client, ctl, start_server  # noqa: E402


class CommandLineTest(unittest.TestCase):
    """Usage errors need no server: hamsterctl refuses before connecting."""

    def usage_error(self, args, message, env=None):
        env = dict({"HAMSTER_ROOT_ACCESS_KEY": "a", "HAMSTER_ROOT_SECRET_KEY": "b"}, **(env or {}))
        code, out, err = ctl(args, env=env)
        self.assertEqual(code, 2, "%r: stdout=%r stderr=%r" % (args, out, err))
        self.assertIn(message, err, "%r" % (args,))
        self.assertTrue(err.startswith("hamsterctl: "), err)

    def test_bad_usage_exits_2_naming_the_problem(self):
        self.usage_error([], "missing command")
        self.usage_error(["frob"], "unknown command 'frob'")
        self.usage_error(["key"], "missing subcommand")
        self.usage_error(["key", "frob"], "unknown subcommand 'key frob'")
        self.usage_error(["key", "retire"], "key retire needs a KEY-ID")
        self.usage_error(["key", "status", "extra"], "unexpected argument 'extra'")
        self.usage_error(["key", "retire", "key-1", "key-2"], "unexpected argument 'key-2'")
        self.usage_error(["--bogus", "key", "status"], "unknown flag --bogus")
        self.usage_error(["-x", "key", "status"], "unknown flag -x")
        self.usage_error(["key", "status", "--endpoint"], "flag --endpoint needs a value")
        self.usage_error(["--region=", "key", "status"], "--region must not be empty")
        self.usage_error(["key", "status", "--wait"], "--wait goes with 'key rotate' only")
        self.usage_error(["--endpoint", "ftp://h:1", "key", "status"], "--endpoint")
        self.usage_error(["--credentials-file", "/nonexistent/root-credentials", "key", "status"],
                         "--credentials-file: cannot read /nonexistent/root-credentials")
        self.usage_error(["key", "status"], "no root credentials",
                         env={"HAMSTER_ROOT_ACCESS_KEY": "", "HAMSTER_ROOT_SECRET_KEY": ""})

    def test_help_exits_0(self):
        for args in (["--help"], ["help"], ["-h", "key", "status"]):
            code, out, _ = ctl(args)
            self.assertEqual(code, 0, args)
            self.assertIn("key rotate [--wait]", out)

    def test_unreachable_endpoint_exits_1(self):
        code, _, err = ctl(["--endpoint", "http://127.0.0.1:1", "key", "status"],
                           env={"HAMSTER_ROOT_ACCESS_KEY": "a", "HAMSTER_ROOT_SECRET_KEY": "b"})
        self.assertEqual(code, 1, err)
        self.assertIn("cannot reach the admin API at 127.0.0.1:1", err)


class AdminApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hamster-admin-")
        cls.server = start_server(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            if code != 0:
                raise admin_util.ServerError("hamsterd exited %s after SIGTERM" % code)
        finally:
            shutil.rmtree(cls.tmp, True)

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for client in self.clients:
            client.close()

    def client(self, **kwargs):
        client = admin_client(self.server, **kwargs)
        self.clients.append(client)
        return client

    def assert_json_error(self, response, body, status, code):
        self.assertEqual(response.status, status, "%r" % response)
        self.assertEqual(response.header("Content-Type"), "application/json")
        self.assertEqual(body["error"]["code"], code, body)
        self.assertTrue(body["error"]["message"], body)

    def test_refuses_requests_without_valid_root_signature(self):
        unsigned = self.client()
        _, header_list, _ = unsigned.build("GET", "admin", "v1/keys", sign=False)
        response = unsigned.send_raw("GET", "/admin/v1/keys", header_list)
        self.assert_json_error(response, json.loads(response.body), 403, "AccessDenied")
        response, body = admin_call(self.client(secret_key="not-the-secret"), "GET",
                                    "admin/v1/keys")
        self.assert_json_error(response, body, 403, "SignatureDoesNotMatch")
        response, body = admin_call(self.client(access_key="SOMEONEELSE"), "POST",
                                    "admin/v1/keys/rotate")
        self.assert_json_error(response, body, 403, "InvalidAccessKeyId")
        # Nothing was rotated by the refused POST.
        self.assertEqual(admin_util.key_status(self.server)["active_key"], "key-1")
        code, _, err = ctl(["key", "status"], self.server,
                           env={"HAMSTER_ROOT_SECRET_KEY": "wrong"})
        self.assertEqual(code, 1, err)
        self.assertIn("SignatureDoesNotMatch (HTTP 403)", err)

    def test_unknown_paths_methods_and_bodies_are_json_errors(self):
        client = self.client()
        response, body = admin_call(client, "GET", "admin/v1/nothing")
        self.assert_json_error(response, body, 404, "NotFound")
        response, body = admin_call(client, "GET", "admin/v1/keys/rotate")
        self.assert_json_error(response, body, 405, "MethodNotAllowed")
        response, body = admin_call(client, "DELETE", "admin/v1/keys")
        self.assert_json_error(response, body, 405, "MethodNotAllowed")
        response, body = admin_call(client, "POST", "admin/v1/keys/rotate", body=b"{}")
        self.assert_json_error(response, body, 400, "InvalidRequest")
        response, body = admin_call(client, "POST", "admin/v1/keys/key-99/retire")
        self.assert_json_error(response, body, 404, "NotFound")

    def test_status_reports_the_keyring(self):
        status = admin_util.key_status(self.server)
        self.assertEqual(status["active_key"], status["keys"][-1]["id"])
        self.assertTrue(status["keys"][-1]["active"])
        code, out, err = ctl(["key", "status"], self.server)
        self.assertEqual(code, 0, err)
        self.assertIn("active key: %s" % status["active_key"], out)

    def test_credentials_from_a_file(self):
        path = os.path.join(self.tmp, "root-credentials")
        with open(path, "w") as f:
            f.write("access_key_id=%s\nsecret_key=%s\n" % (admin_util.ACCESS_KEY,
                                                           admin_util.SECRET_KEY))
        blank = {"HAMSTER_ROOT_ACCESS_KEY": "", "HAMSTER_ROOT_SECRET_KEY": ""}
        code, out, err = ctl(["--credentials-file", path, "key", "status"], self.server, env=blank)
        self.assertEqual(code, 0, err)
        self.assertIn("active key:", out)
        # An explicit key flag still wins over the file.
        code, _, err = ctl(["--credentials-file", path, "--secret-key", "wrong", "key", "status"],
                           self.server, env=blank)
        self.assertEqual(code, 1, err)
        self.assertIn("SignatureDoesNotMatch", err)
        with open(path, "w") as f:
            f.write("nothing useful\n")
        code, _, err = ctl(["--credentials-file", path, "key", "status"], self.server, env=blank)
        self.assertEqual(code, 2, err)
        self.assertIn("lacks access_key_id= or secret_key=", err)

    def test_retire_refusals_exit_1(self):
        active = admin_util.key_status(self.server)["active_key"]
        code, _, err = ctl(["key", "retire", active], self.server)
        self.assertEqual(code, 1, err)
        self.assertIn("is the active key", err)
        code, _, err = ctl(["key", "retire", "key-404"], self.server)
        self.assertEqual(code, 1, err)
        self.assertIn("no master key key-404", err)


class ListenFlagTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hamster-admin-")

    def tearDown(self):
        shutil.rmtree(self.tmp, True)

    def test_admin_listen_off_serves_no_admin_api(self):
        server = admin_util.Hamsterd(admin_util.HAMSTERD, self.tmp, ["--admin-listen", "off"])
        server.start()
        try:
            self.assertFalse(any("admin API" in line for line in server.stdout_lines))
        finally:
            self.assertEqual(server.stop(), 0)

    def test_bad_admin_listen_exits_2(self):
        result = subprocess.run([admin_util.HAMSTERD, "serve", "--data-dir",
                                 os.path.join(self.tmp, "d"), "--admin-listen", "nowhere"],
                                capture_output=True, timeout=60)
        self.assertEqual(result.returncode, 2, result)
        self.assertIn(b"--admin-listen must be HOST:PORT", result.stderr)


if __name__ == "__main__":
    sys.exit(admin_util.run(sys.argv, __name__))
