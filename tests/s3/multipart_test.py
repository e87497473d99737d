"""Multipart uploads: Create, UploadPart, UploadPartCopy (with
x-amz-copy-source-range), Complete (ETag checks, InvalidPart,
InvalidPartOrder, EntityTooSmall), Abort (NoSuchUpload afterwards), ListParts
(part-number-marker, max-parts) and ListMultipartUploads (key-marker,
upload-id-marker, prefix, delimiter)."""

import hashlib
import urllib.parse

from hamsterd import ServerTestCase
from s3client import S3_NS, md5_b64, multipart_etag

MIB = 1 << 20


class MultipartTest(ServerTestCase):
    def create(self, key, headers=None):
        response = self.ok(self.s3.create_upload(self.bucket, key, headers=headers))
        root = response.xml()
        self.assertEqual(root.tag, "InitiateMultipartUploadResult")
        self.assertEqual(root.findtext("Bucket"), self.bucket)
        self.assertEqual(root.findtext("Key"), key)
        upload_id = root.findtext("UploadId")
        self.assertTrue(upload_id)
        return upload_id

    def upload(self, key, upload_id, number, data):
        response = self.ok(self.s3.upload_part(self.bucket, key, upload_id, number, data))
        self.assertEqual(response.etag(), hashlib.md5(data).hexdigest())
        return response.etag()

    def test_upload_complete_and_read_back(self):
        parts = [self.rng.randbytes(5 * MIB), self.rng.randbytes(5 * MIB + 1),
                 self.rng.randbytes(77)]
        upload_id = self.create("obj", headers={"Content-Type": "text/x-parts",
                                                "x-amz-meta-origin": "multipart"})
        etags = [self.upload("obj", upload_id, n, p) for n, p in enumerate(parts, 1)]
        self.assert_absent(self.bucket, "obj")
        response = self.ok(self.s3.complete_upload(self.bucket, "obj", upload_id,
                                                   list(enumerate(etags, 1))))
        root = response.xml()
        self.assertEqual(root.tag, "CompleteMultipartUploadResult")
        self.assertEqual(root.findtext("Bucket"), self.bucket)
        self.assertEqual(root.findtext("Key"), "obj")
        expected_etag = multipart_etag(parts)
        self.assertEqual(root.findtext("ETag"), '"%s"' % expected_etag)
        got = self.ok(self.s3.get(self.bucket, "obj"))
        self.assertEqual(got.body, b"".join(parts))
        self.assertEqual(got.etag(), expected_etag)
        self.assertEqual(got.header("Content-Type"), "text/x-parts")
        self.assertEqual(got.header("x-amz-meta-origin"), "multipart")
        listed = self.ok(self.s3.list_v2(self.bucket)).xml().find("Contents")
        self.assertEqual(listed.findtext("ETag"), '"%s"' % expected_etag)
        self.assertEqual(listed.findtext("Size"), str(sum(len(p) for p in parts)))
        # A completed upload is gone.
        self.assert_error(self.s3.request("GET", self.bucket, "obj",
                                          query=[("uploadId", upload_id)]), 404, "NoSuchUpload")

    def test_single_small_part_is_allowed(self):
        upload_id = self.create("one")
        etag = self.upload("one", upload_id, 1, b"tiny")
        self.ok(self.s3.complete_upload(self.bucket, "one", upload_id, [(1, etag)]))
        self.assertEqual(self.get_body("one"), b"tiny")

    def test_parts_may_skip_numbers_and_be_reuploaded(self):
        upload_id = self.create("k")
        first = self.rng.randbytes(5 * MIB)
        self.upload("k", upload_id, 3, self.rng.randbytes(5 * MIB))
        etag3 = self.upload("k", upload_id, 3, first)  # replaces the earlier part 3
        etag7 = self.upload("k", upload_id, 7, b"tail")
        self.ok(self.s3.complete_upload(self.bucket, "k", upload_id, [(3, etag3), (7, etag7)]))
        self.assertEqual(self.get_body("k"), first + b"tail")

    def test_complete_may_use_a_subset_of_parts(self):
        upload_id = self.create("k")
        etags = [self.upload("k", upload_id, n, bytes([n]) * (5 * MIB)) for n in (1, 2, 3)]
        self.ok(self.s3.complete_upload(self.bucket, "k", upload_id,
                                        [(1, etags[0]), (3, etags[2])]))
        body = self.get_body("k")
        self.assertEqual(body, b"\x01" * (5 * MIB) + b"\x03" * (5 * MIB))

    def test_wrong_etag_is_invalid_part(self):
        upload_id = self.create("k")
        self.upload("k", upload_id, 1, b"data")
        response = self.s3.complete_upload(self.bucket, "k", upload_id,
                                           [(1, "0123456789abcdef0123456789abcdef")])
        self.assert_error(response, 400, "InvalidPart")
        self.assert_absent(self.bucket, "k")

    def test_missing_part_is_invalid_part(self):
        upload_id = self.create("k")
        etag = self.upload("k", upload_id, 1, self.rng.randbytes(5 * MIB))
        response = self.s3.complete_upload(self.bucket, "k", upload_id, [(1, etag), (2, etag)])
        self.assert_error(response, 400, "InvalidPart")
        self.assert_absent(self.bucket, "k")

    def test_parts_out_of_order_is_invalid_part_order(self):
        upload_id = self.create("k")
        e1 = self.upload("k", upload_id, 1, self.rng.randbytes(5 * MIB))
        e2 = self.upload("k", upload_id, 2, b"last")
        for parts in ([(2, e2), (1, e1)], [(1, e1), (1, e1)]):
            with self.subTest(parts=parts):
                response = self.s3.complete_upload(self.bucket, "k", upload_id, parts)
                self.assert_error(response, 400, "InvalidPartOrder")
        self.assert_absent(self.bucket, "k")
        # The upload survives a refused completion.
        self.ok(self.s3.complete_upload(self.bucket, "k", upload_id, [(1, e1), (2, e2)]))

    def test_small_non_last_part_is_entity_too_small(self):
        upload_id = self.create("k")
        e1 = self.upload("k", upload_id, 1, self.rng.randbytes(5 * MIB - 1))
        e2 = self.upload("k", upload_id, 2, b"last")
        response = self.s3.complete_upload(self.bucket, "k", upload_id, [(1, e1), (2, e2)])
        self.assert_error(response, 400, "EntityTooSmall")
        self.assert_absent(self.bucket, "k")

    def test_malformed_complete_bodies(self):
        upload_id = self.create("k")
        self.upload("k", upload_id, 1, b"data")
        for body in [b"", b"<CompleteMultipartUpload>", b"garbage",
                     ("<CompleteMultipartUpload xmlns=\"%s\"></CompleteMultipartUpload>" %
                      S3_NS).encode(),
                     b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber>"
                     b"<ETag>\"a\"</ETag></Part></CompleteMultipartUpload>"]:
            with self.subTest(body=body):
                response = self.s3.request("POST", self.bucket, "k", body=body,
                                           query=[("uploadId", upload_id)])
                self.assert_error(response, 400, "MalformedXML")

    def test_abort_then_everything_is_no_such_upload(self):
        upload_id = self.create("k")
        etag = self.upload("k", upload_id, 1, b"data")
        self.ok(self.s3.delete(self.bucket, "k", query=[("uploadId", upload_id)]), 204)
        self.assert_error(self.s3.upload_part(self.bucket, "k", upload_id, 2, b"x"), 404,
                          "NoSuchUpload")
        self.assert_error(self.s3.complete_upload(self.bucket, "k", upload_id, [(1, etag)]),
                          404, "NoSuchUpload")
        self.assert_error(self.s3.request("GET", self.bucket, "k",
                                          query=[("uploadId", upload_id)]), 404, "NoSuchUpload")
        self.assert_error(self.s3.delete(self.bucket, "k", query=[("uploadId", upload_id)]), 404,
                          "NoSuchUpload")
        self.assert_absent(self.bucket, "k")

    def test_unknown_upload_id_is_no_such_upload(self):
        self.assert_error(self.s3.upload_part(self.bucket, "k", "no-such-upload", 1, b"x"), 404,
                          "NoSuchUpload")
        upload_id = self.create("k")
        # An upload id belongs to its key.
        self.assert_error(self.s3.upload_part(self.bucket, "other", upload_id, 1, b"x"), 404,
                          "NoSuchUpload")

    def test_bad_part_numbers_are_invalid_argument(self):
        upload_id = self.create("k")
        for number in ["0", "10001", "-3", "one"]:
            with self.subTest(number=number):
                response = self.s3.request("PUT", self.bucket, "k", body=b"x",
                                           query=[("partNumber", number),
                                                  ("uploadId", upload_id)])
                self.assert_error(response, 400, "InvalidArgument")
        self.upload("k", upload_id, 10000, b"the highest part number")

    def test_part_content_md5_is_verified(self):
        upload_id = self.create("k")
        response = self.s3.upload_part(self.bucket, "k", upload_id, 1, b"data",
                                       headers={"Content-MD5": md5_b64(b"other")})
        self.assert_error(response, 400, "BadDigest")
        listed = self.ok(self.s3.request("GET", self.bucket, "k",
                                         query=[("uploadId", upload_id)])).xml()
        self.assertEqual(listed.findall("Part"), [])

    def test_list_parts_pages(self):
        upload_id = self.create("k")
        etags = {n: self.upload("k", upload_id, n, bytes([n]) * (100 + n)) for n in range(1, 8)}
        seen, marker = [], None
        for _ in range(10):
            query = [("uploadId", upload_id), ("max-parts", "3")]
            if marker is not None:
                query.append(("part-number-marker", marker))
            root = self.ok(self.s3.request("GET", self.bucket, "k", query=query)).xml()
            self.assertEqual(root.tag, "ListPartsResult")
            self.assertEqual(root.findtext("UploadId"), upload_id)
            self.assertEqual(root.findtext("Key"), "k")
            self.assertEqual(root.findtext("MaxParts"), "3")
            for part in root.findall("Part"):
                number = int(part.findtext("PartNumber"))
                self.assertEqual(part.findtext("ETag"), '"%s"' % etags[number])
                self.assertEqual(part.findtext("Size"), str(100 + number))
                self.assertTrue(part.findtext("LastModified"))
                seen.append(number)
            if root.findtext("IsTruncated") != "true":
                break
            marker = root.findtext("NextPartNumberMarker")
            self.assertEqual(marker, str(seen[-1]))
        self.assertEqual(seen, list(range(1, 8)))
        root = self.ok(self.s3.request("GET", self.bucket, "k", query=[
            ("uploadId", upload_id), ("part-number-marker", "5")])).xml()
        self.assertEqual([p.findtext("PartNumber") for p in root.findall("Part")], ["6", "7"])

    def test_upload_part_copy_with_ranges(self):
        source = self.rng.randbytes(12 * MIB)
        self.put_ok("source", source)
        upload_id = self.create("dest")
        copy_source = "/%s/%s" % (self.bucket, "source")
        ranges = [(0, 5 * MIB - 1), (5 * MIB, 11 * MIB - 1), None, (11 * MIB, 12 * MIB - 1)]
        etags = []
        for number, byte_range in enumerate(ranges, 1):
            headers = {"x-amz-copy-source": copy_source}
            expected = source
            if byte_range is not None:
                first, last = byte_range
                headers["x-amz-copy-source-range"] = "bytes=%d-%d" % (first, last)
                expected = source[first:last + 1]
            response = self.ok(self.s3.request(
                "PUT", self.bucket, "dest",
                query=[("partNumber", str(number)), ("uploadId", upload_id)], headers=headers))
            root = response.xml()
            self.assertEqual(root.tag, "CopyPartResult")
            etag = root.findtext("ETag").strip('"')
            self.assertEqual(etag, hashlib.md5(expected).hexdigest())
            self.assertTrue(root.findtext("LastModified"))
            etags.append(etag)
        self.ok(self.s3.complete_upload(self.bucket, "dest", upload_id,
                                        list(enumerate(etags, 1))))
        self.assertEqual(self.get_body("dest"),
                         source[:11 * MIB] + source + source[11 * MIB:])

    def test_upload_part_copy_errors(self):
        self.put_ok("source", b"0123456789")
        upload_id = self.create("dest")
        query = [("partNumber", "1"), ("uploadId", upload_id)]
        cases = [
            ({"x-amz-copy-source": "/%s/missing" % self.bucket}, 404, "NoSuchKey"),
            ({"x-amz-copy-source": "/no-such-bucket-hamster/source"}, 404, "NoSuchBucket"),
            ({"x-amz-copy-source": "/%s/source" % self.bucket,
              "x-amz-copy-source-range": "bytes=5-20"}, (400, 416), "InvalidRange"),
            ({"x-amz-copy-source": "/%s/source" % self.bucket,
              "x-amz-copy-source-range": "bytes=7-3"}, 400, "InvalidArgument"),
            ({"x-amz-copy-source": "/%s/source" % self.bucket,
              "x-amz-copy-source-range": "5-6"}, 400, "InvalidArgument"),
        ]
        for headers, status, code in cases:
            with self.subTest(headers=headers):
                response = self.s3.request("PUT", self.bucket, "dest", query=query,
                                           headers=headers)
                # S3 answers an out-of-bounds source range with 400 or 416.
                if isinstance(status, tuple) and response.status in status:
                    status = response.status
                self.assert_error(response, status, code)


class ListUploadsTest(ServerTestCase):
    def test_list_uploads_with_markers(self):
        uploads = []
        for key in ["a", "b", "b", "b", "c/d", "c/e"]:
            response = self.ok(self.s3.create_upload(self.bucket, key))
            uploads.append((key, response.xml().findtext("UploadId")))
        root = self.list_uploads()
        self.assertEqual(root.tag, "ListMultipartUploadsResult")
        self.assertEqual(root.findtext("Bucket"), self.bucket)
        listed = [(u.findtext("Key"), u.findtext("UploadId")) for u in root.findall("Upload")]
        self.assertEqual([k for k, _ in listed], ["a", "b", "b", "b", "c/d", "c/e"])
        self.assertEqual(sorted(listed), sorted(uploads))
        # Uploads of one key come in the order they were initiated.
        self.assertEqual(listed[1:4], uploads[1:4])
        for upload in root.findall("Upload"):
            self.assertTrue(upload.findtext("Initiated"))
        # Paging one at a time with both markers visits each upload once.
        seen, key_marker, id_marker = [], None, None
        for _ in range(20):
            params = [("max-uploads", "1")]
            if key_marker is not None:
                params += [("key-marker", key_marker), ("upload-id-marker", id_marker)]
            root = self.list_uploads(params)
            seen += [(u.findtext("Key"), u.findtext("UploadId")) for u in root.findall("Upload")]
            if root.findtext("IsTruncated") != "true":
                break
            key_marker = root.findtext("NextKeyMarker")
            id_marker = root.findtext("NextUploadIdMarker")
        self.assertEqual(seen, listed)
        # key-marker alone skips every upload of that key.
        root = self.list_uploads([("key-marker", "b")])
        self.assertEqual([u.findtext("Key") for u in root.findall("Upload")], ["c/d", "c/e"])
        root = self.list_uploads([("prefix", "c/")])
        self.assertEqual([u.findtext("Key") for u in root.findall("Upload")], ["c/d", "c/e"])
        root = self.list_uploads([("delimiter", "/")])
        self.assertEqual([u.findtext("Key") for u in root.findall("Upload")], ["a", "b", "b", "b"])
        self.assertEqual([p.findtext("Prefix") for p in root.findall("CommonPrefixes")], ["c/"])

    def list_uploads(self, params=()):
        return self.ok(self.s3.request("GET", self.bucket,
                                       query=[("uploads", None)] + list(params))).xml()

    def test_list_uploads_url_encoding(self):
        self.ok(self.s3.create_upload(self.bucket, "sp ace+\u00e9"))
        root = self.list_uploads([("encoding-type", "url")])
        key = root.find("Upload").findtext("Key")
        self.assertTrue(key.isascii(), key)
        self.assertEqual(urllib.parse.unquote_plus(key), "sp ace+\u00e9")
