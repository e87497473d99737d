"""Objects: PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects;
metadata and the headers S3 keeps and returns; response-* overrides;
concurrent writers and a read that races an overwrite."""

import email.utils
import hashlib
import random
import threading

from hamsterd import ServerTestCase
from s3client import delete_xml, format_request, md5_b64


class PutGetTest(ServerTestCase):
    def test_put_returns_md5_etag_and_get_returns_bytes(self):
        for size in [0, 1, 1000, 65536, 65537, 1 << 20, 3 * (1 << 20) + 17]:
            with self.subTest(size=size):
                data = self.rng.randbytes(size)
                key = "obj-%d" % size
                etag = self.put_ok(key, data)
                self.assertEqual(etag, hashlib.md5(data).hexdigest())
                response = self.ok(self.s3.get(self.bucket, key))
                self.assertEqual(response.body, data)
                self.assertEqual(response.etag(), etag)
                self.assertEqual(response.header("Content-Length"), str(size))

    def test_get_headers(self):
        self.put_ok("k", b"hello")
        response = self.ok(self.s3.get(self.bucket, "k"))
        self.assertEqual(response.header("ETag"), '"%s"' % hashlib.md5(b"hello").hexdigest())
        modified = email.utils.parsedate_to_datetime(response.header("Last-Modified"))
        self.assertIsNotNone(modified.tzinfo)
        self.assertEqual(response.header("Accept-Ranges"), "bytes")
        self.assertEqual(response.header("Content-Type"), "binary/octet-stream")

    def test_overwrite_replaces_content_and_metadata(self):
        self.put_ok("k", b"first", headers={"x-amz-meta-a": "1", "Content-Type": "text/plain"})
        self.put_ok("k", b"second version", headers={"x-amz-meta-b": "2"})
        response = self.ok(self.s3.get(self.bucket, "k"))
        self.assertEqual(response.body, b"second version")
        self.assertIsNone(response.header("x-amz-meta-a"))
        self.assertEqual(response.header("x-amz-meta-b"), "2")
        self.assertEqual(response.header("Content-Type"), "binary/octet-stream")

    def test_get_missing_key_is_no_such_key(self):
        response = self.s3.get(self.bucket, "missing/key")
        self.assert_error(response, 404, "NoSuchKey")
        self.assertEqual(response.xml().findtext("Key"), "missing/key")

    def test_large_object_streams_both_ways(self):
        data = self.rng.randbytes(24 * (1 << 20) + 5)
        etag = self.put_ok("large", data)
        response = self.ok(self.s3.get(self.bucket, "large"))
        self.assertEqual(hashlib.md5(response.body).hexdigest(), etag)
        self.assertEqual(response.body, data)


class MetadataTest(ServerTestCase):
    HEADERS = {
        "Content-Type": "text/x-hamster; charset=utf-8",
        "Content-Encoding": "gzip",
        "Content-Disposition": 'attachment; filename="report.txt"',
        "Content-Language": "de-CH",
        "Cache-Control": "max-age=3600, must-revalidate",
        "Expires": "Thu, 01 Dec 2039 16:00:00 GMT",
        "x-amz-meta-color": "blue",
        "x-amz-meta-Mixed-Case": "Value With Spaces",
    }

    def check_headers(self, response):
        for name, value in self.HEADERS.items():
            self.assertEqual(response.header(name), value, "%s in %r" % (name, response))

    def test_standard_headers_and_user_metadata_are_kept(self):
        self.put_ok("k", b"\x1f\x8b data", headers=self.HEADERS)
        self.check_headers(self.ok(self.s3.get(self.bucket, "k")))
        head = self.ok(self.s3.head(self.bucket, "k"))
        self.check_headers(head)
        self.assertEqual(head.body, b"")
        self.assertEqual(head.header("Content-Length"), "7")

    def test_user_metadata_names_come_back_lowercase(self):
        self.put_ok("k", b"x", headers={"X-Amz-Meta-UPPER": "v"})
        response = self.ok(self.s3.head(self.bucket, "k"))
        names = [name for name, _ in response.headers if name.lower() == "x-amz-meta-upper"]
        self.assertEqual(names, ["x-amz-meta-upper"], "%r" % response)

    def test_metadata_over_2_kib_is_metadata_too_large(self):
        headers = {"x-amz-meta-big": "v" * 2100}
        self.assert_error(self.s3.put(self.bucket, "k", b"x", headers=headers), 400,
                          "MetadataTooLarge")
        self.assert_absent(self.bucket, "k")

    def test_response_overrides_on_get(self):
        self.put_ok("k", b"data", headers={"Content-Type": "text/plain"})
        overrides = [
            ("response-content-type", "application/x-override"),
            ("response-content-language", "fr"),
            ("response-expires", "Fri, 01 Jan 2038 00:00:00 GMT"),
            ("response-cache-control", "no-cache"),
            ("response-content-disposition", "inline; filename=\"a b.txt\""),
            ("response-content-encoding", "identity"),
        ]
        response = self.ok(self.s3.get(self.bucket, "k", query=overrides))
        self.assertEqual(response.body, b"data")
        for name, value in overrides:
            header = name[len("response-"):]
            self.assertEqual(response.header(header), value, "%s in %r" % (header, response))
        # Overrides change only that response.
        self.assertEqual(self.ok(self.s3.head(self.bucket, "k")).header("Content-Type"),
                         "text/plain")


class HeadTest(ServerTestCase):
    def test_head_returns_headers_without_body(self):
        data = self.rng.randbytes(12345)
        etag = self.put_ok("k", data)
        response = self.ok(self.s3.head(self.bucket, "k"))
        self.assertEqual(response.header("Content-Length"), "12345")
        self.assertEqual(response.etag(), etag)
        self.assertIsNotNone(response.header("Last-Modified"))
        # The connection is still in sync: the next response is the GET's.
        self.assertEqual(self.get_body("k"), data)

    def test_head_missing_key_is_404_without_body(self):
        response = self.s3.head(self.bucket, "missing")
        self.assert_error(response, 404, None, head=True)
        # Same connection, next request still answered correctly.
        self.put_ok("after", b"ok")
        self.assertEqual(self.get_body("after"), b"ok")


class DeleteTest(ServerTestCase):
    def test_delete_removes_object(self):
        self.put_ok("k", b"x")
        self.ok(self.s3.delete(self.bucket, "k"), 204)
        self.assert_error(self.s3.get(self.bucket, "k"), 404, "NoSuchKey")
        self.assert_absent(self.bucket, "k")

    def test_delete_missing_key_is_204(self):
        self.ok(self.s3.delete(self.bucket, "never-existed"), 204)

    def test_delete_in_missing_bucket_is_no_such_bucket(self):
        self.assert_error(self.s3.delete("no-such-bucket-hamster", "k"), 404, "NoSuchBucket")

    def test_delete_objects_batch(self):
        keys = ["a", "b/c", "d & e", "<f>", "missing"]
        for key in keys[:-1]:
            self.put_ok(key, key.encode())
        self.put_ok("keep", b"keep")
        body = delete_xml(keys)
        response = self.ok(self.s3.request("POST", self.bucket, query=[("delete", None)],
                                           body=body, headers={"Content-MD5": md5_b64(body)}))
        root = response.xml()
        self.assertEqual(root.tag, "DeleteResult")
        self.assertEqual(sorted(e.findtext("Key") for e in root.findall("Deleted")),
                         sorted(keys))
        self.assertEqual(root.findall("Error"), [])
        for key in keys:
            self.assert_absent(self.bucket, key)
        self.assertEqual(self.get_body("keep"), b"keep")

    def test_delete_objects_quiet_reports_nothing_on_success(self):
        for key in ["q1", "q2"]:
            self.put_ok(key, b"x")
        body = delete_xml(["q1", "q2"], quiet=True)
        response = self.ok(self.s3.request("POST", self.bucket, query=[("delete", None)],
                                           body=body, headers={"Content-MD5": md5_b64(body)}))
        root = response.xml()
        self.assertEqual(root.tag, "DeleteResult")
        self.assertEqual(list(root), [], "quiet mode lists no deleted keys: %r" % response)
        self.assert_absent(self.bucket, "q1")
        self.assert_absent(self.bucket, "q2")

    def test_delete_objects_malformed_xml(self):
        self.put_ok("k", b"x")
        for body in [b"<Delete><Object><Key>k</Key></Object>", b"not xml at all",
                     b"<Delete></Delete>", b"<Other><Object><Key>k</Key></Object></Other>"]:
            with self.subTest(body=body):
                response = self.s3.request("POST", self.bucket, query=[("delete", None)],
                                           body=body, headers={"Content-MD5": md5_b64(body)})
                self.assert_error(response, 400, "MalformedXML")
        self.assertEqual(self.get_body("k"), b"x")

    def test_delete_objects_over_1000_keys_is_malformed_xml(self):
        self.put_ok("k0", b"x")
        body = delete_xml(["k%d" % i for i in range(1001)])
        response = self.s3.request("POST", self.bucket, query=[("delete", None)], body=body,
                                   headers={"Content-MD5": md5_b64(body)})
        self.assert_error(response, 400, "MalformedXML")
        self.assertEqual(self.get_body("k0"), b"x")

    def test_delete_objects_needs_an_integrity_header(self):
        self.put_ok("k", b"x")
        body = delete_xml(["k"])
        response = self.s3.request("POST", self.bucket, query=[("delete", None)], body=body)
        self.assert_error(response, 400, "InvalidRequest")
        self.assertEqual(self.get_body("k"), b"x")

    def test_delete_objects_wrong_content_md5_is_bad_digest(self):
        self.put_ok("k", b"x")
        body = delete_xml(["k"])
        response = self.s3.request("POST", self.bucket, query=[("delete", None)], body=body,
                                   headers={"Content-MD5": md5_b64(body + b" ")})
        self.assert_error(response, 400, "BadDigest")
        self.assertEqual(self.get_body("k"), b"x")


class ConcurrencyTest(ServerTestCase):
    def test_concurrent_writers_and_readers(self):
        seed = self.rng.getrandbits(32)
        print("concurrency seed=%d" % seed)
        errors = []
        expected = {}

        def worker(index):
            rng = random.Random(seed + index)
            client = self.server.client()
            try:
                for round_ in range(6):
                    key = "t%d/k%d" % (index, round_ % 3)
                    data = rng.randbytes(rng.choice([0, 10, 5000, 200000, 1 << 20]))
                    response = client.put(self.bucket, key, data)
                    if response.status != 200:
                        errors.append(repr(response))
                        return
                    expected[key] = data
                    got = client.get(self.bucket, key)
                    if got.status != 200 or got.body != data:
                        errors.append("read-back of %s: %r" % (key, got))
                        return
            except Exception as error:  # reported below, with the thread's index
                errors.append("thread %d: %r" % (index, error))
            finally:
                client.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        for key, data in expected.items():
            self.assertEqual(self.get_body(key), data, key)

    def test_reader_keeps_the_version_it_opened(self):
        old = self.rng.randbytes(8 << 20)
        self.put_ok("k", old)
        reader = self.new_client()
        target, headers, _ = reader.build("GET", self.bucket, "k")
        conn = reader.connection()
        conn.send(format_request("GET", target, headers))
        status, _, response_headers = conn.read_head()
        self.assertEqual(status, 200)
        first = conn.rfile.read(1 << 16)
        new = self.rng.randbytes(3 << 20)
        self.put_ok("k", new)
        rest = conn.rfile.read(len(old) - len(first))
        self.assertEqual(first + rest, old, "a GET mixed two versions")
        self.assertEqual(self.get_body("k"), new)
