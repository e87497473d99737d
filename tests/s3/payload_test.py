"""Request payloads and their integrity claims: aws-chunked with chunk
signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, and -TRAILER), unsigned
aws-chunked with a checksum trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER),
UNSIGNED-PAYLOAD, Content-MD5 and x-amz-checksum-* headers. Every refused
payload leaves nothing stored and the previous version intact."""

import hashlib

from hamsterd import ServerTestCase
from s3client import (crc32_b64, crc32c_b64, format_request, md5_b64, sha1_b64,
                      sha256_b64)

MIB = 1 << 20
CHECKSUMS = {"crc32": crc32_b64, "crc32c": crc32c_b64, "sha1": sha1_b64,
             "sha256": sha256_b64}


class StreamingTest(ServerTestCase):
    def put_stream(self, key, data, **kwargs):
        return self.s3.put(self.bucket, key, data, **kwargs)

    def test_signed_chunks_of_various_sizes(self):
        for size, chunk in [(0, 65536), (1, 65536), (65536, 65536), (200000, 65536),
                            (3 * MIB + 5, 1 << 20), (100000, 8192)]:
            with self.subTest(size=size, chunk=chunk):
                data = self.rng.randbytes(size)
                response = self.ok(self.put_stream("s", data, payload="streaming",
                                                   chunk_size=chunk))
                self.assertEqual(response.etag(), hashlib.md5(data).hexdigest())
                self.assertEqual(self.get_body("s"), data)

    def test_bad_chunk_signature_stores_nothing(self):
        self.put_ok("k", b"previous")
        data = self.rng.randbytes(300000)
        for corrupt in (0, 2, 4):  # first, middle, and the final empty chunk
            with self.subTest(corrupt=corrupt):
                response = self.put_stream("k", data, payload="streaming", chunk_size=65536,
                                           corrupt_chunk=corrupt)
                self.assert_error(response, 403, "SignatureDoesNotMatch")
                self.assertEqual(self.get_body("k"), b"previous")
                response = self.put_stream("new", data, payload="streaming", chunk_size=65536,
                                           corrupt_chunk=corrupt)
                self.assert_error(response, 403, "SignatureDoesNotMatch")
                self.assert_absent(self.bucket, "new")

    def test_signed_chunks_with_signed_trailer(self):
        data = self.rng.randbytes(150000)
        response = self.put_stream("k", data, payload="streaming-trailer",
                                   trailer=("x-amz-checksum-crc32", crc32_b64(data)),
                                   headers={"x-amz-sdk-checksum-algorithm": "CRC32"})
        self.ok(response)
        self.assertEqual(self.get_body("k"), data)

    def test_signed_trailer_with_wrong_checksum_is_bad_digest(self):
        self.put_ok("k", b"previous")
        data = self.rng.randbytes(150000)
        response = self.put_stream("k", data, payload="streaming-trailer",
                                   trailer=("x-amz-checksum-crc32", crc32_b64(data + b"!")))
        self.assert_error(response, 400, "BadDigest")
        self.assertEqual(self.get_body("k"), b"previous")

    def test_bad_trailer_signature_is_signature_does_not_match(self):
        data = self.rng.randbytes(1000)
        response = self.put_stream("k", data, payload="streaming-trailer",
                                   trailer=("x-amz-checksum-crc32", crc32_b64(data)),
                                   corrupt_trailer_signature=True)
        self.assert_error(response, 403, "SignatureDoesNotMatch")
        self.assert_absent(self.bucket, "k")

    def test_unsigned_trailer_checksums(self):
        for algorithm, function in CHECKSUMS.items():
            with self.subTest(algorithm=algorithm):
                data = self.rng.randbytes(70000)
                name = "x-amz-checksum-" + algorithm
                response = self.put_stream(
                    algorithm, data, payload="unsigned-trailer", chunk_size=16384,
                    trailer=(name, function(data)),
                    headers={"x-amz-sdk-checksum-algorithm": algorithm.upper()})
                self.ok(response)
                self.assertEqual(self.get_body(algorithm), data)

    def test_unsigned_trailer_empty_body(self):
        response = self.put_stream("empty", b"", payload="unsigned-trailer",
                                   trailer=("x-amz-checksum-crc32", crc32_b64(b"")))
        self.ok(response)
        self.assertEqual(self.get_body("empty"), b"")

    def test_unsigned_trailer_mismatch_is_bad_digest(self):
        self.put_ok("k", b"previous")
        data = self.rng.randbytes(200000)
        for algorithm, function in CHECKSUMS.items():
            with self.subTest(algorithm=algorithm):
                response = self.put_stream(
                    "k", data, payload="unsigned-trailer",
                    trailer=("x-amz-checksum-" + algorithm, function(data[:-1])))
                self.assert_error(response, 400, "BadDigest")
                self.assertEqual(self.get_body("k"), b"previous")

    def test_decoded_length_larger_than_body_is_incomplete(self):
        data = self.rng.randbytes(5000)
        response = self.put_stream("k", data, payload="streaming",
                                   headers={"x-amz-decoded-content-length": "6000"})
        self.assertEqual(response.status, 400, "%r" % response)
        self.assertIn(response.error_code(), ("IncompleteBody",), "%r" % response)
        self.assert_absent(self.bucket, "k")

    def test_decoded_length_smaller_than_body_is_refused(self):
        data = self.rng.randbytes(5000)
        response = self.put_stream("k", data, payload="unsigned-trailer",
                                   trailer=("x-amz-checksum-crc32", crc32_b64(data)),
                                   headers={"x-amz-decoded-content-length": "4000"})
        self.assertEqual(response.status, 400, "%r" % response)
        self.assert_absent(self.bucket, "k")

    def test_missing_decoded_length_is_missing_content_length(self):
        # Well signed, but aws-chunked without x-amz-decoded-content-length.
        response = self.put_stream("k", b"3\r\nabc\r\n0\r\n\r\n",
                                   payload=("literal", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                                   headers={"content-encoding": "aws-chunked"})
        self.assert_error(response, 411, "MissingContentLength")
        self.assert_absent(self.bucket, "k")

    def test_malformed_chunk_framing_is_refused(self):
        data = b"x" * 100
        target, headers, _ = self.s3.build("PUT", self.bucket, "k", body=data,
                                           payload="unsigned-trailer",
                                           trailer=("x-amz-checksum-crc32", crc32_b64(data)))
        for body in [b"zz\r\n" + data + b"\r\n0\r\n\r\n",
                     b"64\r\n" + data + b"XX0\r\n\r\n",
                     b"64;chunk-signature\r\n" + data]:
            with self.subTest(body=body[:20]):
                framed = [(n, str(len(body)) if n == "Content-Length" else v)
                          for n, v in headers]
                response = self.s3.send_raw("PUT", target, framed, body)
                self.assertEqual(response.status, 400, "%r" % response)
                self.assertIsNotNone(response.error_code(), "%r" % response)
                self.s3.close()
        self.assert_absent(self.bucket, "k")

    def test_aws_chunked_over_http_chunked_transfer(self):
        data = self.rng.randbytes(100000)
        target, headers, body = self.s3.build("PUT", self.bucket, "k", body=data,
                                              payload="streaming",
                                              headers={"transfer-encoding": "chunked"})
        http_chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7777]), body[i:i + 7777])
                               for i in range(0, len(body), 7777)) + b"0\r\n\r\n"
        conn = self.s3.connection()
        conn.send(format_request("PUT", target, headers, http_chunks))
        response = conn.read_response("PUT")
        self.s3.responses.append(response)
        self.ok(response)
        self.assertEqual(self.get_body("k"), data)

    def test_content_encoding_keeps_what_follows_aws_chunked(self):
        data = b"\x1f\x8bcompressed?"
        self.ok(self.put_stream("k", data, payload="streaming",
                                headers={"content-encoding": "aws-chunked,gzip"}))
        response = self.ok(self.s3.get(self.bucket, "k"))
        self.assertEqual(response.body, data)
        self.assertEqual(response.header("Content-Encoding"), "gzip")
        self.ok(self.put_stream("plain", data, payload="streaming"))
        self.assertIsNone(self.ok(self.s3.head(self.bucket, "plain")).header("Content-Encoding"))


class DigestTest(ServerTestCase):
    def test_content_md5_verified(self):
        data = self.rng.randbytes(100000)
        self.put_ok("k", data, headers={"Content-MD5": md5_b64(data)})
        self.put_ok("k", b"previous")
        response = self.s3.put(self.bucket, "k", data, headers={"Content-MD5": md5_b64(b"x")})
        self.assert_error(response, 400, "BadDigest")
        self.assertEqual(self.get_body("k"), b"previous")

    def test_malformed_content_md5_is_invalid_digest(self):
        for value in ["not base64!", "AAAA", md5_b64(b"x")[:-4]]:
            with self.subTest(value=value):
                response = self.s3.put(self.bucket, "k", b"data", headers={"Content-MD5": value})
                self.assert_error(response, 400, "InvalidDigest")
        self.assert_absent(self.bucket, "k")

    def test_checksum_headers_verified(self):
        data = self.rng.randbytes(50000)
        for algorithm, function in CHECKSUMS.items():
            with self.subTest(algorithm=algorithm):
                name = "x-amz-checksum-" + algorithm
                self.put_ok(algorithm, data, headers={name: function(data)})
                self.assertEqual(self.get_body(algorithm), data)
                response = self.s3.put(self.bucket, "bad-" + algorithm, data,
                                       headers={name: function(data + b"x")})
                self.assert_error(response, 400, "BadDigest")
                self.assert_absent(self.bucket, "bad-" + algorithm)

    def test_stored_checksum_is_returned_with_checksum_mode(self):
        data = self.rng.randbytes(5000)
        self.put_ok("header", data, headers={"x-amz-checksum-sha256": sha256_b64(data)})
        self.ok(self.s3.put(self.bucket, "trailer", data, payload="unsigned-trailer",
                            trailer=("x-amz-checksum-crc32c", crc32c_b64(data))))
        for key, name, value in [("header", "x-amz-checksum-sha256", sha256_b64(data)),
                                 ("trailer", "x-amz-checksum-crc32c", crc32c_b64(data))]:
            with self.subTest(key=key):
                for method in ("HEAD", "GET"):
                    response = self.ok(self.s3.request(
                        method, self.bucket, key, headers={"x-amz-checksum-mode": "ENABLED"}))
                    self.assertEqual(response.header(name), value, "%r" % response)

    def test_checksum_with_unsigned_payload(self):
        data = self.rng.randbytes(1000)
        self.put_ok("k", data, payload="unsigned", headers={"x-amz-checksum-crc32":
                                                            crc32_b64(data)})
        response = self.s3.put(self.bucket, "k2", data, payload="unsigned",
                               headers={"x-amz-checksum-crc32": crc32_b64(b"")})
        self.assert_error(response, 400, "BadDigest")
        self.assert_absent(self.bucket, "k2")

    def test_malformed_checksum_value_is_refused(self):
        response = self.s3.put(self.bucket, "k", b"data",
                               headers={"x-amz-checksum-crc32": "not-base64-at-all!!"})
        self.assertEqual(response.status, 400, "%r" % response)
        self.assertIn(response.error_code(), ("InvalidRequest", "InvalidArgument", "BadDigest"))
        self.assert_absent(self.bucket, "k")
