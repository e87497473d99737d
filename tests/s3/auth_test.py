"""Authentication: SigV4 header signatures, presigned URLs (GET and PUT,
expiry, tampering), unknown keys, anonymous requests, clock skew, and a
payload hash that does not match the body. After every refusal nothing is
stored and the server keeps serving."""

import datetime
import hashlib

from hamsterd import ServerTestCase
from s3client import Signer, utc_now

MINUTE = datetime.timedelta(minutes=1)


class HeaderAuthTest(ServerTestCase):
    def test_signed_request_succeeds(self):
        self.put_ok("k", b"signed")
        self.assertEqual(self.get_body("k"), b"signed")

    def test_wrong_secret_is_signature_does_not_match(self):
        wrong = Signer(self.s3.signer.access_key, "not-the-secret", "us-east-1")
        response = self.s3.put(self.bucket, "k", b"data", signer=wrong)
        self.assert_error(response, 403, "SignatureDoesNotMatch")
        self.assert_absent(self.bucket, "k")

    def test_tampered_request_is_signature_does_not_match(self):
        target, headers, body = self.s3.build("PUT", self.bucket, "k", body=b"data",
                                              headers={"x-amz-meta-a": "1"})
        tampered = [(n, "2" if n == "x-amz-meta-a" else v) for n, v in headers]
        response = self.s3.send_raw("PUT", target, tampered, body)
        self.assert_error(response, 403, "SignatureDoesNotMatch")
        # A changed path is as wrong as a changed header.
        response = self.s3.send_raw("PUT", target.replace("/k", "/other"), headers, body)
        self.assert_error(response, 403, "SignatureDoesNotMatch")
        # So is a query parameter added after signing.
        response = self.s3.send_raw("GET", self.s3.path(self.bucket) + "?list-type=2",
                                    self.s3.build("GET", self.bucket)[1])
        self.assert_error(response, 403, "SignatureDoesNotMatch")
        self.assert_absent(self.bucket, "k")
        self.assert_absent(self.bucket, "other")

    def test_unsigned_header_may_change(self):
        target, headers, body = self.s3.build("PUT", self.bucket, "k", body=b"data")
        headers.append(("X-Unsigned-Extra", "anything"))
        self.ok(self.s3.send_raw("PUT", target, headers, body))

    def test_unknown_access_key_is_invalid_access_key_id(self):
        stranger = Signer("AKIAUNKNOWNHAMSTER00", "whatever", "us-east-1")
        response = self.s3.put(self.bucket, "k", b"data", signer=stranger)
        self.assert_error(response, 403, "InvalidAccessKeyId")
        self.assert_error(self.s3.request("GET", signer=stranger), 403, "InvalidAccessKeyId")
        self.assert_absent(self.bucket, "k")

    def test_anonymous_requests_are_access_denied(self):
        cases = [("GET", None, None), ("GET", self.bucket, None), ("PUT", self.bucket, "k"),
                 ("GET", self.bucket, "k"), ("DELETE", self.bucket, None),
                 ("PUT", "anon-bucket-hamster", None)]
        for method, bucket, key in cases:
            with self.subTest(method=method, bucket=bucket, key=key):
                response = self.s3.request(method, bucket, key, sign=False,
                                           body=b"x" if key and method == "PUT" else b"")
                self.assert_error(response, 403, "AccessDenied")
        self.assert_absent(self.bucket, "k")
        self.ok(self.s3.head(self.bucket))
        self.assert_error(self.s3.head("anon-bucket-hamster"), 404, None, head=True)

    def test_clock_skew_over_15_minutes_is_request_time_too_skewed(self):
        for offset in (-16 * MINUTE, 16 * MINUTE, datetime.timedelta(days=2)):
            with self.subTest(offset=offset):
                response = self.s3.put(self.bucket, "k", b"x", when=utc_now() + offset)
                self.assert_error(response, 403, "RequestTimeTooSkewed")
        self.assert_absent(self.bucket, "k")
        # Within the window is fine.
        self.put_ok("k", b"x", when=utc_now() - 10 * MINUTE)
        self.put_ok("k2", b"x", when=utc_now() + 10 * MINUTE)

    def test_missing_date_is_access_denied(self):
        target, headers, body = self.s3.build("PUT", self.bucket, "k", body=b"x")
        stripped = [(n, v) for n, v in headers if n != "x-amz-date"]
        response = self.s3.send_raw("PUT", target, stripped, body)
        self.assertEqual(response.status, 403, "%r" % response)
        self.assertIn(response.error_code(), ("AccessDenied", "SignatureDoesNotMatch"))
        self.assert_absent(self.bucket, "k")

    def test_malformed_authorization_header(self):
        target, headers, body = self.s3.build("GET", self.bucket)
        for value in ["AWS4-HMAC-SHA256 garbage", "AWS4-HMAC-SHA256 Credential=a/b, Signature=c",
                      "AWS4-HMAC-SHA256 Credential=%s/20200101/us-east-1/s3/aws4_request, "
                      "SignedHeaders=host, Signature=zz" % self.s3.signer.access_key]:
            with self.subTest(value=value):
                mangled = [(n, value if n == "Authorization" else v) for n, v in headers]
                response = self.s3.send_raw("GET", target, mangled, body)
                self.assertIn(response.status, (400, 403), "%r" % response)
                self.assertIn(response.error_code(),
                              ("AuthorizationHeaderMalformed", "SignatureDoesNotMatch",
                               "AccessDenied", "InvalidArgument", "RequestTimeTooSkewed"),
                              "%r" % response)

    def test_unsupported_signature_v2_is_refused(self):
        target, headers, body = self.s3.build("GET", self.bucket)
        v2 = [(n, "AWS %s:c2lnbmF0dXJl" % self.s3.signer.access_key if n == "Authorization"
               else v) for n, v in headers]
        response = self.s3.send_raw("GET", target, v2, body)
        self.assertIn(response.status, (400, 403), "%r" % response)
        self.assertIsNotNone(response.error_code(), "%r" % response)

    def test_content_sha256_mismatch_stores_nothing(self):
        response = self.s3.put(self.bucket, "k", b"the real body",
                               payload=("literal", hashlib.sha256(b"another body").hexdigest()))
        self.assert_error(response, 400, "XAmzContentSHA256Mismatch")
        self.assert_absent(self.bucket, "k")

    def test_unsigned_payload(self):
        self.put_ok("k", b"unsigned body", payload="unsigned")
        self.assertEqual(self.get_body("k"), b"unsigned body")


class PresignedTest(ServerTestCase):
    def send(self, method, target, body=b"", headers=()):
        host = self.s3.host_header(None)
        header_list = [("Host", host)] + list(headers)
        if body or method == "PUT":
            header_list.append(("Content-Length", str(len(body))))
        return self.s3.send_raw(method, target, header_list, body)

    def test_presigned_get_and_head(self):
        self.put_ok("k", b"shared")
        response = self.ok(self.send("GET", self.s3.presigned_target("GET", self.bucket, "k")))
        self.assertEqual(response.body, b"shared")
        self.ok(self.send("HEAD", self.s3.presigned_target("HEAD", self.bucket, "k")))

    def test_presigned_put(self):
        target = self.s3.presigned_target("PUT", self.bucket, "uploaded/by url")
        self.ok(self.send("PUT", target, b"via presigned PUT"))
        self.assertEqual(self.get_body("uploaded/by url"), b"via presigned PUT")

    def test_presigned_with_response_overrides(self):
        self.put_ok("k", b"shared")
        target = self.s3.presigned_target("GET", self.bucket, "k",
                                          query=[("response-content-type", "text/x-presigned")])
        response = self.ok(self.send("GET", target))
        self.assertEqual(response.header("Content-Type"), "text/x-presigned")

    def test_expired_presigned_url_is_access_denied(self):
        self.put_ok("k", b"shared")
        target = self.s3.presigned_target("GET", self.bucket, "k", expires=60,
                                          when=utc_now() - 5 * MINUTE)
        self.assert_error(self.send("GET", target), 403, "AccessDenied")
        target = self.s3.presigned_target("PUT", self.bucket, "new", expires=1,
                                          when=utc_now() - MINUTE)
        self.assert_error(self.send("PUT", target, b"late"), 403, "AccessDenied")
        self.assert_absent(self.bucket, "new")

    def test_presigned_url_for_another_method_or_key_is_refused(self):
        self.put_ok("k", b"shared")
        target = self.s3.presigned_target("GET", self.bucket, "k")
        self.assert_error(self.send("PUT", target, b"overwrite"), 403, "SignatureDoesNotMatch")
        self.assert_error(self.send("GET", target.replace("/k?", "/j?")), 403,
                          "SignatureDoesNotMatch")
        self.assertEqual(self.get_body("k"), b"shared")

    def test_tampered_presigned_url_is_signature_does_not_match(self):
        self.put_ok("k", b"shared")
        target = self.s3.presigned_target("GET", self.bucket, "k", expires=60)
        longer = target.replace("X-Amz-Expires=60", "X-Amz-Expires=3600")
        self.assert_error(self.send("GET", longer), 403, "SignatureDoesNotMatch")
        signature = target.rsplit("X-Amz-Signature=", 1)[1]
        flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
        self.assert_error(self.send("GET", target.replace(signature, flipped)), 403,
                          "SignatureDoesNotMatch")

    def test_presigned_expiry_over_seven_days_is_refused(self):
        target = self.s3.presigned_target("GET", self.bucket, "k", expires=604801)
        response = self.send("GET", target)
        self.assertEqual(response.status, 400, "%r" % response)
        self.assertIn(response.error_code(), ("AuthorizationQueryParametersError",
                                              "InvalidArgument"), "%r" % response)

    def test_presigned_with_unknown_key_is_invalid_access_key_id(self):
        stranger = self.new_client()
        stranger.signer = Signer("AKIAUNKNOWNHAMSTER00", "whatever", "us-east-1")
        target = stranger.presigned_target("GET", self.bucket, "k")
        self.assert_error(self.send("GET", target), 403, "InvalidAccessKeyId")
