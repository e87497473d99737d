#!/usr/bin/python3
"""hamsterd's command line as an operator meets it: help, version, bad flags
(exit 2 with a message naming the problem), credentials generated once with
mode 0600 and reused, environment credentials, a data directory held by one
process at a time, and a clean exit on SIGTERM.

Usage: hamsterd_cli_test.py HAMSTERD_BINARY
"""

import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import unittest

BINARY = ""
SERVING = re.compile(r"hamsterd: serving S3 on http://([\d.]+):(\d+)")


def run(*args, env=None, timeout=30):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def clean_env():
    env = dict(os.environ)
    env.pop("HAMSTER_ROOT_ACCESS_KEY", None)
    env.pop("HAMSTER_ROOT_SECRET_KEY", None)
    return env


class Server:
    """hamsterd serve on a free port; stop() sends SIGTERM and returns (code, output)."""

    def __init__(self, data_dir, env=None, extra=()):
        self.process = subprocess.Popen(
            [BINARY, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.output = []
        for line in self.process.stdout:
            self.output.append(line)
            if SERVING.search(line):
                return
        raise AssertionError("hamsterd exited before serving: " + "".join(self.output))

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        rest, _ = self.process.communicate(timeout=60)
        return self.process.returncode, "".join(self.output) + rest


class HamsterdCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")

    def tearDown(self):
        self.tmp.cleanup()

    def test_help_and_version(self):
        for args in (["--help"], ["help"], ["serve", "--help"]):
            result = run(*args)
            self.assertEqual(result.returncode, 0, args)
            self.assertIn("--data-dir", result.stdout)
            self.assertIn("HAMSTER_ROOT_ACCESS_KEY", result.stdout)
        result = run("version")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout, r"^hamsterd \d+\.\d+\.\d+ \(protocol generation \d+\)$")

    def test_bad_input_exits_2_naming_the_problem(self):
        cases = [
            ([], "missing command"),
            (["frobnicate"], "unknown command 'frobnicate'"),
            (["serve", "--no-such-flag", "x"], "--no-such-flag"),
            (["serve", "--listen", "nowhere"], "--listen"),
            (["serve", "--listen", "127.0.0.1:70000"], "--listen port"),
            (["serve", "--header-timeout", "-1"], "--header-timeout"),
            (["serve", "--max-header-bytes", "10"], "--max-header-bytes"),
            (["serve", "--data-dir"], "--data-dir"),
            (["serve", "stray"], "stray"),
        ]
        for args, expected in cases:
            result = run(*args)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertTrue(result.stderr.startswith("hamsterd: "), result.stderr)
            self.assertIn(expected, result.stderr, args)

    def test_generated_credentials_are_stored_0600_and_printed_once(self):
        server = Server(self.data, env=clean_env())
        code, output = server.stop()
        self.assertEqual(code, 0, output)
        path = os.path.join(self.data, "root-credentials")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            stored = dict(line.strip().split("=", 1) for line in f if "=" in line)
        self.assertIn(stored["access_key_id"], output)
        self.assertIn(stored["secret_key"], output)
        server = Server(self.data, env=clean_env())
        code, output = server.stop()
        self.assertEqual(code, 0, output)
        self.assertNotIn(stored["secret_key"], output)

    def test_environment_credentials_win_and_must_come_in_pairs(self):
        env = clean_env()
        env["HAMSTER_ROOT_ACCESS_KEY"] = "only-half"
        result = run("serve", "--data-dir", self.data, "--listen", "127.0.0.1:0", env=env)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("HAMSTER_ROOT_SECRET_KEY", result.stderr)
        env["HAMSTER_ROOT_SECRET_KEY"] = "s3cr3t-s3cr3t"
        server = Server(self.data, env=env)
        code, output = server.stop()
        self.assertEqual(code, 0, output)
        self.assertFalse(os.path.exists(os.path.join(self.data, "root-credentials")))
        self.assertNotIn("s3cr3t-s3cr3t", output)

    def test_one_process_per_data_directory(self):
        first = Server(self.data, env=clean_env())
        try:
            second = run("serve", "--data-dir", self.data, "--listen", "127.0.0.1:0",
                         env=clean_env())
            self.assertNotEqual(second.returncode, 0)
            self.assertIn(self.data, second.stderr)
        finally:
            code, output = first.stop()
        self.assertEqual(code, 0, output)

    def test_unusable_listen_address_fails_clearly(self):
        first = Server(self.data, env=clean_env())
        try:
            port = SERVING.search("".join(first.output)).group(2)
            other = os.path.join(self.tmp.name, "other")
            result = run("serve", "--data-dir", other, "--listen", "127.0.0.1:" + port,
                         env=clean_env())
            self.assertNotEqual(result.returncode, 0)
            self.assertIn(port, result.stderr)
        finally:
            first.stop()


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
