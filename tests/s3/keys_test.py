"""Object keys are data, never paths (DESIGN.md, Security): traversal-looking
keys, empty segments, dot segments, every printable ASCII character,
multi-byte UTF-8 up to the 1024-byte limit, control characters (listed with
encoding-type=url); a 1025-byte key is KeyTooLongError. Nothing may appear
outside the data directory."""

import hashlib
import os
import urllib.parse

from hamsterd import ServerTestCase

# Exactly 1024 bytes of UTF-8 with 2-, 3- and 4-byte characters.
LONG_KEY = ("\u00e9" * 100 + "\u65e5" * 100 + "\U0001f439" * 100 + "k" * 124)
assert len(LONG_KEY.encode("utf-8")) == 1024


def file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class KeysTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.passwd_digest = file_digest("/etc/passwd")

    def tearDown(self):
        super().tearDown()
        self.assertEqual(file_digest("/etc/passwd"), self.passwd_digest)
        self.check_nothing_outside_data_dir()

    def check_nothing_outside_data_dir(self):
        escaped = []
        for root, dirs, files in os.walk(self.tmp):
            for name in files + dirs:
                path = os.path.join(root, name)
                if name in ("passwd", "escaped") or "etc" == name:
                    escaped.append(path)
        self.assertEqual(escaped, [], "a key named a file outside the object store")
        top = sorted(os.listdir(self.tmp))
        unexpected = [n for n in top if n != "data" and not n.startswith("hamsterd-")]
        self.assertEqual(unexpected, [], "files outside the data directory")

    def roundtrip(self, keys):
        """Stores each key with its own content, then reads back and lists."""
        contents = {}
        for index, key in enumerate(keys):
            data = ("%d:" % index).encode() + key.encode("utf-8")
            response = self.s3.put(self.bucket, key, data)
            self.assertEqual(response.status, 200, "PUT %r: %r" % (key, response))
            contents[key] = data
        for key, data in contents.items():
            response = self.s3.get(self.bucket, key)
            self.assertEqual(response.status, 200, "GET %r: %r" % (key, response))
            self.assertEqual(response.body, data, "GET %r" % key)
            self.ok(self.s3.head(self.bucket, key))
        listed = self.list_all_url_encoded()
        self.assertEqual(listed, sorted(contents, key=lambda k: k.encode("utf-8")))
        return contents

    def list_all_url_encoded(self, prefix=None):
        keys, token = [], None
        for _ in range(100):
            params = {"encoding_type": "url", "max_keys": "7"}
            if prefix is not None:
                params["prefix"] = prefix
            if token:
                params["continuation_token"] = token
            root = self.ok(self.s3.list_v2(self.bucket, **params)).xml()
            for contents in root.findall("Contents"):
                raw = contents.findtext("Key")
                self.assertTrue(raw.isascii() and raw.isprintable(), "not encoded: %r" % raw)
                keys.append(urllib.parse.unquote_plus(raw, errors="strict"))
            if root.findtext("IsTruncated") != "true":
                return keys
            token = root.findtext("NextContinuationToken")
        self.fail("listing did not end")

    def test_traversal_keys_are_plain_keys(self):
        deep = "../" * 24 + self.tmp.lstrip("/") + "/escaped"
        keys = ["../../etc/passwd", "../etc/passwd", "..", ".", "./x", "a/./b", "a/../b",
                "a//b", "/leading", "//double/leading", "trailing/", "dir/", "dir",
                "..%2F..%2Fetc%2Fpasswd", "a%2Fb", "\\..\\..\\windows", deep]
        contents = self.roundtrip(keys)
        self.assertEqual(self.get_body("../../etc/passwd"), contents["../../etc/passwd"])
        self.ok(self.s3.delete(self.bucket, "../../etc/passwd"), 204)
        self.assert_absent(self.bucket, "../../etc/passwd")
        self.assertEqual(self.get_body("../etc/passwd"), contents["../etc/passwd"])

    def test_every_printable_ascii_character(self):
        keys = ["char-%02x-%s-end" % (c, chr(c)) for c in range(0x20, 0x7f)]
        keys += ["?query", "#hash", "%", "%25", "+", " ", "a b+c%20d", "&x=y;z"]
        self.roundtrip(keys)

    def test_unicode_keys(self):
        keys = ["\u65e5\u672c\u8a9e/\u30d5\u30a1\u30a4\u30eb", "emoji-\U0001f439\U0001f9c0",
                "caf\u00e9", "cafe\u0301", "\u202eright-to-left", "\ufeffbom",
                "\u00a0nbsp", "z\u2028line-separator"]
        contents = self.roundtrip(keys)
        # NFC and NFD spellings are different keys.
        self.assertNotEqual(contents["caf\u00e9"], contents["cafe\u0301"])

    def test_control_characters(self):
        keys = ["ctl-\x01-one", "tab\tkey", "new\nline", "carriage\rreturn", "del\x7f",
                "esc\x1b[31m", "bell\x07", "\x1f"]
        self.roundtrip(keys)
        # A listing without encoding still carries the XML-safe ones intact.
        root = self.ok(self.s3.list_v2(self.bucket, prefix="tab")).xml()
        self.assertEqual([c.findtext("Key") for c in root.findall("Contents")], ["tab\tkey"])
        root = self.ok(self.s3.list_v2(self.bucket, prefix="new")).xml()
        self.assertEqual([c.findtext("Key") for c in root.findall("Contents")], ["new\nline"])

    def test_errors_about_odd_keys_are_well_formed_xml(self):
        for key in ["missing-\x01-key", "missing <&> key", "missing\r\nkey"]:
            with self.subTest(key=key):
                self.assert_error(self.s3.get(self.bucket, key), 404, "NoSuchKey")

    def test_1024_byte_key_is_accepted(self):
        self.roundtrip([LONG_KEY, "x" * 1024])

    def test_1025_byte_key_is_key_too_long(self):
        for key in [LONG_KEY + "k", "x" * 1025, "\u00e9" * 512 + "x"]:
            with self.subTest(length=len(key.encode())):
                response = self.s3.put(self.bucket, key, b"too long")
                self.assert_error(response, 400, "KeyTooLongError")
                response = self.s3.create_upload(self.bucket, key)
                self.assert_error(response, 400, "KeyTooLongError")
        self.assertEqual(self.list_all_url_encoded(), [])

    def test_prefix_listing_of_traversal_keys(self):
        self.roundtrip(["../a", "../b/c", "..x"])
        self.assertEqual(self.list_all_url_encoded(prefix="../"), ["../a", "../b/c"])
