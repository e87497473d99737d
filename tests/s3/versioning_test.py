"""Versioning: Put/GetBucketVersioning, version ids on every write, reads,
copies and deletes by version id, delete markers (404/405 and the
x-amz-delete-marker header), the "null" version in unversioned and suspended
buckets, ListObjectVersions (prefix, delimiter, markers, max-keys, IsLatest)
and DeleteObjects with version ids."""

import re

from hamsterd import ServerTestCase
from s3client import S3_NS, md5_b64, tagging_xml, xml_escape

VERSION_ID = re.compile(r"^[0-9a-f]{32}$")


def versioning_body(status):
    return ("<VersioningConfiguration xmlns=\"%s\"><Status>%s</Status>"
            "</VersioningConfiguration>" % (S3_NS, status)).encode()


def delete_versions_xml(objects, quiet=False):
    items = ""
    for key, version_id in objects:
        items += "<Object><Key>%s</Key>%s</Object>" % (
            xml_escape(key),
            "<VersionId>%s</VersionId>" % version_id if version_id is not None else "")
    return ("<Delete xmlns=\"%s\">%s%s</Delete>" %
            (S3_NS, "<Quiet>true</Quiet>" if quiet else "", items)).encode()


class VersioningTestCase(ServerTestCase):
    def set_versioning(self, status, bucket=None):
        return self.s3.request("PUT", bucket or self.bucket, query=[("versioning", None)],
                               body=versioning_body(status))

    def get_versioning(self, bucket=None):
        response = self.ok(self.s3.request("GET", bucket or self.bucket,
                                           query=[("versioning", None)]))
        return response.xml().findtext("Status")

    def put_version(self, key, body, bucket=None, **kwargs):
        response = self.ok(self.s3.put(bucket or self.bucket, key, body, **kwargs))
        return response.header("x-amz-version-id")

    def get_version(self, key, version_id, **kwargs):
        return self.s3.get(self.bucket, key, query=[("versionId", version_id)], **kwargs)

    def delete_version(self, key, version_id, **kwargs):
        return self.s3.delete(self.bucket, key, query=[("versionId", version_id)], **kwargs)

    def list_versions(self, bucket=None, **params):
        """One ListObjectVersions page: (entries, root), entries as
        (kind, key, version id, is latest) with kind "V" or "D"."""
        query = [("versions", None)] + [(k.replace("_", "-"), str(v))
                                        for k, v in params.items()]
        root = self.ok(self.s3.request("GET", bucket or self.bucket, query=query)).xml()
        self.assertEqual(root.tag, "ListVersionsResult")
        entries = []
        for element in root:
            if element.tag in ("Version", "DeleteMarker"):
                entries.append(("V" if element.tag == "Version" else "D",
                                element.findtext("Key"), element.findtext("VersionId"),
                                element.findtext("IsLatest") == "true"))
        return entries, root

    def all_versions(self, **params):
        """Every version, following NextKeyMarker / NextVersionIdMarker."""
        entries, markers = [], {}
        for _ in range(1000):
            page, root = self.list_versions(**params, **markers)
            entries += page
            if root.findtext("IsTruncated") != "true":
                return entries
            markers = {"key_marker": root.findtext("NextKeyMarker"),
                       "version_id_marker": root.findtext("NextVersionIdMarker") or ""}
            if not markers["version_id_marker"]:
                del markers["version_id_marker"]
        self.fail("listing did not end")


class BucketVersioningTest(VersioningTestCase):
    def test_states(self):
        self.assertIsNone(self.get_versioning())
        self.ok(self.set_versioning("Enabled"))
        self.assertEqual(self.get_versioning(), "Enabled")
        self.ok(self.set_versioning("Suspended"))
        self.assertEqual(self.get_versioning(), "Suspended")
        self.ok(self.set_versioning("Enabled"))
        self.assertEqual(self.get_versioning(), "Enabled")

    def test_bad_configurations(self):
        self.assert_error(self.set_versioning("Unversioned"), 400, "MalformedXML")
        self.assert_error(self.s3.request("PUT", self.bucket, query=[("versioning", None)],
                                          body=b"<VersioningConfiguration"), 400, "MalformedXML")
        self.assert_error(self.set_versioning("Enabled", bucket="no-such-bucket-v"), 404,
                          "NoSuchBucket")
        self.assertIsNone(self.get_versioning())


class ObjectVersionsTest(VersioningTestCase):
    def setUp(self):
        super().setUp()
        self.ok(self.set_versioning("Enabled"))

    def test_every_write_gets_a_version(self):
        ids = [self.put_version("k", b"body %d" % i) for i in range(3)]
        for version_id in ids:
            self.assertRegex(version_id, VERSION_ID)
        self.assertEqual(len(set(ids)), 3)
        for i, version_id in enumerate(ids):
            response = self.ok(self.get_version("k", version_id))
            self.assertEqual(response.body, b"body %d" % i)
            self.assertEqual(response.header("x-amz-version-id"), version_id)
            head = self.ok(self.s3.head(self.bucket, "k", query=[("versionId", version_id)]))
            self.assertEqual(head.header("Content-Length"), str(len(b"body %d" % i)))
        latest = self.ok(self.s3.get(self.bucket, "k"))
        self.assertEqual(latest.body, b"body 2")
        self.assertEqual(latest.header("x-amz-version-id"), ids[2])
        entries, _ = self.list_versions()
        self.assertEqual(entries, [("V", "k", ids[2], True), ("V", "k", ids[1], False),
                                   ("V", "k", ids[0], False)])

    def test_delete_adds_a_marker(self):
        first = self.put_version("k", b"one")
        response = self.ok(self.s3.delete(self.bucket, "k"), 204)
        self.assertEqual(response.header("x-amz-delete-marker"), "true")
        marker = response.header("x-amz-version-id")
        self.assertRegex(marker, VERSION_ID)
        got = self.assert_error(self.s3.get(self.bucket, "k"), 404, "NoSuchKey")
        self.assertEqual(got.header("x-amz-delete-marker"), "true")
        self.assertEqual(got.header("x-amz-version-id"), marker)
        head = self.assert_error(self.s3.head(self.bucket, "k"), 404, "NoSuchKey", head=True)
        self.assertEqual(head.header("x-amz-delete-marker"), "true")
        by_id = self.assert_error(self.get_version("k", marker), 405, "MethodNotAllowed")
        self.assertEqual(by_id.header("x-amz-delete-marker"), "true")
        self.assertEqual(by_id.header("x-amz-version-id"), marker)
        self.assert_error(self.s3.head(self.bucket, "k", query=[("versionId", marker)]), 405,
                          "MethodNotAllowed", head=True)
        self.assertEqual(self.ok(self.get_version("k", first)).body, b"one")
        self.assertIsNone(self.s3.list_v2(self.bucket).xml().find("Contents"))
        entries, _ = self.list_versions()
        self.assertEqual(entries, [("D", "k", marker, True), ("V", "k", first, False)])
        # A second delete adds a second marker, as S3 does.
        second = self.ok(self.s3.delete(self.bucket, "k"), 204).header("x-amz-version-id")
        self.assertNotEqual(second, marker)
        self.assertEqual(len(self.list_versions()[0]), 3)

    def test_deleting_the_marker_restores_the_previous_version(self):
        first = self.put_version("k", b"one")
        marker = self.ok(self.s3.delete(self.bucket, "k"), 204).header("x-amz-version-id")
        response = self.ok(self.delete_version("k", marker), 204)
        self.assertEqual(response.header("x-amz-delete-marker"), "true")
        self.assertEqual(response.header("x-amz-version-id"), marker)
        self.assertEqual(self.get_body("k"), b"one")
        self.assertEqual(self.list_versions()[0], [("V", "k", first, True)])

    def test_deleting_versions_permanently(self):
        ids = [self.put_version("k", b"v%d" % i) for i in range(3)]
        response = self.ok(self.delete_version("k", ids[2]), 204)
        self.assertEqual(response.header("x-amz-version-id"), ids[2])
        self.assertIsNone(response.header("x-amz-delete-marker"))
        self.assertEqual(self.get_body("k"), b"v1")
        self.ok(self.delete_version("k", ids[0]), 204)
        self.assert_error(self.get_version("k", ids[0]), 404, "NoSuchVersion")
        self.assertEqual(self.list_versions()[0], [("V", "k", ids[1], True)])
        self.ok(self.delete_version("k", ids[1]), 204)
        self.assert_error(self.s3.get(self.bucket, "k"), 404, "NoSuchKey")
        self.assertEqual(self.list_versions()[0], [])
        # Deleting a version that does not exist succeeds and changes nothing.
        self.ok(self.delete_version("k", ids[1]), 204)

    def test_version_id_errors(self):
        self.put_version("k", b"x")
        self.assert_error(self.get_version("k", "bogus"), 400, "InvalidArgument")
        self.assert_error(self.get_version("k", "0" * 32), 404, "NoSuchVersion")
        self.assert_error(self.delete_version("k", "bogus"), 400, "InvalidArgument")
        self.assert_error(self.get_version("missing", "0" * 32), 404, "NoSuchVersion")
        self.assert_error(self.get_version("k", "null"), 404, "NoSuchVersion")

    def test_copy_from_a_version(self):
        old = self.put_version("src", b"old bytes")
        self.put_version("src", b"new bytes")
        response = self.ok(self.s3.put(self.bucket, "dst", headers={
            "x-amz-copy-source": "/%s/src?versionId=%s" % (self.bucket, old)}))
        self.assertEqual(response.header("x-amz-copy-source-version-id"), old)
        self.assertRegex(response.header("x-amz-version-id"), VERSION_ID)
        self.assertEqual(self.get_body("dst"), b"old bytes")
        marker = self.ok(self.s3.delete(self.bucket, "src"), 204).header("x-amz-version-id")
        self.assert_error(self.s3.put(self.bucket, "dst", headers={
            "x-amz-copy-source": "/%s/src?versionId=%s" % (self.bucket, marker)}),
            400, "InvalidRequest")
        self.assert_error(self.s3.put(self.bucket, "dst", headers={
            "x-amz-copy-source": "/%s/src" % self.bucket}), 404, "NoSuchKey")
        self.assertEqual(self.get_body("dst"), b"old bytes")

    def test_multipart_completion_gets_a_version(self):
        first = self.put_version("k", b"before")
        upload = self.ok(self.s3.create_upload(self.bucket, "k")).xml().findtext("UploadId")
        part = self.ok(self.s3.upload_part(self.bucket, "k", upload, 1, b"part one")).etag()
        done = self.ok(self.s3.complete_upload(self.bucket, "k", upload, [(1, part)]))
        version = done.header("x-amz-version-id")
        self.assertRegex(version, VERSION_ID)
        self.assertEqual(self.get_body("k"), b"part one")
        self.assertEqual(self.ok(self.get_version("k", first)).body, b"before")
        self.assertEqual([e[2] for e in self.list_versions()[0]], [version, first])

    def test_tagging_a_version(self):
        old = self.put_version("k", b"a")
        self.put_version("k", b"b")
        body = tagging_xml([("era", "old")])
        self.ok(self.s3.request("PUT", self.bucket, "k",
                                query=[("tagging", None), ("versionId", old)], body=body,
                                headers={"Content-MD5": md5_b64(body)}))
        tags = self.ok(self.s3.request("GET", self.bucket, "k",
                                       query=[("tagging", None), ("versionId", old)])).xml()
        self.assertEqual(tags.findtext("TagSet/Tag/Key"), "era")
        latest = self.ok(self.s3.request("GET", self.bucket, "k", query=[("tagging", None)]))
        self.assertIsNone(latest.xml().find("TagSet/Tag"))

    def test_listing_shows_latest_live_versions_only(self):
        self.put_version("a", b"1")
        self.put_version("a", b"2")
        self.put_version("b", b"1")
        self.ok(self.s3.delete(self.bucket, "b"), 204)
        keys = [c.findtext("Key") for c in self.s3.list_v2(self.bucket).xml().findall("Contents")]
        self.assertEqual(keys, ["a"])

    def test_bucket_with_versions_or_markers_is_not_empty(self):
        version = self.put_version("k", b"x")
        marker = self.ok(self.s3.delete(self.bucket, "k"), 204).header("x-amz-version-id")
        self.assert_error(self.s3.delete(self.bucket), 409, "BucketNotEmpty")
        self.ok(self.delete_version("k", version), 204)
        self.assert_error(self.s3.delete(self.bucket), 409, "BucketNotEmpty")
        self.ok(self.delete_version("k", marker), 204)
        self.ok(self.s3.delete(self.bucket), 204)


class NullVersionTest(VersioningTestCase):
    def test_unversioned_bucket_has_one_null_version(self):
        self.assertIsNone(self.put_version("k", b"one"))
        self.assertIsNone(self.put_version("k", b"two"))
        self.assertEqual(self.list_versions()[0], [("V", "k", "null", True)])
        self.assertEqual(self.ok(self.get_version("k", "null")).body, b"two")
        response = self.ok(self.s3.delete(self.bucket, "k"), 204)
        self.assertIsNone(response.header("x-amz-delete-marker"))
        self.assertEqual(self.list_versions()[0], [])

    def test_null_version_survives_enabling_and_is_replaced_when_suspended(self):
        self.put_version("k", b"null one")
        self.ok(self.set_versioning("Enabled"))
        enabled = self.put_version("k", b"enabled")
        self.assertEqual(self.list_versions()[0],
                         [("V", "k", enabled, True), ("V", "k", "null", False)])
        self.assertEqual(self.ok(self.get_version("k", "null")).body, b"null one")
        self.ok(self.set_versioning("Suspended"))
        # A write in a suspended bucket is the null version, replacing the old one.
        self.assertIsNone(self.put_version("k", b"null two"))
        self.assertEqual(self.list_versions()[0],
                         [("V", "k", "null", True), ("V", "k", enabled, False)])
        self.assertEqual(self.ok(self.get_version("k", "null")).body, b"null two")
        self.assertEqual(self.ok(self.get_version("k", enabled)).body, b"enabled")
        # A delete in a suspended bucket makes a null delete marker.
        response = self.ok(self.s3.delete(self.bucket, "k"), 204)
        self.assertEqual(response.header("x-amz-delete-marker"), "true")
        self.assertEqual(response.header("x-amz-version-id"), "null")
        self.assertEqual(self.list_versions()[0],
                         [("D", "k", "null", True), ("V", "k", enabled, False)])
        self.assert_error(self.s3.get(self.bucket, "k"), 404, "NoSuchKey")
        # Deleting the null marker brings back the enabled-era version.
        self.ok(self.delete_version("k", "null"), 204)
        self.assertEqual(self.get_body("k"), b"enabled")

    def test_suspended_write_removes_a_noncurrent_null_version(self):
        self.put_version("k", b"null")
        self.ok(self.set_versioning("Enabled"))
        first = self.put_version("k", b"first")
        second = self.put_version("k", b"second")
        self.ok(self.set_versioning("Suspended"))
        self.put_version("k", b"suspended")
        self.assertEqual(self.list_versions()[0],
                         [("V", "k", "null", True), ("V", "k", second, False),
                          ("V", "k", first, False)])
        self.assertEqual(self.get_body("k"), b"suspended")


class ListVersionsTest(VersioningTestCase):
    def setUp(self):
        super().setUp()
        self.ok(self.set_versioning("Enabled"))
        # key -> version ids, newest first
        self.expected = []
        for key in ["a", "b/1", "b/2", "c", "d/x/y"]:
            ids = [self.put_version(key, key.encode() + b"%d" % i)
                   for i in range(self.rng.randint(1, 3))]
            if self.rng.random() < 0.5:
                ids.append(self.ok(self.s3.delete(self.bucket, key), 204)
                           .header("x-amz-version-id"))
            for i, version_id in enumerate(reversed(ids)):
                self.expected.append((key, version_id, i == 0))

    def test_full_listing_order(self):
        entries, root = self.list_versions()
        self.assertEqual([(k, v, latest) for _, k, v, latest in entries], self.expected)
        self.assertEqual(root.findtext("IsTruncated"), "false")

    def test_pages_of_every_size(self):
        for max_keys in range(1, len(self.expected) + 2):
            with self.subTest(max_keys=max_keys):
                entries = self.all_versions(max_keys=max_keys)
                self.assertEqual([(k, v, latest) for _, k, v, latest in entries], self.expected)

    def test_prefix_and_delimiter(self):
        entries, root = self.list_versions(prefix="b/")
        self.assertEqual([(k, v, l) for _, k, v, l in entries],
                         [e for e in self.expected if e[0].startswith("b/")])
        entries, root = self.list_versions(delimiter="/")
        self.assertEqual(sorted({e[1] for e in entries}), ["a", "c"])
        self.assertEqual([p.findtext("Prefix") for p in root.findall("CommonPrefixes")],
                         ["b/", "d/"])
        # Paging with a delimiter lists every common prefix once.
        prefixes, markers = [], {}
        while True:
            page, root = self.list_versions(delimiter="/", max_keys=1, **markers)
            prefixes += [p.findtext("Prefix") for p in root.findall("CommonPrefixes")]
            if root.findtext("IsTruncated") != "true":
                break
            markers = {"key_marker": root.findtext("NextKeyMarker")}
            if root.findtext("NextVersionIdMarker"):
                markers["version_id_marker"] = root.findtext("NextVersionIdMarker")
        self.assertEqual(prefixes, ["b/", "d/"])

    def test_markers(self):
        entries, _ = self.list_versions(key_marker="b/1")
        self.assertEqual([(k, v, l) for _, k, v, l in entries],
                         [e for e in self.expected if e[0] > "b/1"])
        key, version_id, _ = self.expected[0]
        entries, _ = self.list_versions(key_marker=key, version_id_marker=version_id)
        self.assertEqual([(k, v, l) for _, k, v, l in entries], self.expected[1:])
        self.assert_error(self.s3.request("GET", self.bucket, query=[
            ("versions", None), ("version-id-marker", version_id)]), 400, "InvalidArgument")

    def test_max_keys_zero_and_errors(self):
        entries, root = self.list_versions(max_keys=0)
        self.assertEqual(entries, [])
        self.assertEqual(root.findtext("IsTruncated"), "true")
        self.assert_error(self.s3.request("GET", self.bucket, query=[
            ("versions", None), ("max-keys", "-1")]), 400, "InvalidArgument")
        self.assert_error(self.s3.request("GET", "no-such-bucket-v", query=[("versions", None)]),
                          404, "NoSuchBucket")


class DeleteObjectsVersionsTest(VersioningTestCase):
    def test_batch_with_and_without_version_ids(self):
        self.ok(self.set_versioning("Enabled"))
        a1 = self.put_version("a", b"1")
        a2 = self.put_version("a", b"2")
        self.put_version("b", b"1")
        body = delete_versions_xml([("a", a1), ("b", None), ("a", "0" * 32)])
        root = self.ok(self.s3.request("POST", self.bucket, query=[("delete", None)], body=body,
                                       headers={"Content-MD5": md5_b64(body)})).xml()
        deleted = {(d.findtext("Key"), d.findtext("VersionId")): d
                   for d in root.findall("Deleted")}
        self.assertEqual(set(deleted), {("a", a1), ("b", None), ("a", "0" * 32)})
        marker = deleted[("b", None)]
        self.assertEqual(marker.findtext("DeleteMarker"), "true")
        self.assertRegex(marker.findtext("DeleteMarkerVersionId"), VERSION_ID)
        self.assertEqual(root.findall("Error"), [])
        self.assertEqual(self.list_versions()[0],
                         [("V", "a", a2, True),
                          ("D", "b", marker.findtext("DeleteMarkerVersionId"), True),
                          ("V", "b", self.list_versions()[0][2][2], False)])
