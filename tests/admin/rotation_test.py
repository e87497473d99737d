#!/usr/bin/python3
"""Master key rotation end to end against a real hamsterd: SSE-S3 objects
(bucket default and per request, current and noncurrent versions, a
completed and an unfinished multipart upload), SSE-C and plain objects;
`hamsterctl key rotate --wait`; every object reads back byte for byte; the
old key is refused retirement while referenced and retires once not; the
keyring file no longer holds it, across a restart.

Usage: rotation_test.py HAMSTERD HAMSTERCTL
"""

import hashlib
import os
import random
import shutil
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import admin_util  # noqa: E402
from admin_util import ctl, customer_headers, key_status, start_server  # noqa: E402

SSE_S3 = {"x-amz-server-side-encryption": "AES256"}
PART_BYTES = 5 * 1024 * 1024
ENCRYPTION_XML = (b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
                  b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
                  b"</Rule></ServerSideEncryptionConfiguration>")
VERSIONING_XML = (b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>")


def upload_id_of(response):
    root = response.xml()
    return root.findtext("{*}UploadId") or root.findtext("UploadId")


class RotationTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hamster-rotation-")
        # Small batches: the rotation takes many RewrapDataKeys commands.
        self.server = start_server(self.tmp, env={"HAMSTER_TEST_ONLY_REWRAP_BATCH_RECORDS": "7"})
        self.s3 = self.server.client()
        self.rng = random.Random(1405)
        self.expected = {}  # (bucket, key, version id or None) -> (bytes, headers)

    def tearDown(self):
        self.s3.close()
        try:
            self.assertEqual(self.server.stop(), 0)
        finally:
            shutil.rmtree(self.tmp, True)

    def ok(self, response, status=200):
        self.assertEqual(response.status, status, "%r" % response)
        return response

    def put(self, bucket, key, body, headers=None):
        response = self.ok(self.s3.put(bucket, key, body, headers=headers))
        self.expected[(bucket, key, response.header("x-amz-version-id"))] = (body, headers)
        self.expected[(bucket, key, None)] = (body, headers)
        return response

    def body(self, size):
        return bytes(self.rng.getrandbits(8) for _ in range(size))

    def populate(self):
        self.ok(self.s3.create_bucket("defaults"))
        self.ok(self.s3.request("PUT", "defaults", query=[("encryption", None)],
                                body=ENCRYPTION_XML))
        self.ok(self.s3.create_bucket("mixed"))
        self.ok(self.s3.request("PUT", "mixed", query=[("versioning", None)], body=VERSIONING_XML))
        for i in range(30):
            self.put("defaults", "obj-%02d" % i, self.body(self.rng.choice([0, 1, 700, 70000])))
        for i in range(10):
            # Overwritten once: the first version becomes noncurrent ("V" table).
            self.put("mixed", "v-%d" % i, self.body(300), SSE_S3)
            self.put("mixed", "v-%d" % i, self.body(200 + i), SSE_S3)
        self.customer_key = os.urandom(32)
        for i in range(3):
            self.put("mixed", "sse-c-%d" % i, self.body(5000), customer_headers(self.customer_key))
            self.put("mixed", "plain-%d" % i, self.body(100))
        # A completed multipart upload under the bucket default.
        created = self.ok(self.s3.create_upload("defaults", "multipart"))
        self.assertEqual(created.header("x-amz-server-side-encryption"), "AES256")
        upload_id = upload_id_of(created)
        parts = [self.body(PART_BYTES // 64) * 64, self.body(1234)]
        etags = [self.ok(self.s3.upload_part("defaults", "multipart", upload_id, n, data)).etag()
                 for n, data in enumerate(parts, 1)]
        self.ok(self.s3.complete_upload("defaults", "multipart", upload_id,
                                        list(enumerate(etags, 1))))
        self.expected[("defaults", "multipart", None)] = (b"".join(parts), None)
        # An unfinished one: its upload record holds a wrapped key too.
        self.pending = upload_id_of(self.ok(self.s3.create_upload("mixed", "pending",
                                                                  headers=SSE_S3)))
        self.pending_part = self.body(PART_BYTES // 64) * 64
        self.pending_etag = self.ok(self.s3.upload_part("mixed", "pending", self.pending, 1,
                                                        self.pending_part)).etag()

    def check_all(self):
        for (bucket, key, version), (body, headers) in sorted(
                self.expected.items(), key=lambda item: tuple(str(x) for x in item[0])):
            query = [("versionId", version)] if version else None
            response = self.ok(self.s3.get(bucket, key, headers=headers, query=query))
            self.assertEqual(hashlib.sha256(response.body).hexdigest(),
                             hashlib.sha256(body).hexdigest(), "%s/%s %s" % (bucket, key, version))

    def references(self, status):
        return {key["id"]: key["references"] for key in status["keys"]}

    def test_rotate_rewraps_everything_and_the_old_key_retires(self):
        self.populate()
        before = key_status(self.server)
        # 30 + 20 versions + 1 multipart + 1 upload; SSE-C and plain hold no wrapped key.
        self.assertEqual(self.references(before), {"key-1": 52})
        code, _, err = ctl(["key", "retire", "key-1"], self.server)
        self.assertEqual(code, 1, err)
        self.assertIn("is the active key", err)

        code, out, err = ctl(["key", "rotate", "--wait"], self.server)
        self.assertEqual(code, 0, err)
        self.assertIn("new active master key: key-2", out)
        self.assertIn("52 of 52 data keys re-wrapped, 0 remaining", out.splitlines()[-1])
        after = key_status(self.server)
        self.assertEqual(after["active_key"], "key-2")
        self.assertEqual(self.references(after), {"key-1": 0, "key-2": 52})
        self.assertEqual(after["rotation"]["state"], "done")
        self.check_all()

        # The unfinished upload completes under its re-wrapped key.
        last = self.body(99)
        etag = self.ok(self.s3.upload_part("mixed", "pending", self.pending, 2, last)).etag()
        self.ok(self.s3.complete_upload("mixed", "pending", self.pending,
                                        [(1, self.pending_etag), (2, etag)]))
        self.expected[("mixed", "pending", None)] = (self.pending_part + last, None)

        code, out, err = ctl(["key", "retire", "key-1"], self.server)
        self.assertEqual(code, 0, err)
        self.assertIn("retired master key key-1", out)
        self.assertEqual([key["id"] for key in key_status(self.server)["keys"]], ["key-2"])
        keyring = os.path.join(self.server.data_dir, "keyring")
        with open(keyring) as f:
            self.assertNotIn("key key-1 ", f.read())
        self.assertEqual(stat.S_IMODE(os.stat(keyring).st_mode), 0o600)
        self.check_all()

        # Restarted, the node reads everything with the one key left.
        self.s3.close()
        self.assertEqual(self.server.stop(), 0)
        self.server.start()
        self.s3 = self.server.client()
        self.check_all()
        self.put("defaults", "after-restart", self.body(1000))
        self.assertEqual(self.references(key_status(self.server)), {"key-2": 53})

    def test_a_key_still_referenced_is_not_retired(self):
        # The re-wrapper pauses a minute after each batch: key-1 is still
        # referenced after `key rotate` for as long as this test needs.
        self.s3.close()
        self.assertEqual(self.server.stop(), 0)
        self.server.env["HAMSTER_TEST_ONLY_REWRAP_DELAY_MS"] = "60000"
        self.server.start()
        self.s3 = self.server.client()
        self.populate()
        code, out, err = ctl(["key", "rotate"], self.server)
        self.assertEqual(code, 0, err)
        self.assertIn("new active master key: key-2", out)
        status = key_status(self.server)
        self.assertEqual(status["rotation"]["state"], "running")
        self.assertEqual(status["rotation"]["total"], 52)
        self.assertIn(status["rotation"]["remaining"], (52, 45))  # before or after batch one
        code, _, err = ctl(["key", "retire", "key-1"], self.server)
        self.assertEqual(code, 1, err)
        self.assertRegex(err, r"FailedPrecondition \(HTTP 409\): master key key-1 still wraps "
                              r"(52|45) data keys")
        self.check_all()  # readable midway: key-1 is still in the keyring
        # SIGTERM does not wait out the pause; the next start resumes.
        self.s3.close()
        self.assertEqual(self.server.stop(), 0)
        del self.server.env["HAMSTER_TEST_ONLY_REWRAP_DELAY_MS"]
        self.server.start()
        self.s3 = self.server.client()
        status = admin_util.wait_for_rotation(self.server)
        self.assertEqual(self.references(status), {"key-1": 0, "key-2": 52})
        self.assertEqual((status["rotation"]["done"], status["rotation"]["total"]), (52, 52))
        self.assertEqual((status["rotation"]["unreadable"], status["rotation"]["unreadable_error"]),
                         (0, ""))
        self.check_all()
        code, out, err = ctl(["key", "rotate", "--wait"], self.server)  # and once more
        self.assertEqual(code, 0, err)
        self.assertIn("0 remaining", out.splitlines()[-1])
        self.assertEqual(self.references(key_status(self.server)),
                         {"key-1": 0, "key-2": 0, "key-3": 52})
        for key in ("key-1", "key-2"):
            code, _, err = ctl(["key", "retire", key], self.server)
            self.assertEqual(code, 0, err)
        self.check_all()

if __name__ == "__main__":
    sys.exit(admin_util.run(sys.argv, __name__))
