#!/usr/bin/python3
"""Checks the test client's SigV4 signer against the examples AWS publishes
(sigv4-header-based-auth, sigv4-query-string-auth, sigv4-streaming,
sigv4-streaming-trailers), so a failing S3 test never blames the server for a
client bug. Needs no server. Usage: s3client_selftest.py"""

import datetime
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import s3client  # noqa: E402
from s3client import Signer  # noqa: E402

ACCESS = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
WHEN = datetime.datetime(2013, 5, 24, tzinfo=datetime.timezone.utc)
DATA = b"a" * 66560


class SignerTest(unittest.TestCase):
    def setUp(self):
        self.signer = Signer(ACCESS, SECRET, "us-east-1")

    def test_get_object_with_range(self):
        headers = {"host": "examplebucket.s3.amazonaws.com", "range": "bytes=0-9",
                   "x-amz-content-sha256": s3client.EMPTY_SHA256,
                   "x-amz-date": "20130524T000000Z"}
        _, signature = self.signer.authorization("GET", "/test.txt", [], headers,
                                                 s3client.EMPTY_SHA256, WHEN)
        self.assertEqual(signature,
                         "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")

    def test_presigned_get(self):
        params = self.signer.presign("GET", "/test.txt", [], "examplebucket.s3.amazonaws.com",
                                     86400, WHEN)
        self.assertEqual(dict(params)["X-Amz-Signature"],
                         "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")

    def test_streaming_chunk_signatures(self):
        headers = {"host": "s3.amazonaws.com", "x-amz-date": "20130524T000000Z",
                   "x-amz-storage-class": "REDUCED_REDUNDANCY",
                   "x-amz-content-sha256": s3client.STREAMING_SIGNED,
                   "content-encoding": "aws-chunked", "x-amz-decoded-content-length": "66560",
                   "content-length": "66824"}
        _, seed = self.signer.authorization("PUT", "/examplebucket/chunkObject.txt", [],
                                            headers, s3client.STREAMING_SIGNED, WHEN)
        self.assertEqual(seed,
                         "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
        body = s3client.aws_chunked_signed(self.signer, WHEN, seed, DATA, 65536)
        self.assertEqual(len(body), 66824)
        for signature in ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                          "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                          "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"]:
            self.assertIn(b"chunk-signature=" + signature.encode(), body)
        self.assertTrue(body.endswith(b"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71"
                                      b"ea724fed81ceb9323e279d449df9\r\n\r\n"))

    def test_streaming_signed_trailer(self):
        seed = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
        body = s3client.aws_chunked_signed(self.signer, WHEN, seed, DATA, 65536,
                                           trailer=("x-amz-checksum-crc32c", "sOO8/Q=="))
        for signature in ["b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
                          "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
                          "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"]:
            self.assertIn(b"chunk-signature=" + signature.encode(), body)
        self.assertTrue(body.endswith(
            b"x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d45989"
            b"1051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n"), body[-200:])

    def test_corrupt_chunk_changes_only_that_signature(self):
        seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
        good = s3client.aws_chunked_signed(self.signer, WHEN, seed, DATA, 65536)
        bad = s3client.aws_chunked_signed(self.signer, WHEN, seed, DATA, 65536, corrupt_chunk=1)
        self.assertEqual(len(good), len(bad))
        self.assertNotIn(b"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497", bad)
        self.assertIn(b"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9", bad)

    def test_unsigned_trailer_framing(self):
        body = s3client.aws_chunked_unsigned(b"hello world", 4, ("x-amz-checksum-crc32",
                                                                 s3client.crc32_b64(b"hello world")))
        self.assertEqual(body, b"4\r\nhell\r\n4\r\no wo\r\n3\r\nrld\r\n0\r\n"
                               b"x-amz-checksum-crc32:DUoRhQ==\r\n\r\n")

    def test_crc32c(self):
        # RFC 3720 B.4: 32 bytes of zeros.
        self.assertEqual(s3client.crc32c(bytes(32)), 0x8A9136AA)
        self.assertEqual(s3client.crc32c(b"123456789"), 0xE3069283)
        # The trailer value of AWS's signed-trailer example.
        self.assertEqual(s3client.crc32c_b64(DATA), "sOO8/Q==")

    def test_uri_encoding(self):
        self.assertEqual(s3client.uri_encode("a b/c~d", keep_slash=True), "a%20b/c~d")
        self.assertEqual(s3client.uri_encode("a+b=c/d"), "a%2Bb%3Dc%2Fd")
        self.assertEqual(s3client.uri_encode("\u00e9\n"), "%C3%A9%0A")

    def test_multipart_etag(self):
        import hashlib
        parts = [b"a" * 10, b"b" * 3]
        digest = hashlib.md5(hashlib.md5(parts[0]).digest() + hashlib.md5(parts[1]).digest())
        self.assertEqual(s3client.multipart_etag(parts), digest.hexdigest() + "-2")


if __name__ == "__main__":
    unittest.main(verbosity=2)
