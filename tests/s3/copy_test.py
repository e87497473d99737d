"""CopyObject: x-amz-copy-source (encoded keys, other buckets), metadata
directive COPY / REPLACE, tagging directive, x-amz-copy-source-if-*
conditions, copying an object onto itself, and error cases."""

import datetime
import email.utils
import hashlib

from hamsterd import ServerTestCase, new_bucket_name
from s3client import uri_encode

MIB = 1 << 20


def http_date(when):
    return email.utils.format_datetime(when.astimezone(datetime.timezone.utc), usegmt=True)


class CopyTest(ServerTestCase):
    SOURCE_HEADERS = {"Content-Type": "text/x-source", "Cache-Control": "no-store",
                      "Content-Disposition": "inline", "x-amz-meta-origin": "source",
                      "x-amz-tagging": "t1=v1&t2=v2"}

    def setUp(self):
        super().setUp()
        self.data = self.rng.randbytes(3 * MIB + 11)
        self.etag = self.put_ok("src", self.data, headers=self.SOURCE_HEADERS)

    def copy(self, dest_key, source_key="src", source_bucket=None, dest_bucket=None,
             headers=None):
        all_headers = {"x-amz-copy-source": "/%s/%s" % (
            source_bucket or self.bucket, uri_encode(source_key, keep_slash=True))}
        all_headers.update(headers or {})
        return self.s3.request("PUT", dest_bucket or self.bucket, dest_key, headers=all_headers)

    def tags(self, key):
        root = self.ok(self.s3.request("GET", self.bucket, key, query=[("tagging", None)])).xml()
        return {t.findtext("Key"): t.findtext("Value") for t in root.findall("TagSet/Tag")}

    def test_copy_keeps_bytes_metadata_and_tags(self):
        response = self.ok(self.copy("dst"))
        root = response.xml()
        self.assertEqual(root.tag, "CopyObjectResult")
        self.assertEqual(root.findtext("ETag"), '"%s"' % self.etag)
        self.assertRegex(root.findtext("LastModified"), r"^\d{4}-\d\d-\d\dT")
        got = self.ok(self.s3.get(self.bucket, "dst"))
        self.assertEqual(got.body, self.data)
        self.assertEqual(got.etag(), self.etag)
        for name in ["Content-Type", "Cache-Control", "Content-Disposition", "x-amz-meta-origin"]:
            self.assertEqual(got.header(name), self.SOURCE_HEADERS[name], name)
        self.assertEqual(self.tags("dst"), {"t1": "v1", "t2": "v2"})

    def test_copy_source_without_leading_slash_and_to_another_bucket(self):
        other = new_bucket_name()
        self.ok(self.s3.create_bucket(other))
        response = self.s3.request("PUT", other, "copied/here",
                                   headers={"x-amz-copy-source": "%s/src" % self.bucket})
        self.ok(response)
        self.assertEqual(self.ok(self.s3.get(other, "copied/here")).body, self.data)

    def test_replace_directive_uses_request_metadata(self):
        headers = {"x-amz-metadata-directive": "REPLACE", "Content-Type": "text/x-new",
                   "x-amz-meta-fresh": "yes"}
        self.ok(self.copy("dst", headers=headers))
        got = self.ok(self.s3.head(self.bucket, "dst"))
        self.assertEqual(got.header("Content-Type"), "text/x-new")
        self.assertEqual(got.header("x-amz-meta-fresh"), "yes")
        self.assertIsNone(got.header("x-amz-meta-origin"))
        self.assertIsNone(got.header("Cache-Control"))

    def test_copy_directive_ignores_request_metadata(self):
        headers = {"x-amz-metadata-directive": "COPY", "x-amz-meta-ignored": "yes"}
        self.ok(self.copy("dst", headers=headers))
        got = self.ok(self.s3.head(self.bucket, "dst"))
        self.assertIsNone(got.header("x-amz-meta-ignored"))
        self.assertEqual(got.header("x-amz-meta-origin"), "source")

    def test_bad_metadata_directive_is_invalid_argument(self):
        response = self.copy("dst", headers={"x-amz-metadata-directive": "MERGE"})
        self.assert_error(response, 400, "InvalidArgument")
        self.assert_absent(self.bucket, "dst")

    def test_tagging_directive_replace(self):
        self.ok(self.copy("dst", headers={"x-amz-tagging-directive": "REPLACE",
                                          "x-amz-tagging": "new=tag"}))
        self.assertEqual(self.tags("dst"), {"new": "tag"})

    def test_copy_onto_itself_needs_replace(self):
        response = self.copy("src")
        self.assert_error(response, 400, "InvalidRequest")
        self.assertEqual(self.ok(self.s3.head(self.bucket, "src")).header("x-amz-meta-origin"),
                         "source")
        headers = {"x-amz-metadata-directive": "REPLACE", "x-amz-meta-origin": "changed",
                   "Content-Type": "text/x-changed"}
        self.ok(self.copy("src", headers=headers))
        got = self.ok(self.s3.get(self.bucket, "src"))
        self.assertEqual(got.body, self.data)
        self.assertEqual(got.etag(), self.etag)
        self.assertEqual(got.header("x-amz-meta-origin"), "changed")
        self.assertEqual(got.header("Content-Type"), "text/x-changed")

    def test_copy_source_conditions(self):
        modified = email.utils.parsedate_to_datetime(
            self.ok(self.s3.head(self.bucket, "src")).header("Last-Modified"))
        before = http_date(modified - datetime.timedelta(days=1))
        after = http_date(modified + datetime.timedelta(days=1))
        quoted = '"%s"' % self.etag
        other = '"00000000000000000000000000000000"'
        passing = [
            {"x-amz-copy-source-if-match": quoted},
            {"x-amz-copy-source-if-none-match": other},
            {"x-amz-copy-source-if-modified-since": before},
            {"x-amz-copy-source-if-unmodified-since": after},
            # If-Match true wins over If-Unmodified-Since false.
            {"x-amz-copy-source-if-match": quoted,
             "x-amz-copy-source-if-unmodified-since": before},
        ]
        failing = [
            {"x-amz-copy-source-if-match": other},
            {"x-amz-copy-source-if-none-match": quoted},
            {"x-amz-copy-source-if-modified-since": after},
            {"x-amz-copy-source-if-unmodified-since": before},
            # If-None-Match false and If-Modified-Since true: 412.
            {"x-amz-copy-source-if-none-match": quoted,
             "x-amz-copy-source-if-modified-since": before},
        ]
        for index, headers in enumerate(passing):
            with self.subTest(headers=headers):
                self.ok(self.copy("pass-%d" % index, headers=headers))
                self.assertEqual(self.ok(self.s3.head(self.bucket, "pass-%d" % index)).etag(),
                                 self.etag)
        for index, headers in enumerate(failing):
            with self.subTest(headers=headers):
                self.assert_error(self.copy("fail-%d" % index, headers=headers), 412,
                                  "PreconditionFailed")
                self.assert_absent(self.bucket, "fail-%d" % index)

    def test_copy_errors(self):
        self.assert_error(self.copy("dst", source_key="missing"), 404, "NoSuchKey")
        self.assert_error(self.copy("dst", source_bucket="no-such-bucket-hamster"), 404,
                          "NoSuchBucket")
        self.assert_error(self.copy("dst", dest_bucket="no-such-bucket-hamster"), 404,
                          "NoSuchBucket")
        for source in ["/", "/%s" % self.bucket, "nonsense"]:
            with self.subTest(source=source):
                response = self.s3.request("PUT", self.bucket, "dst",
                                           headers={"x-amz-copy-source": source})
                self.assert_error(response, 400, "InvalidArgument")
        self.assert_absent(self.bucket, "dst")

    def test_copy_with_encoded_source_key(self):
        key = "dir/with space/\u00fcml\u00e4ut+plus?q=1#frag"
        data = b"encoded source"
        self.put_ok(key, data)
        self.ok(self.copy("dst", source_key=key))
        self.assertEqual(self.get_body("dst"), data)

    def test_copy_of_multipart_object_keeps_bytes(self):
        parts = [self.rng.randbytes(5 * MIB), b"tail"]
        upload_id = self.ok(self.s3.create_upload(self.bucket, "mp")).xml().findtext("UploadId")
        etags = [self.ok(self.s3.upload_part(self.bucket, "mp", upload_id, n, p)).etag()
                 for n, p in enumerate(parts, 1)]
        self.ok(self.s3.complete_upload(self.bucket, "mp", upload_id, list(enumerate(etags, 1))))
        self.ok(self.copy("mp-copy", source_key="mp"))
        body = self.get_body("mp-copy")
        self.assertEqual(hashlib.md5(body).digest(), hashlib.md5(b"".join(parts)).digest())

    def test_copy_over_existing_and_conditional_destination(self):
        self.put_ok("dst", b"old")
        self.assert_error(self.copy("dst", headers={"If-None-Match": "*"}), 412,
                          "PreconditionFailed")
        self.assertEqual(self.get_body("dst"), b"old")
        self.ok(self.copy("dst"))
        self.assertEqual(self.get_body("dst"), self.data)
