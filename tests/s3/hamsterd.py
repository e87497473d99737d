"""Runs a real `hamsterd serve` for tests: a fresh data directory, fixed root
credentials in the environment, port 0, and the port parsed from the line
hamsterd prints once it listens. Also the unittest base class the S3 suites
share: one server per test class, fresh bucket names per test, and checks
that hold for every response (x-amz-request-id, S3 error XML).
"""

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

from s3client import S3Client

ACCESS_KEY = "HAMSTERTESTACCESSKEY"
SECRET_KEY = "hamster/test/secret/key/0123456789abcdefghij"
SERVING_LINE = re.compile(r"hamsterd: serving S3 on http://([^\s:]+):(\d+) \(data in (.*)\)$")
START_TIMEOUT_S = 120  # sanitizer builds start slowly on a loaded machine
STOP_TIMEOUT_S = 120

BINARY = None  # set by the suite runner
SEED = 0  # set by the suite runner; every test derives its randomness from it


class ServerError(Exception):
    pass


class Hamsterd:
    """One hamsterd process. `parent` is a directory the caller owns; the data
    directory and the server's log live in it."""

    def __init__(self, binary, parent, args=(), env=None, data_dir=None):
        self.binary = binary
        self.parent = parent
        self.data_dir = data_dir or os.path.join(parent, "data")
        self.args = list(args)
        self.env = dict(os.environ)
        self.env.update({"HAMSTER_ROOT_ACCESS_KEY": ACCESS_KEY,
                         "HAMSTER_ROOT_SECRET_KEY": SECRET_KEY})
        if env:
            for name, value in env.items():
                if value is None:
                    self.env.pop(name, None)
                else:
                    self.env[name] = value
        self.process = None
        self.terminated = False
        self.host = None
        self.port = None
        self.stdout_lines = []
        self.log_path = None
        self.starts = 0

    def start(self):
        self.starts += 1
        self.terminated = False
        self.log_path = os.path.join(self.parent, "hamsterd-%d.log" % self.starts)
        log = open(self.log_path, "wb")
        command = [self.binary, "serve", "--data-dir", self.data_dir,
                   "--listen", "127.0.0.1:0"] + self.args
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log,
                                        env=self.env, cwd=self.parent)
        log.close()
        found = threading.Event()

        def pump():
            for raw in self.process.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.stdout_lines.append(line)
                match = SERVING_LINE.search(line)
                if match and not found.is_set():
                    self.host, self.port = match.group(1), int(match.group(2))
                    found.set()
            found.set()

        threading.Thread(target=pump, daemon=True).start()
        if not found.wait(START_TIMEOUT_S) or self.port is None:
            self.kill()
            raise ServerError("hamsterd did not print its serving line; stdout=%r\n%s" %
                              (self.stdout_lines, self.log_tail()))
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines=40):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace").splitlines()
        return "hamsterd stderr (last %d lines):\n%s" % (lines, "\n".join(text[-lines:]))

    def terminate(self):
        """Sends SIGTERM once: a second one may mean "stop now" to a server."""
        if self.process is not None and not self.terminated and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.terminated = True

    def stop(self):
        """SIGTERM; returns the exit status (hamsterd promises 0)."""
        if self.process is None:
            return None
        self.terminate()
        try:
            code = self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise ServerError("hamsterd did not exit within %d s of SIGTERM\n%s" %
                              (STOP_TIMEOUT_S, self.log_tail()))
        self.process = None
        self.terminated = False
        return code

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()
        self.process = None

    def client(self, **kwargs):
        return S3Client(self.host, self.port, ACCESS_KEY, SECRET_KEY, **kwargs)


_bucket_counter = [0]


def new_bucket_name(prefix="b"):
    _bucket_counter[0] += 1
    return "%s-%d-%d" % (prefix, os.getpid(), _bucket_counter[0])


class ServerTestCase(unittest.TestCase):
    """One hamsterd per test class (SERVER_ARGS), stopped with SIGTERM at the
    end, which must exit 0. Each test gets `self.s3` (a fresh client) and
    `self.bucket` (a new, created bucket)."""

    SERVER_ARGS = ()
    REGION = "us-east-1"
    CREATE_BUCKET = True

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hamster-s3-")
        cls.server = Hamsterd(BINARY, cls.tmp, cls.SERVER_ARGS).start()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            if code != 0:
                raise ServerError("hamsterd exited %s after SIGTERM, not 0\n%s" %
                                  (code, cls.server.log_tail()))
        finally:
            if os.environ.get("HAMSTER_KEEP_TMP"):
                print("kept", cls.tmp, file=sys.stderr)
            else:
                shutil.rmtree(cls.tmp, True)

    def setUp(self):
        # Per test, so a test reproduces from the seed whatever ran before it.
        self.rng = random.Random("%d:%s" % (SEED, self.id()))
        self.s3 = self.server.client(region=self.REGION)
        self.clients = [self.s3]
        if self.CREATE_BUCKET:
            self.bucket = new_bucket_name()
            self.ok(self.s3.create_bucket(self.bucket))

    def tearDown(self):
        for client in self.clients:
            client.close()
        if not self.server.alive():
            self.fail("hamsterd died during the test\n%s" % self.server.log_tail())
        # Whatever the test did, the server still serves others.
        probe = self.server.client(region=self.REGION)
        try:
            self.ok(probe.request("GET"))
        finally:
            probe.close()
        for client in self.clients:
            for response in client.responses:
                self.check_common(response)

    def new_client(self, **kwargs):
        kwargs.setdefault("region", self.REGION)
        client = self.server.client(**kwargs)
        self.clients.append(client)
        return client

    def check_common(self, response):
        if response.status >= 200:
            self.assertTrue(response.header("x-amz-request-id"),
                            "response without x-amz-request-id: %r" % response)

    # Assertions.
    def ok(self, response, status=200):
        self.assertEqual(response.status, status, "%r" % response)
        return response

    def assert_error(self, response, status, code, head=False):
        """An S3 error: the status, and (but for HEAD) error XML with Code,
        Message, Resource and a RequestId equal to x-amz-request-id."""
        self.assertEqual(response.status, status, "%r" % response)
        request_id = response.header("x-amz-request-id")
        self.assertTrue(request_id, "no x-amz-request-id: %r" % response)
        if head:
            self.assertEqual(response.body, b"")
            return response
        self.assertTrue((response.header("Content-Type") or "").startswith(
            ("application/xml", "text/xml")), "%r" % response)
        try:
            root = response.xml()
        except ET.ParseError as error:
            self.fail("error body is not well-formed XML (%s): %r" % (error, response))
        self.assertEqual(root.tag, "Error", "%r" % response)
        self.assertEqual(root.findtext("Code"), code, "%r" % response)
        self.assertTrue(root.findtext("Message"), "no Message: %r" % response)
        self.assertIsNotNone(root.find("Resource"), "no Resource: %r" % response)
        self.assertEqual(root.findtext("RequestId"), request_id, "%r" % response)
        return response

    def assert_error_one_of(self, response, choices):
        """An S3 error matching one of several (status, code) pairs, where
        S3's own documentation and behaviour disagree."""
        for status, code in choices:
            if response.status == status and response.error_code() == code:
                return self.assert_error(response, status, code)
        self.fail("expected one of %s: %r" % (choices, response))

    def assert_absent(self, bucket, key):
        response = self.s3.head(bucket, key)
        self.assertEqual(response.status, 404, "%r" % response)

    def put_ok(self, key, body, bucket=None, **kwargs):
        response = self.ok(self.s3.put(bucket or self.bucket, key, body, **kwargs))
        return response.etag()

    def get_body(self, key, bucket=None, **kwargs):
        return self.ok(self.s3.get(bucket or self.bucket, key, **kwargs)).body


def run_group(module_name, binary, seed=None):
    """Runs every test of one suite module against `binary`; exit status."""
    global BINARY, SEED
    BINARY = os.path.abspath(binary)
    if not os.access(BINARY, os.X_OK):
        print("not an executable: %s" % BINARY, file=sys.stderr)
        return 2
    seed = seed if seed is not None else int(time.time() * 1000) & 0xFFFFFFFF
    print("seed=%d (rerun with HAMSTER_TEST_SEED=%d)" % (seed, seed), flush=True)
    SEED = seed
    module = __import__(module_name)
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    if not result.wasSuccessful():
        print("seed=%d" % seed)
    return 0 if result.wasSuccessful() else 1
