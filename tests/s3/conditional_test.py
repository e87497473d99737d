"""Conditional requests: If-Match, If-None-Match, If-Modified-Since and
If-Unmodified-Since on GET and HEAD (304 / 412 and their precedence, RFC 7232
as S3 applies it), and conditional writes (If-None-Match: * and If-Match on
PUT and CompleteMultipartUpload)."""

import datetime
import email.utils

from hamsterd import ServerTestCase


def http_date(when):
    return email.utils.format_datetime(when.astimezone(datetime.timezone.utc), usegmt=True)


class ConditionalReadTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.etag = self.put_ok("k", b"conditional body")
        modified = self.ok(self.s3.head(self.bucket, "k")).header("Last-Modified")
        self.modified = email.utils.parsedate_to_datetime(modified)
        self.before = http_date(self.modified - datetime.timedelta(days=1))
        self.after = http_date(self.modified + datetime.timedelta(days=1))

    def get(self, headers, method="GET"):
        if method == "HEAD":
            return self.s3.head(self.bucket, "k", headers=headers)
        return self.s3.get(self.bucket, "k", headers=headers)

    def expect_body(self, headers):
        for method in ("GET", "HEAD"):
            response = self.ok(self.get(headers, method))
            if method == "GET":
                self.assertEqual(response.body, b"conditional body")

    def expect_304(self, headers):
        for method in ("GET", "HEAD"):
            response = self.get(headers, method)
            self.assertEqual(response.status, 304, "%s %r" % (method, response))
            self.assertEqual(response.body, b"")
            self.assertEqual(response.etag(), self.etag, "%r" % response)

    def expect_412(self, headers):
        self.assert_error(self.get(headers), 412, "PreconditionFailed")
        self.assert_error(self.get(headers, "HEAD"), 412, None, head=True)

    def test_if_match(self):
        self.expect_body({"If-Match": '"%s"' % self.etag})
        self.expect_body({"If-Match": "*"})
        self.expect_body({"If-Match": '"0000", "%s"' % self.etag})
        self.expect_412({"If-Match": '"00000000000000000000000000000000"'})

    def test_if_none_match(self):
        self.expect_304({"If-None-Match": '"%s"' % self.etag})
        self.expect_304({"If-None-Match": "*"})
        self.expect_body({"If-None-Match": '"00000000000000000000000000000000"'})

    def test_if_modified_since(self):
        self.expect_body({"If-Modified-Since": self.before})
        self.expect_304({"If-Modified-Since": self.after})
        self.expect_304({"If-Modified-Since": http_date(self.modified)})

    def test_if_unmodified_since(self):
        self.expect_body({"If-Unmodified-Since": self.after})
        self.expect_body({"If-Unmodified-Since": http_date(self.modified)})
        self.expect_412({"If-Unmodified-Since": self.before})

    def test_if_match_true_overrides_if_unmodified_since_false(self):
        self.expect_body({"If-Match": '"%s"' % self.etag, "If-Unmodified-Since": self.before})

    def test_if_none_match_false_and_if_modified_since_true_is_304(self):
        self.expect_304({"If-None-Match": '"%s"' % self.etag, "If-Modified-Since": self.before})

    def test_if_match_false_wins_over_everything(self):
        self.expect_412({"If-Match": '"ffffffffffffffffffffffffffffffff"',
                         "If-None-Match": '"%s"' % self.etag})

    def test_unparsable_dates_are_ignored(self):
        self.expect_body({"If-Modified-Since": "not a date"})
        self.expect_body({"If-Unmodified-Since": "yesterday-ish"})

    def test_conditions_with_range(self):
        response = self.s3.get(self.bucket, "k", headers={"If-Match": '"%s"' % self.etag,
                                                          "Range": "bytes=0-3"})
        self.assertEqual(response.status, 206, "%r" % response)
        self.assertEqual(response.body, b"cond")
        response = self.s3.get(self.bucket, "k", headers={"If-None-Match": '"%s"' % self.etag,
                                                          "Range": "bytes=0-3"})
        self.assertEqual(response.status, 304, "%r" % response)

    def test_missing_key_with_conditions_is_no_such_key(self):
        response = self.s3.get(self.bucket, "missing", headers={"If-Match": "*"})
        self.assert_error(response, 404, "NoSuchKey")
        response = self.s3.get(self.bucket, "missing", headers={"If-None-Match": "*"})
        self.assert_error(response, 404, "NoSuchKey")


class ConditionalWriteTest(ServerTestCase):
    def test_if_none_match_star_creates_only_once(self):
        self.put_ok("k", b"first", headers={"If-None-Match": "*"})
        response = self.s3.put(self.bucket, "k", b"second", headers={"If-None-Match": "*"})
        self.assert_error(response, 412, "PreconditionFailed")
        self.assertEqual(self.get_body("k"), b"first")

    def test_if_match_replaces_only_the_expected_version(self):
        etag = self.put_ok("k", b"v1")
        etag2 = self.put_ok("k", b"v2", headers={"If-Match": '"%s"' % etag})
        self.assertEqual(self.get_body("k"), b"v2")
        response = self.s3.put(self.bucket, "k", b"v3", headers={"If-Match": '"%s"' % etag})
        self.assert_error(response, 412, "PreconditionFailed")
        self.assertEqual(self.get_body("k"), b"v2")
        self.put_ok("k", b"v4", headers={"If-Match": '"%s"' % etag2})
        self.assertEqual(self.get_body("k"), b"v4")

    def test_if_match_on_missing_key_is_no_such_key(self):
        response = self.s3.put(self.bucket, "absent", b"x",
                               headers={"If-Match": '"00000000000000000000000000000000"'})
        self.assert_error(response, 404, "NoSuchKey")
        self.assert_absent(self.bucket, "absent")

    def test_failed_conditional_put_with_large_body_stores_nothing(self):
        self.put_ok("k", b"original")
        data = self.rng.randbytes(2 << 20)
        response = self.s3.put(self.bucket, "k", data, headers={"If-None-Match": "*"})
        self.assert_error(response, 412, "PreconditionFailed")
        self.assertEqual(self.get_body("k"), b"original")

    def test_conditional_complete_multipart_upload(self):
        self.put_ok("k", b"existing")
        upload_id, etag = self.upload_one_part("k", b"part")
        response = self.s3.complete_upload(self.bucket, "k", upload_id, [(1, etag)],
                                           headers={"If-None-Match": "*"})
        self.assert_error(response, 412, "PreconditionFailed")
        self.assertEqual(self.get_body("k"), b"existing")
        self.ok(self.s3.delete(self.bucket, "k"), 204)
        upload_id, etag = self.upload_one_part("k", b"part two")
        self.ok(self.s3.complete_upload(self.bucket, "k", upload_id, [(1, etag)],
                                        headers={"If-None-Match": "*"}))
        self.assertEqual(self.get_body("k"), b"part two")

    def upload_one_part(self, key, data):
        upload_id = self.ok(self.s3.create_upload(self.bucket, key)).xml().findtext("UploadId")
        part = self.ok(self.s3.upload_part(self.bucket, key, upload_id, 1, data))
        return upload_id, part.etag()
