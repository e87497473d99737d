#!/usr/bin/python3
"""kill -9 hamsterd in the middle of a master key rotation, with readers
running: after the restart the rotation resumes from the progress the
metadata holds (never behind what status showed before the kill) and
finishes; every object reads back byte for byte; no reader ever got wrong
bytes (errors while the node is down are expected, wrong data never); the old
key then retires.

The re-wrapper is slowed with the test-only knobs
HAMSTER_TEST_ONLY_REWRAP_BATCH_RECORDS and HAMSTER_TEST_ONLY_REWRAP_DELAY_MS
so there is a "midway" to kill it in.

Usage: rotation_crash_test.py HAMSTERD HAMSTERCTL
"""

import hashlib
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import admin_util  # noqa: E402
from admin_util import ctl, customer_headers, key_status, start_server  # noqa: E402

SSE_S3 = {"x-amz-server-side-encryption": "AES256"}
OBJECTS = 150
READERS = 3
SLOW = {"HAMSTER_TEST_ONLY_REWRAP_BATCH_RECORDS": "4", "HAMSTER_TEST_ONLY_REWRAP_DELAY_MS": "40"}
MIDWAY_TIMEOUT_S = 240


class Readers:
    """Threads that GET random objects until stopped and compare the bytes.
    They follow the server to its new port after a restart."""

    def __init__(self, server, expected, seed):
        self.server = server
        self.expected = expected
        self.seed = seed
        self.lock = threading.Lock()
        self.endpoint = (server.host, server.port)
        self.stopping = threading.Event()
        self.wrong = []  # (key, why): must stay empty
        self.good = 0
        self.errors = 0
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(READERS)]

    def follow(self):
        with self.lock:
            self.endpoint = (self.server.host, self.server.port)

    def run(self, index):
        rng = random.Random("%d:%d" % (self.seed, index))
        keys = sorted(self.expected)
        client, endpoint = None, None
        while not self.stopping.is_set():
            with self.lock:
                current = self.endpoint
            if client is None or endpoint != current:
                if client is not None:
                    client.close()
                endpoint = current
                client = admin_util.S3Client(endpoint[0], endpoint[1], admin_util.ACCESS_KEY,
                                             admin_util.SECRET_KEY, timeout=10)
            key = rng.choice(keys)
            body, headers = self.expected[key]
            try:
                response = client.get("crash", key, headers=headers)
            except Exception:  # the node is being killed or restarted
                self.errors += 1
                client.close()
                time.sleep(0.01)
                continue
            if response.status != 200:
                self.errors += 1
            elif response.body != body:
                self.wrong.append((key, "%d bytes, sha256 %s" % (
                    len(response.body), hashlib.sha256(response.body).hexdigest())))
            else:
                self.good += 1
        if client is not None:
            client.close()


class RotationCrashTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hamster-rotation-crash-")
        seed = os.environ.get("HAMSTER_TEST_SEED")
        self.seed = int(seed) if seed else int(time.time() * 1000) & 0xFFFFFFFF
        print("seed=%d (rerun with HAMSTER_TEST_SEED=%d)" % (self.seed, self.seed), flush=True)
        self.rng = random.Random(self.seed)
        self.server = start_server(self.tmp, env=SLOW)

    def tearDown(self):
        try:
            self.server.kill()
        finally:
            if os.environ.get("HAMSTER_KEEP_TMP"):
                print("kept", self.tmp, file=sys.stderr)
            else:
                shutil.rmtree(self.tmp, True)

    def populate(self):
        s3 = self.server.client()
        try:
            self.assertEqual(s3.create_bucket("crash").status, 200)
            expected = {}
            customer_key = os.urandom(32)
            for i in range(OBJECTS):
                size = self.rng.choice([0, 10, 1000, 65536, 65537, 150000])
                body = self.rng.randbytes(size)
                headers = SSE_S3 if i % 10 else customer_headers(customer_key)
                response = s3.put("crash", "object-%03d" % i, body, headers=headers)
                self.assertEqual(response.status, 200, "%r" % response)
                expected["object-%03d" % i] = (body, headers)
            return expected
        finally:
            s3.close()

    def check_all(self, expected):
        s3 = self.server.client()
        try:
            for key, (body, headers) in sorted(expected.items()):
                response = s3.get("crash", key, headers=headers)
                self.assertEqual(response.status, 200, "%s: %r" % (key, response))
                self.assertEqual(response.body, body, key)
        finally:
            s3.close()

    def wait_until_midway(self):
        """The key status once 0 < done < total."""
        deadline = time.monotonic() + MIDWAY_TIMEOUT_S
        while time.monotonic() < deadline:
            rotation = key_status(self.server)["rotation"]
            if 0 < rotation["done"] < rotation["total"]:
                return rotation
            self.assertNotEqual(rotation["state"], "done", "the rotation ended before the kill")
            time.sleep(0.005)
        self.fail("the rotation never got midway")

    def test_kill9_mid_rotation_resumes_and_converges(self):
        expected = self.populate()
        wrapped = sum(1 for _, headers in expected.values() if headers is SSE_S3)
        readers = Readers(self.server, expected, self.seed)
        for thread in readers.threads:
            thread.start()
        try:
            code, _, err = ctl(["key", "rotate"], self.server)
            self.assertEqual(code, 0, err)
            before_kill = self.wait_until_midway()
            self.assertEqual(before_kill["total"], wrapped)
            self.server.kill()  # SIGKILL

            del self.server.env["HAMSTER_TEST_ONLY_REWRAP_DELAY_MS"]
            self.server.start()
            readers.follow()
            after = key_status(self.server)
            self.assertEqual(after["active_key"], "key-2")
            self.assertEqual(after["rotation"]["total"], wrapped)
            # Progress is what the metadata held: nothing observed is lost.
            self.assertGreaterEqual(after["rotation"]["done"], before_kill["done"])
            finished = admin_util.wait_for_rotation(self.server)
            time.sleep(0.2)  # let readers see the finished state too
        finally:
            readers.stopping.set()
            for thread in readers.threads:
                thread.join(60)
        self.assertEqual(readers.wrong, [], "readers got wrong bytes")
        self.assertGreater(readers.good, 0)
        references = {key["id"]: key["references"] for key in finished["keys"]}
        self.assertEqual(references, {"key-1": 0, "key-2": wrapped})
        self.check_all(expected)
        code, _, err = ctl(["key", "retire", "key-1"], self.server)
        self.assertEqual(code, 0, err)
        self.check_all(expected)
        self.assertEqual(self.server.stop(), 0)


if __name__ == "__main__":
    sys.exit(admin_util.run(sys.argv, __name__))
