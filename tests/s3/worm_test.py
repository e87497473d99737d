"""WORM under attack (invariant 4): with root credentials, every path that
could remove or overwrite a COMPLIANCE version before its retain-until is
tried, and each is refused or leaves the version intact, byte for byte, also
across a restart (which runs the node's orphan cleanup). Then the server is
restarted with its node clock moved past retain-until
(HAMSTER_TEST_ONLY_CLOCK_OFFSET_SECONDS, a test-only hook) and the same
version can be deleted."""

import datetime
import os
import random
import shutil
import sys
import tempfile
import unittest

import hamsterd
from hamsterd import Hamsterd
from lock_test import DAY, iso, lock_config_xml, now_utc, retention_xml
from s3client import md5_b64
from versioning_test import delete_versions_xml, versioning_body

BYPASS = {"x-amz-bypass-governance-retention": "true"}
TWO_DAYS_S = 2 * 24 * 3600


class WormTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hamster-worm-")
        self.server = None
        self.clients = []
        self.rng_bytes = random.Random("%d:%s" % (hamsterd.SEED, self.id())).randbytes(300000)

    def tearDown(self):
        for client in self.clients:
            client.close()
        if self.server is not None:
            code = self.server.stop()
            self.assertEqual(code, 0, "hamsterd exited %s\n%s" % (code, self.server.log_tail()))
        if os.environ.get("HAMSTER_KEEP_TMP"):
            print("kept", self.tmp, file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, True)

    def start(self, clock_offset_s=None):
        if self.server is not None:
            code = self.server.stop()
            self.assertEqual(code, 0, self.server.log_tail())
        env = {"HAMSTER_TEST_ONLY_CLOCK_OFFSET_SECONDS":
               None if clock_offset_s is None else str(clock_offset_s)}
        self.server = Hamsterd(hamsterd.BINARY, self.tmp, env=env).start()
        self.s3 = self.server.client()
        self.clients.append(self.s3)

    def refused(self, response, status=403, code="AccessDenied"):
        self.assertEqual(response.status, status, "%r" % response)
        self.assertEqual(response.error_code(), code, "%r" % response)

    def ok(self, response, status=200):
        self.assertEqual(response.status, status, "%r" % response)
        return response

    def read_version(self, key, version_id):
        response = self.ok(self.s3.get(self.bucket, key, query=[("versionId", version_id)]))
        return response.body

    def assert_intact(self):
        self.assertEqual(self.read_version("k", self.version), self.data)
        head = self.ok(self.s3.head(self.bucket, "k", query=[("versionId", self.version)]))
        self.assertEqual(head.header("x-amz-object-lock-mode"), "COMPLIANCE")
        self.assertEqual(head.header("x-amz-object-lock-retain-until-date"), self.until)

    def test_compliance_version_survives_every_attack_then_expires(self):
        self.start()
        self.bucket = "worm-bucket"
        self.ok(self.s3.create_bucket(self.bucket,
                                      headers={"x-amz-bucket-object-lock-enabled": "true"}))
        body = lock_config_xml("COMPLIANCE", days=1)
        self.ok(self.s3.request("PUT", self.bucket, query=[("object-lock", None)], body=body,
                                headers={"Content-MD5": md5_b64(body)}))
        self.data = self.rng_bytes
        self.until = iso(now_utc() + DAY)
        response = self.ok(self.s3.put(self.bucket, "k", self.data, headers={
            "x-amz-object-lock-mode": "COMPLIANCE",
            "x-amz-object-lock-retain-until-date": self.until,
            "Content-MD5": md5_b64(self.data)}))
        self.version = response.header("x-amz-version-id")
        self.attack()
        self.assert_intact()
        # A restart runs the orphan cleanup; nothing locked is an orphan.
        self.start()
        self.assert_intact()
        # Two days later (node clock), retention has passed and it goes.
        self.start(clock_offset_s=TWO_DAYS_S)
        self.assert_intact()
        self.ok(self.s3.delete(self.bucket, "k", query=[("versionId", self.version)]), 204)
        self.refused(self.s3.get(self.bucket, "k", query=[("versionId", self.version)]), 404,
                     "NoSuchVersion")

    def attack(self):
        version_query = [("versionId", self.version)]
        # Delete by version id, with and without the governance bypass.
        self.refused(self.s3.delete(self.bucket, "k", query=version_query))
        self.refused(self.s3.delete(self.bucket, "k", query=version_query, headers=BYPASS))
        # Batch delete, with and without the bypass.
        for headers in ({}, BYPASS):
            body = delete_versions_xml([("k", self.version)])
            root = self.ok(self.s3.request("POST", self.bucket, query=[("delete", None)],
                                           body=body, headers=dict(
                                               headers, **{"Content-MD5": md5_b64(body)}))).xml()
            self.assertEqual(root.findtext("Error/Code"), "AccessDenied")
            self.assertEqual(root.findall("Deleted"), [])
        # Shorten, weaken or remove the retention, with the bypass.
        for retention in [retention_xml("COMPLIANCE", iso(now_utc() + datetime.timedelta(
                              seconds=10))),
                          retention_xml("GOVERNANCE", self.until), retention_xml()]:
            self.refused(self.s3.request(
                "PUT", self.bucket, "k", query=[("retention", None)] + version_query,
                body=retention, headers=dict(BYPASS, **{"Content-MD5": md5_b64(retention)})))
        # Remove the bucket's default rule: the version keeps its own retention.
        body = lock_config_xml()
        self.ok(self.s3.request("PUT", self.bucket, query=[("object-lock", None)], body=body,
                                headers={"Content-MD5": md5_b64(body)}))
        self.refused(self.s3.delete(self.bucket, "k", query=version_query, headers=BYPASS))
        # Turning versioning off would let writes replace the null version.
        self.refused(self.s3.request("PUT", self.bucket, query=[("versioning", None)],
                                     body=versioning_body("Suspended")), 409,
                     "InvalidBucketState")
        # Overwrite by PUT and by copy (also onto itself): new versions on top.
        self.ok(self.s3.put(self.bucket, "k", b"overwrite"))
        self.ok(self.s3.put(self.bucket, "k", headers={
            "x-amz-copy-source": "/%s/k" % self.bucket, "x-amz-metadata-directive": "REPLACE"}))
        self.ok(self.s3.put(self.bucket, "other", b"other bytes"))
        self.ok(self.s3.put(self.bucket, "k", headers={
            "x-amz-copy-source": "/%s/other" % self.bucket}))
        # Multipart: complete one over the key, abort another, and complete
        # with a part copied from the locked version itself.
        for finish in ("complete", "abort"):
            upload = self.ok(self.s3.create_upload(self.bucket, "k")).xml().findtext("UploadId")
            part = self.ok(self.s3.upload_part(self.bucket, "k", upload, 1, b"mp")).etag()
            if finish == "complete":
                self.ok(self.s3.complete_upload(self.bucket, "k", upload, [(1, part)]))
            else:
                self.ok(self.s3.request("DELETE", self.bucket, "k",
                                        query=[("uploadId", upload)]), 204)
        upload = self.ok(self.s3.create_upload(self.bucket, "k")).xml().findtext("UploadId")
        copied = self.ok(self.s3.request("PUT", self.bucket, "k", query=[
            ("partNumber", "1"), ("uploadId", upload)], headers={
            "x-amz-copy-source": "/%s/k?versionId=%s" % (self.bucket, self.version)}))
        etag = copied.xml().findtext("ETag").strip('"')
        self.ok(self.s3.complete_upload(self.bucket, "k", upload, [(1, etag)]))
        # Delete every version above it, and add and remove markers.
        self.ok(self.s3.delete(self.bucket, "k"), 204)
        listing = self.ok(self.s3.request("GET", self.bucket, query=[("versions", None),
                                                                     ("prefix", "k")])).xml()
        for element in list(listing.iter("Version")) + list(listing.iter("DeleteMarker")):
            version_id = element.findtext("VersionId")
            if version_id == self.version:
                continue
            self.ok(self.s3.delete(self.bucket, "k", query=[("versionId", version_id)]), 204)
        self.assert_intact()
        # With only the locked version left, it is current again.
        self.assertEqual(self.ok(self.s3.get(self.bucket, "k")).body, self.data)
        self.refused(self.s3.delete(self.bucket, "k", query=version_query))
        self.refused(self.s3.delete(self.bucket), 409, "BucketNotEmpty")
        self.ok(self.s3.delete(self.bucket, "other"), 204)


if __name__ == "__main__":
    raise SystemExit("run through s3_test.py")
