"""Encryption at rest over HTTP: SSE-S3 (x-amz-server-side-encryption),
bucket default encryption (?encryption), SSE-C (customer key headers) on
PUT/GET/HEAD/multipart/copy, ranged GETs across sealed chunks, no plaintext
in the data directory, and a changed ciphertext byte failing the GET."""

import base64
import hashlib
import os

from hamsterd import ServerTestCase
from s3client import ConnectionClosed, md5_b64

SSE_S3 = {"x-amz-server-side-encryption": "AES256"}
CHUNK = 64 * 1024  # docs/encryption.md: plaintext bytes per sealed chunk


def customer_headers(key, prefix=""):
    base = prefix + "x-amz-server-side-encryption-customer-"
    return {base + "algorithm": "AES256",
            base + "key": base64.b64encode(key).decode(),
            base + "key-MD5": md5_b64(key)}


def pattern(size):
    out = bytearray()
    i = 0
    while len(out) < size:
        out += b"SECRET-PLAINTEXT-%08d|" % i
        i += 1
    return bytes(out[:size])


def encryption_xml(algorithm="AES256"):
    return ("<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>%s</SSEAlgorithm>"
            "</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>"
            % algorithm).encode()


class EncryptionTest(ServerTestCase):
    def data_files(self):
        for root, _, files in os.walk(self.tmp):
            for name in files:
                yield os.path.join(root, name)

    def disk_contains(self, needle):
        for path in self.data_files():
            with open(path, "rb") as f:
                if needle in f.read():
                    return True
        return False

    def test_sse_s3_round_trip_and_no_plaintext_on_disk(self):
        body = pattern(3 * CHUNK + 1234)
        response = self.ok(self.s3.put(self.bucket, "k", body, headers=SSE_S3))
        self.assertEqual(response.header("x-amz-server-side-encryption"), "AES256")
        self.assertEqual(response.etag(), hashlib.md5(body).hexdigest())
        got = self.ok(self.s3.get(self.bucket, "k"))
        self.assertEqual(got.body, body)
        self.assertEqual(got.header("x-amz-server-side-encryption"), "AES256")
        head = self.ok(self.s3.head(self.bucket, "k"))
        self.assertEqual(head.header("x-amz-server-side-encryption"), "AES256")
        self.assertEqual(head.header("Content-Length"), str(len(body)))
        self.assertFalse(self.disk_contains(b"SECRET-PLAINTEXT-00000007|"))
        # The check can fail: an unencrypted object's bytes are found.
        self.ok(self.s3.put(self.bucket, "plain", b"VISIBLE-PLAINTEXT-MARKER"))
        self.assertTrue(self.disk_contains(b"VISIBLE-PLAINTEXT-MARKER"))
        self.assertIsNone(self.ok(self.s3.head(self.bucket, "plain"))
                          .header("x-amz-server-side-encryption"))

    def check_ranges(self, key, body, ranges):
        for first, last in ranges:
            response = self.ok(self.s3.get(self.bucket, key,
                                           headers={"Range": "bytes=%d-%d" % (first, last)}), 206)
            self.assertEqual(response.body, body[first:last + 1], "bytes=%d-%d" % (first, last))

    def test_ranges_across_chunk_boundaries(self):
        body = bytes(self.rng.getrandbits(8) for _ in range(3 * CHUNK + 999))
        self.ok(self.s3.put(self.bucket, "k", body, headers=SSE_S3))
        ranges = [(0, 0), (CHUNK - 1, CHUNK), (CHUNK - 10, 2 * CHUNK + 10),
                  (2 * CHUNK, 2 * CHUNK), (len(body) - 1, len(body) - 1), (5, len(body) - 1)]
        for _ in range(10):
            first = self.rng.randrange(len(body))
            ranges.append((first, self.rng.randrange(first, len(body))))
        self.check_ranges("k", body, ranges)

    def test_ranges_across_shard_blocks(self):
        # Sealed chunks (64 KiB + tag) do not divide the 1 MiB shard blocks, so
        # chunks straddle blocks; the reader loads windows up to block ends.
        mib = 1 << 20
        body = os.urandom(3 * mib + 12345)
        self.ok(self.s3.put(self.bucket, "big", body, headers=SSE_S3))
        self.assertEqual(self.ok(self.s3.get(self.bucket, "big")).body, body)
        ranges = [(mib - 100, mib + 100), (mib - 1, 2 * mib), (CHUNK * 15, CHUNK * 17),
                  (2 * mib - 5, len(body) - 1), (0, 2 * mib + 7)]
        for _ in range(8):
            first = self.rng.randrange(len(body))
            ranges.append((first, self.rng.randrange(first, len(body))))
        self.check_ranges("big", body, ranges)

    def test_tampered_ciphertext_fails_the_get(self):
        # A small object is read on the request's thread; one of several MiB is read ahead
        # on a second thread, whose error must still end the response.
        for key, size, offset in (("k", 2 * CHUNK, 4096), ("big", 3 * (1 << 20), 3 << 19)):
            with self.subTest(size=size):
                self.ok(self.s3.put(self.bucket, key, pattern(size), headers=SSE_S3))
                shards = [p for p in self.data_files() if "/shards/" in p]
                self.assertTrue(shards)
                newest = max(shards, key=os.path.getmtime)
                with open(newest, "r+b") as f:
                    f.seek(offset)
                    byte = f.read(1)
                    f.seek(offset)
                    f.write(bytes([byte[0] ^ 0x01]))
                try:
                    response = self.s3.get(self.bucket, key)
                except (ConnectionClosed, ConnectionError):
                    self.s3 = self.server.client(region=self.REGION)
                    self.clients.append(self.s3)
                    continue  # cut mid-body: no wrong bytes were delivered as whole
                self.assertGreaterEqual(response.status, 500, "%r" % response)

    def test_bucket_default_encryption(self):
        query = [("encryption", None)]
        self.assert_error(self.s3.request("GET", self.bucket, query=query), 404,
                          "ServerSideEncryptionConfigurationNotFoundError")
        document = encryption_xml()
        self.ok(self.s3.request("PUT", self.bucket, query=query, body=document,
                                headers={"Content-MD5": md5_b64(document)}))
        got = self.ok(self.s3.request("GET", self.bucket, query=query)).xml()
        self.assertEqual(got.findtext(".//{*}SSEAlgorithm") or got.findtext(".//SSEAlgorithm"),
                         "AES256")
        response = self.ok(self.s3.put(self.bucket, "k", pattern(1000)))
        self.assertEqual(response.header("x-amz-server-side-encryption"), "AES256")
        # CreateMultipartUpload names the default it applies, as PutObject does.
        created = self.ok(self.s3.create_upload(self.bucket, "mp"))
        self.assertEqual(created.header("x-amz-server-side-encryption"), "AES256")
        self.ok(self.s3.request("DELETE", self.bucket, query=query), 204)
        self.assertIsNone(self.ok(self.s3.put(self.bucket, "k2", b"x"))
                          .header("x-amz-server-side-encryption"))
        self.assertIsNone(self.ok(self.s3.create_upload(self.bucket, "mp2"))
                          .header("x-amz-server-side-encryption"))
        bad = b"<ServerSideEncryptionConfiguration><Rule/></ServerSideEncryptionConfiguration>"
        self.assert_error(self.s3.request("PUT", self.bucket, query=query, body=bad,
                                          headers={"Content-MD5": md5_b64(bad)}),
                          400, "MalformedXML")
        kms = encryption_xml("aws:kms")
        self.assert_error(self.s3.request("PUT", self.bucket, query=query, body=kms,
                                          headers={"Content-MD5": md5_b64(kms)}),
                          501, "NotImplemented")

    def test_sse_c_requires_the_same_key(self):
        key = bytes(range(32))
        other = bytes(range(1, 33))
        body = pattern(CHUNK + 77)
        response = self.ok(self.s3.put(self.bucket, "k", body, headers=customer_headers(key)))
        self.assertEqual(response.header("x-amz-server-side-encryption-customer-algorithm"),
                         "AES256")
        self.assertEqual(response.header("x-amz-server-side-encryption-customer-key-MD5"),
                         md5_b64(key))
        self.assertNotEqual(response.etag(), hashlib.md5(body).hexdigest())
        got = self.ok(self.s3.get(self.bucket, "k", headers=customer_headers(key)))
        self.assertEqual(got.body, body)
        ranged = self.ok(self.s3.get(self.bucket, "k", headers=dict(
            customer_headers(key), Range="bytes=%d-%d" % (CHUNK - 5, CHUNK + 5))), 206)
        self.assertEqual(ranged.body, body[CHUNK - 5:CHUNK + 6])
        self.ok(self.s3.head(self.bucket, "k", headers=customer_headers(key)))
        self.assert_error(self.s3.get(self.bucket, "k"), 400, "InvalidRequest")
        self.assert_error(self.s3.get(self.bucket, "k", headers=customer_headers(other)),
                          403, "AccessDenied")
        self.assert_error(self.s3.head(self.bucket, "k", headers=customer_headers(other)),
                          403, "AccessDenied", head=True)
        self.assert_error(self.s3.head(self.bucket, "k"), 400, "InvalidRequest", head=True)
        wrong_md5 = dict(customer_headers(key))
        wrong_md5["x-amz-server-side-encryption-customer-key-MD5"] = md5_b64(other)
        self.assert_error(self.s3.get(self.bucket, "k", headers=wrong_md5), 400,
                          "InvalidArgument")
        self.assertFalse(self.disk_contains(key))
        self.assertFalse(self.disk_contains(b"SECRET-PLAINTEXT-00000003|"))

    def test_sse_c_multipart_and_copy(self):
        key = os.urandom(32)
        created = self.ok(self.s3.create_upload(self.bucket, "mp", headers=customer_headers(key)))
        upload_id = created.xml().findtext("{*}UploadId") or created.xml().findtext("UploadId")
        parts = [pattern(5 * 1024 * 1024), pattern(1000)]
        etags = []
        self.assert_error(self.s3.upload_part(self.bucket, "mp", upload_id, 1, b"no key"),
                          400, "InvalidRequest")
        for number, data in enumerate(parts, 1):
            etags.append(self.ok(self.s3.upload_part(self.bucket, "mp", upload_id, number, data,
                                                     headers=customer_headers(key))).etag())
        self.ok(self.s3.complete_upload(self.bucket, "mp", upload_id, list(enumerate(etags, 1))))
        whole = b"".join(parts)
        self.assertEqual(self.get_body("mp", headers=customer_headers(key)), whole)
        # Copy to SSE-S3: needs the source key, then reads without one.
        copy = {"x-amz-copy-source": "/%s/mp" % self.bucket}
        self.assert_error(self.s3.put(self.bucket, "copy", headers=dict(copy, **SSE_S3)),
                          400, "InvalidRequest")
        self.ok(self.s3.put(self.bucket, "copy", headers=dict(
            copy, **SSE_S3, **customer_headers(key, "x-amz-copy-source-"))))
        self.assertEqual(self.get_body("copy"), whole)
        self.assertEqual(self.ok(self.s3.head(self.bucket, "copy"))
                         .header("x-amz-server-side-encryption"), "AES256")
