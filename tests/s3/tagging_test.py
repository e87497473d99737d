"""Tagging: Get/Put/DeleteObjectTagging (?tagging on a key), x-amz-tagging
on PutObject and the x-amz-tagging-count it yields, the tag limits, and
Get/Put/DeleteBucketTagging."""

from hamsterd import ServerTestCase
from s3client import md5_b64, tagging_xml


class ObjectTaggingTest(ServerTestCase):
    def put_tags(self, key, tags, bucket=None):
        body = tagging_xml(tags)
        return self.s3.request("PUT", bucket or self.bucket, key, query=[("tagging", None)],
                               body=body, headers={"Content-MD5": md5_b64(body)})

    def get_tags(self, key):
        response = self.ok(self.s3.request("GET", self.bucket, key, query=[("tagging", None)]))
        root = response.xml()
        self.assertEqual(root.tag, "Tagging")
        return [(t.findtext("Key"), t.findtext("Value")) for t in root.findall("TagSet/Tag")]

    def test_put_get_delete(self):
        self.put_ok("k", b"x")
        self.assertEqual(self.get_tags("k"), [])
        tags = [("project", "hamster"), ("empty", ""), ("sym", "a+b=c & <d>"),
                ("\u00fcnicode", "\u65e5\u672c")]
        self.ok(self.put_tags("k", tags))
        self.assertEqual(sorted(self.get_tags("k")), sorted(tags))
        self.assertEqual(self.ok(self.s3.head(self.bucket, "k")).header("x-amz-tagging-count"),
                         "4")
        self.ok(self.put_tags("k", [("only", "one")]))
        self.assertEqual(self.get_tags("k"), [("only", "one")])
        self.ok(self.s3.request("DELETE", self.bucket, "k", query=[("tagging", None)]), 204)
        self.assertEqual(self.get_tags("k"), [])
        self.assertIsNone(self.ok(self.s3.head(self.bucket, "k")).header("x-amz-tagging-count"))
        self.assertEqual(self.get_body("k"), b"x")

    def test_tagging_header_on_put(self):
        self.put_ok("k", b"x", headers={"x-amz-tagging": "a=1&b=two%20words&c="})
        self.assertEqual(sorted(self.get_tags("k")), [("a", "1"), ("b", "two words"), ("c", "")])
        self.assertEqual(self.ok(self.s3.get(self.bucket, "k")).header("x-amz-tagging-count"),
                         "3")

    def test_overwrite_drops_tags(self):
        self.put_ok("k", b"x", headers={"x-amz-tagging": "a=1"})
        self.put_ok("k", b"y")
        self.assertEqual(self.get_tags("k"), [])

    def test_tagging_on_missing_key_is_no_such_key(self):
        self.assert_error(self.put_tags("missing", [("a", "b")]), 404, "NoSuchKey")
        self.assert_error(self.s3.request("GET", self.bucket, "missing",
                                          query=[("tagging", None)]), 404, "NoSuchKey")
        self.assert_error(self.s3.request("DELETE", self.bucket, "missing",
                                          query=[("tagging", None)]), 404, "NoSuchKey")

    def test_invalid_tag_sets_are_refused(self):
        self.put_ok("k", b"x", headers={"x-amz-tagging": "keep=me"})
        invalid = [
            [("k%d" % i, "v") for i in range(11)],  # more than 10 tags
            [("k" * 129, "v")],                      # key longer than 128
            [("k", "v" * 257)],                      # value longer than 256
            [("dup", "1"), ("dup", "2")],            # duplicate key
            [("", "v")],                             # empty key
            [("aws:reserved", "v")],                 # aws: prefix is reserved
        ]
        for tags in invalid:
            with self.subTest(tags=[(k[:20], v[:20]) for k, v in tags]):
                self.assert_error(self.put_tags("k", tags), 400, "InvalidTag")
        self.assertEqual(self.get_tags("k"), [("keep", "me")])
        self.ok(self.put_tags("k", [("k%d" % i, "v") for i in range(10)]))
        self.ok(self.put_tags("k", [("k" * 128, "v" * 256)]))

    def test_invalid_tagging_header_is_refused(self):
        response = self.s3.put(self.bucket, "k", b"x",
                               headers={"x-amz-tagging": "&".join("k%d=v" % i for i in range(11))})
        self.assert_error(response, 400, "InvalidTag")
        self.assert_absent(self.bucket, "k")

    def test_malformed_tagging_xml(self):
        self.put_ok("k", b"x")
        body = b"<Tagging><TagSet><Tag><Key>a</Key>"
        response = self.s3.request("PUT", self.bucket, "k", query=[("tagging", None)], body=body,
                                   headers={"Content-MD5": md5_b64(body)})
        self.assert_error(response, 400, "MalformedXML")


class BucketTaggingTest(ServerTestCase):
    def test_put_get_delete(self):
        none = self.s3.request("GET", self.bucket, query=[("tagging", None)])
        self.assert_error(none, 404, "NoSuchTagSet")
        body = tagging_xml([("team", "storage"), ("cost", "center 7")])
        self.ok(self.s3.request("PUT", self.bucket, query=[("tagging", None)], body=body,
                                headers={"Content-MD5": md5_b64(body)}), 204)
        root = self.ok(self.s3.request("GET", self.bucket, query=[("tagging", None)])).xml()
        self.assertEqual(root.tag, "Tagging")
        tags = sorted((t.findtext("Key"), t.findtext("Value"))
                      for t in root.findall("TagSet/Tag"))
        self.assertEqual(tags, [("cost", "center 7"), ("team", "storage")])
        self.ok(self.s3.request("DELETE", self.bucket, query=[("tagging", None)]), 204)
        self.assert_error(self.s3.request("GET", self.bucket, query=[("tagging", None)]), 404,
                          "NoSuchTagSet")

    def test_bucket_tagging_on_missing_bucket(self):
        response = self.s3.request("GET", "no-such-bucket-hamster", query=[("tagging", None)])
        self.assert_error(response, 404, "NoSuchBucket")

    def test_invalid_bucket_tags(self):
        body = tagging_xml([("dup", "1"), ("dup", "2")])
        response = self.s3.request("PUT", self.bucket, query=[("tagging", None)], body=body,
                                   headers={"Content-MD5": md5_b64(body)})
        self.assert_error(response, 400, "InvalidTag")
