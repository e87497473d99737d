"""Listing: ListObjects (v1: marker, NextMarker with a delimiter) and
ListObjectsV2 (prefix, delimiter, CommonPrefixes, max-keys,
continuation-token, start-after, fetch-owner, encoding-type=url, KeyCount),
paging to the end in both, and bad arguments."""

import hashlib
import urllib.parse

from hamsterd import ServerTestCase

KEYS = ["a", "a/b", "a/b/c", "a/c", "b", "b/x/y", "c+d", "c d", "photos/2023/jan.jpg",
        "photos/2023/feb.jpg", "photos/2024/mar.jpg", "photos/cover.jpg", "z" * 5,
        "\u00e9t\u00e9/1", "\u65e5\u672c/2"]


def sorted_bytes(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


class ListTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.etags = {}
        for key in KEYS:
            self.etags[key] = self.put_ok(key, key.encode("utf-8") * 3)

    def list_v2(self, **params):
        return self.ok(self.s3.list_v2(self.bucket, **params)).xml()

    def list_v1(self, **params):
        query = [(k.replace("_", "-"), str(v)) for k, v in params.items()]
        return self.ok(self.s3.request("GET", self.bucket, query=query)).xml()

    @staticmethod
    def keys(root):
        return [c.findtext("Key") for c in root.findall("Contents")]

    @staticmethod
    def prefixes(root):
        return [c.findtext("Prefix") for c in root.findall("CommonPrefixes")]

    def page_v2(self, **params):
        """All keys and prefixes, page by page; checks each page's KeyCount."""
        keys, prefixes, token, pages = [], [], None, 0
        while True:
            query = dict(params)
            if token is not None:
                query["continuation_token"] = token
            root = self.list_v2(**query)
            pages += 1
            self.assertEqual(int(root.findtext("KeyCount")),
                             len(self.keys(root)) + len(self.prefixes(root)))
            keys += self.keys(root)
            prefixes += self.prefixes(root)
            if root.findtext("IsTruncated") != "true":
                self.assertIsNone(root.find("NextContinuationToken"))
                return keys, prefixes, pages
            token = root.findtext("NextContinuationToken")
            self.assertTrue(token)
            self.assertLess(pages, 100)

    def test_v2_lists_everything_in_byte_order_with_details(self):
        root = self.list_v2()
        self.assertEqual(root.tag, "ListBucketResult")
        self.assertEqual(root.findtext("Name"), self.bucket)
        self.assertEqual(root.findtext("IsTruncated"), "false")
        self.assertEqual(root.findtext("KeyCount"), str(len(KEYS)))
        self.assertEqual(root.findtext("MaxKeys"), "1000")
        self.assertEqual(self.keys(root), sorted_bytes(KEYS))
        for contents in root.findall("Contents"):
            key = contents.findtext("Key")
            self.assertEqual(contents.findtext("ETag"), '"%s"' % self.etags[key])
            self.assertEqual(contents.findtext("Size"), str(3 * len(key.encode())))
            self.assertRegex(contents.findtext("LastModified"),
                             r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
            self.assertEqual(contents.findtext("StorageClass"), "STANDARD")
            self.assertIsNone(contents.find("Owner"), "v2 lists owners only with fetch-owner")

    def test_v2_fetch_owner(self):
        root = self.list_v2(fetch_owner="true")
        for contents in root.findall("Contents"):
            self.assertTrue(contents.findtext("Owner/ID"))

    def test_v2_prefix_and_delimiter(self):
        root = self.list_v2(prefix="photos/", delimiter="/")
        self.assertEqual(self.keys(root), ["photos/cover.jpg"])
        self.assertEqual(self.prefixes(root), ["photos/2023/", "photos/2024/"])
        self.assertEqual(root.findtext("Prefix"), "photos/")
        self.assertEqual(root.findtext("Delimiter"), "/")
        self.assertEqual(root.findtext("KeyCount"), "3")
        root = self.list_v2(delimiter="/")
        self.assertEqual(self.keys(root), sorted_bytes(["a", "b", "c+d", "c d", "zzzzz"]))
        self.assertEqual(self.prefixes(root),
                         sorted_bytes(["a/", "b/", "photos/", "\u00e9t\u00e9/", "\u65e5\u672c/"]))
        root = self.list_v2(prefix="a/b")
        self.assertEqual(self.keys(root), ["a/b", "a/b/c"])
        root = self.list_v2(prefix="nothing")
        self.assertEqual(self.keys(root), [])
        self.assertEqual(root.findtext("KeyCount"), "0")

    def test_v2_delimiter_other_than_slash(self):
        root = self.list_v2(prefix="photos/", delimiter=".")
        self.assertEqual(self.prefixes(root), ["photos/2023/feb.", "photos/2023/jan.",
                                               "photos/2024/mar.", "photos/cover."])
        self.assertEqual(self.keys(root), [])

    def test_v2_pages_with_max_keys(self):
        for max_keys in [1, 2, 3, 7]:
            with self.subTest(max_keys=max_keys):
                keys, prefixes, pages = self.page_v2(max_keys=max_keys)
                self.assertEqual(keys, sorted_bytes(KEYS))
                self.assertEqual(prefixes, [])
                self.assertEqual(pages, -(-len(KEYS) // max_keys))

    def test_v2_pages_count_common_prefixes(self):
        keys, prefixes, _ = self.page_v2(max_keys=1, delimiter="/")
        self.assertEqual(keys, sorted_bytes(["a", "b", "c+d", "c d", "zzzzz"]))
        self.assertEqual(prefixes,
                         sorted_bytes(["a/", "b/", "photos/", "\u00e9t\u00e9/", "\u65e5\u672c/"]))
        root = self.list_v2(max_keys=2, delimiter="/")
        self.assertEqual(len(self.keys(root)) + len(self.prefixes(root)), 2)
        self.assertEqual(root.findtext("IsTruncated"), "true")

    def test_v2_start_after(self):
        root = self.list_v2(start_after="b")
        self.assertEqual(self.keys(root), [k for k in sorted_bytes(KEYS) if k.encode() > b"b"])
        self.assertEqual(root.findtext("StartAfter"), "b")
        root = self.list_v2(start_after="photos/2023/", delimiter="/", prefix="photos/")
        self.assertEqual(self.prefixes(root), ["photos/2024/"])
        root = self.list_v2(start_after="\ufffd")
        self.assertEqual(self.keys(root), [])

    def test_v2_pages_with_start_after_repeated(self):
        # Paginators (botocore's among them) repeat StartAfter on every page
        # next to the ContinuationToken; the pages must still advance.
        keys, token = [], None
        for _ in range(50):
            params = {"start_after": "a/b", "max_keys": 2}
            if token:
                params["continuation_token"] = token
            root = self.list_v2(**params)
            keys += self.keys(root)
            if root.findtext("IsTruncated") != "true":
                break
            token = root.findtext("NextContinuationToken")
            if token:
                self.assertEqual(root.findtext("StartAfter"), "a/b")
        self.assertEqual(keys, [k for k in sorted_bytes(KEYS) if k.encode() > b"a/b"])

    def test_v2_encoding_type_url(self):
        # S3 form-encodes (a space may come back as "+", so "+" itself must be
        # %2B); clients decode with unquote_plus, as botocore does.
        root = self.list_v2(encoding_type="url", prefix="c", delimiter="/")
        self.assertEqual(root.findtext("EncodingType"), "url")
        keys = self.keys(root)
        self.assertEqual(sorted(urllib.parse.unquote_plus(k) for k in keys), ["c d", "c+d"])
        root = self.list_v2(encoding_type="url", delimiter="/")
        listed = self.keys(root) + self.prefixes(root)
        for text in listed:
            self.assertTrue(text.isascii(), "not encoded: %r" % text)
        decoded = [urllib.parse.unquote_plus(p) for p in self.prefixes(root)]
        self.assertIn("\u00e9t\u00e9/", decoded)
        self.assertIn("\u65e5\u672c/", decoded)

    def test_v2_max_keys_zero_lists_nothing(self):
        root = self.list_v2(max_keys=0)
        self.assertEqual(self.keys(root), [])
        self.assertEqual(root.findtext("KeyCount"), "0")

    def test_v2_bad_arguments(self):
        for params in [{"max_keys": "-1"}, {"max_keys": "ten"},
                       {"continuation_token": "not-a-token-we-issued!"},
                       {"encoding_type": "base64"}]:
            with self.subTest(params=params):
                response = self.s3.list_v2(self.bucket, **params)
                self.assert_error(response, 400, "InvalidArgument")

    def test_v1_lists_with_owner_and_marker(self):
        root = self.list_v1()
        self.assertEqual(root.tag, "ListBucketResult")
        self.assertEqual(self.keys(root), sorted_bytes(KEYS))
        self.assertEqual(root.findtext("Marker") or "", "")
        for contents in root.findall("Contents"):
            self.assertTrue(contents.findtext("Owner/ID"), "v1 always lists owners")
        root = self.list_v1(marker="b")
        self.assertEqual(self.keys(root), [k for k in sorted_bytes(KEYS) if k.encode() > b"b"])
        self.assertEqual(root.findtext("Marker"), "b")

    def test_v1_pages_with_max_keys_and_last_key_as_marker(self):
        keys, marker = [], ""
        for _ in range(100):
            root = self.list_v1(max_keys=4, marker=marker)
            page = self.keys(root)
            keys += page
            if root.findtext("IsTruncated") != "true":
                break
            marker = page[-1]
        self.assertEqual(keys, sorted_bytes(KEYS))

    def test_v1_next_marker_with_delimiter(self):
        keys, prefixes, marker = [], [], ""
        for _ in range(100):
            root = self.list_v1(max_keys=2, delimiter="/", marker=marker)
            keys += self.keys(root)
            prefixes += self.prefixes(root)
            if root.findtext("IsTruncated") != "true":
                break
            marker = root.findtext("NextMarker")
            self.assertTrue(marker, "a truncated v1 listing with a delimiter has NextMarker")
        self.assertEqual(keys, sorted_bytes(["a", "b", "c+d", "c d", "zzzzz"]))
        self.assertEqual(prefixes,
                         sorted_bytes(["a/", "b/", "photos/", "\u00e9t\u00e9/", "\u65e5\u672c/"]))

    def test_v1_encoding_type_url(self):
        root = self.list_v1(encoding_type="url", prefix="c ")
        self.assertEqual([urllib.parse.unquote_plus(k) for k in self.keys(root)], ["c d"])


class ListManyTest(ServerTestCase):
    def test_more_than_1000_keys_page_at_1000(self):
        keys = ["k%05d" % i for i in range(1105)]
        for key in keys:
            self.ok(self.s3.put(self.bucket, key, b""))
        root = self.ok(self.s3.list_v2(self.bucket, max_keys=5000)).xml()
        page = [c.findtext("Key") for c in root.findall("Contents")]
        self.assertEqual(page, keys[:1000])
        self.assertEqual(root.findtext("IsTruncated"), "true")
        token = root.findtext("NextContinuationToken")
        root = self.ok(self.s3.list_v2(self.bucket, continuation_token=token)).xml()
        self.assertEqual([c.findtext("Key") for c in root.findall("Contents")], keys[1000:])
        for contents in root.findall("Contents"):
            self.assertEqual(contents.findtext("ETag"), '"%s"' % hashlib.md5(b"").hexdigest())
