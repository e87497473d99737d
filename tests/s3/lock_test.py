"""Object lock: CreateBucket with x-amz-bucket-object-lock-enabled,
Put/GetObjectLockConfiguration and default retention, x-amz-object-lock-*
headers on PutObject, CopyObject and CreateMultipartUpload, Put/Get
ObjectRetention and ObjectLegalHold per version, and their enforcement
(invariant 4): GOVERNANCE with and without the bypass header, COMPLIANCE,
legal hold, and delete markers above locked versions."""

import datetime

from hamsterd import ServerTestCase, new_bucket_name
from s3client import S3_NS, md5_b64
from versioning_test import VersioningTestCase, delete_versions_xml, versioning_body

DAY = datetime.timedelta(days=1)
CONTENT_MD5_REQUIRED = ("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object "
                        "requests with Object Lock parameters")


def iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def lock_config_xml(mode=None, days=None, years=None, enabled="Enabled"):
    rule = ""
    if mode is not None:
        period = ""
        if days is not None:
            period += "<Days>%s</Days>" % days
        if years is not None:
            period += "<Years>%s</Years>" % years
        rule = "<Rule><DefaultRetention><Mode>%s</Mode>%s</DefaultRetention></Rule>" % (mode,
                                                                                         period)
    return ("<ObjectLockConfiguration xmlns=\"%s\"><ObjectLockEnabled>%s</ObjectLockEnabled>%s"
            "</ObjectLockConfiguration>" % (S3_NS, enabled, rule)).encode()


def retention_xml(mode=None, until=None):
    inner = ""
    if mode is not None:
        inner += "<Mode>%s</Mode>" % mode
    if until is not None:
        inner += "<RetainUntilDate>%s</RetainUntilDate>" % until
    return ("<Retention xmlns=\"%s\">%s</Retention>" % (S3_NS, inner)).encode()


def legal_hold_xml(status):
    return ("<LegalHold xmlns=\"%s\"><Status>%s</Status></LegalHold>" % (S3_NS, status)).encode()


class LockTestCase(VersioningTestCase):
    """Each test gets `self.bucket` created with object lock enabled."""

    CREATE_BUCKET = False

    def setUp(self):
        super().setUp()
        self.bucket = new_bucket_name("lock")
        self.ok(self.s3.create_bucket(self.bucket,
                                      headers={"x-amz-bucket-object-lock-enabled": "true"}))

    def put_config(self, body, bucket=None, md5=True):
        headers = {"Content-MD5": md5_b64(body)} if md5 else {}
        return self.s3.request("PUT", bucket or self.bucket, query=[("object-lock", None)],
                               body=body, headers=headers)

    def get_config(self, bucket=None):
        return self.s3.request("GET", bucket or self.bucket, query=[("object-lock", None)])

    def put_locked(self, key, body, mode=None, until=None, legal_hold=None, md5=True, bucket=None):
        headers = {}
        if mode is not None:
            headers["x-amz-object-lock-mode"] = mode
        if until is not None:
            headers["x-amz-object-lock-retain-until-date"] = until
        if legal_hold is not None:
            headers["x-amz-object-lock-legal-hold"] = legal_hold
        if md5:
            headers["Content-MD5"] = md5_b64(body)
        return self.s3.put(bucket or self.bucket, key, body, headers=headers)

    def put_retention(self, key, body, version_id=None, bypass=False, md5=True):
        query = [("retention", None)] + ([("versionId", version_id)] if version_id else [])
        headers = {"Content-MD5": md5_b64(body)} if md5 else {}
        if bypass:
            headers["x-amz-bypass-governance-retention"] = "true"
        return self.s3.request("PUT", self.bucket, key, query=query, body=body, headers=headers)

    def get_retention(self, key, version_id=None):
        query = [("retention", None)] + ([("versionId", version_id)] if version_id else [])
        return self.s3.request("GET", self.bucket, key, query=query)

    def put_legal_hold(self, key, status, version_id=None):
        body = legal_hold_xml(status)
        query = [("legal-hold", None)] + ([("versionId", version_id)] if version_id else [])
        return self.s3.request("PUT", self.bucket, key, query=query, body=body,
                               headers={"Content-MD5": md5_b64(body)})

    def get_legal_hold(self, key, version_id=None):
        query = [("legal-hold", None)] + ([("versionId", version_id)] if version_id else [])
        return self.s3.request("GET", self.bucket, key, query=query)

    def assert_locked(self, response):
        self.assert_error(response, 403, "AccessDenied")
        self.assertIn("object lock", response.xml().findtext("Message"))


class LockConfigurationTest(LockTestCase):
    def test_lock_enabled_bucket(self):
        self.assertEqual(self.get_versioning(), "Enabled")
        root = self.ok(self.get_config()).xml()
        self.assertEqual(root.tag, "ObjectLockConfiguration")
        self.assertEqual(root.findtext("ObjectLockEnabled"), "Enabled")
        self.assertIsNone(root.find("Rule"))
        self.assert_error(self.set_versioning("Suspended"), 409, "InvalidBucketState")
        self.assertEqual(self.get_versioning(), "Enabled")
        self.ok(self.set_versioning("Enabled"))

    def test_plain_bucket(self):
        plain = new_bucket_name()
        self.ok(self.s3.create_bucket(plain))
        self.assert_error(self.get_config(plain), 404, "ObjectLockConfigurationNotFoundError")
        self.assert_error(self.put_config(lock_config_xml(), plain), 409, "InvalidBucketState")
        self.assert_error(self.put_locked("k", b"x", "GOVERNANCE", iso(now_utc() + DAY),
                                          bucket=plain), 400, "InvalidRequest")
        self.assert_error(self.put_locked("k", b"x", legal_hold="ON", bucket=plain), 400,
                          "InvalidRequest")
        # Enabling it later needs versioning enabled first.
        self.ok(self.set_versioning("Enabled", plain))
        self.ok(self.put_config(lock_config_xml("GOVERNANCE", days=1), plain))
        self.assertEqual(self.ok(self.get_config(plain)).xml().findtext(
            "Rule/DefaultRetention/Days"), "1")
        self.assert_error(self.set_versioning("Suspended", plain), 409, "InvalidBucketState")

    def test_default_retention_rules(self):
        self.ok(self.put_config(lock_config_xml("COMPLIANCE", years=2)))
        rule = self.ok(self.get_config()).xml().find("Rule/DefaultRetention")
        self.assertEqual((rule.findtext("Mode"), rule.findtext("Years"), rule.findtext("Days")),
                         ("COMPLIANCE", "2", None))
        self.ok(self.put_config(lock_config_xml()))
        self.assertIsNone(self.ok(self.get_config()).xml().find("Rule"))

    def test_bad_configurations(self):
        cases = [
            (lock_config_xml("GOVERNANCE", days=1, years=1), 400, "MalformedXML"),
            (lock_config_xml("GOVERNANCE"), 400, "MalformedXML"),
            (lock_config_xml("FOREVER", days=1), 400, "MalformedXML"),
            (lock_config_xml("GOVERNANCE", days=0), 400, "InvalidArgument"),
            (lock_config_xml("GOVERNANCE", days=-3), 400, "InvalidArgument"),
            (lock_config_xml("GOVERNANCE", years=101), 400, "InvalidArgument"),
            (lock_config_xml(enabled="Disabled"), 400, "MalformedXML"),
            (b"<ObjectLockConfiguration>", 400, "MalformedXML"),
        ]
        for body, status, code in cases:
            with self.subTest(body=body):
                self.assert_error(self.put_config(body), status, code)
        self.assert_error(self.put_config(lock_config_xml(), md5=False), 400, "InvalidRequest")
        self.assertIsNone(self.ok(self.get_config()).xml().find("Rule"))

    def test_default_retention_applies_to_new_versions(self):
        self.ok(self.put_config(lock_config_xml("GOVERNANCE", days=1)))
        before = now_utc()
        version = self.put_version("k", b"data")
        head = self.ok(self.s3.head(self.bucket, "k"))
        self.assertEqual(head.header("x-amz-object-lock-mode"), "GOVERNANCE")
        until = datetime.datetime.strptime(head.header("x-amz-object-lock-retain-until-date"),
                                           "%Y-%m-%dT%H:%M:%S.%f%z")
        self.assertTrue(before + DAY - datetime.timedelta(seconds=5) <= until <=
                        now_utc() + DAY + datetime.timedelta(seconds=5), until)
        root = self.ok(self.get_retention("k", version)).xml()
        self.assertEqual(root.findtext("Mode"), "GOVERNANCE")
        self.assert_locked(self.delete_version("k", version))
        # Explicit retention wins over the default.
        self.ok(self.put_locked("e", b"x", "COMPLIANCE", iso(now_utc() + 2 * DAY)))
        self.assertEqual(self.ok(self.s3.head(self.bucket, "e")).header("x-amz-object-lock-mode"),
                         "COMPLIANCE")


class LockHeadersTest(LockTestCase):
    def test_put_with_lock_headers(self):
        until = iso(now_utc() + DAY)
        response = self.put_locked("k", b"data", "GOVERNANCE", until, legal_hold="ON")
        version = self.ok(response).header("x-amz-version-id")
        head = self.ok(self.s3.head(self.bucket, "k"))
        self.assertEqual(head.header("x-amz-object-lock-mode"), "GOVERNANCE")
        self.assertEqual(head.header("x-amz-object-lock-retain-until-date"), until)
        self.assertEqual(head.header("x-amz-object-lock-legal-hold"), "ON")
        got = self.ok(self.get_version("k", version))
        self.assertEqual(got.header("x-amz-object-lock-legal-hold"), "ON")
        root = self.ok(self.get_retention("k")).xml()
        self.assertEqual((root.findtext("Mode"), root.findtext("RetainUntilDate")),
                         ("GOVERNANCE", until))
        self.assertEqual(self.ok(self.get_legal_hold("k")).xml().findtext("Status"), "ON")

    def test_lock_headers_need_content_md5(self):
        response = self.assert_error(
            self.put_locked("k", b"data", "GOVERNANCE", iso(now_utc() + DAY), md5=False), 400,
            "InvalidRequest")
        self.assertEqual(response.xml().findtext("Message"), CONTENT_MD5_REQUIRED)
        self.assert_error(self.put_locked("k", b"data", legal_hold="ON", md5=False), 400,
                          "InvalidRequest")
        self.assert_absent(self.bucket, "k")

    def test_bad_lock_headers(self):
        future = iso(now_utc() + DAY)
        cases = [
            dict(mode="GOVERNANCE"),
            dict(until=future),
            dict(mode="FOREVER", until=future),
            dict(mode="GOVERNANCE", until="tomorrow"),
            dict(mode="GOVERNANCE", until=iso(now_utc() - DAY)),
            dict(legal_hold="MAYBE"),
        ]
        for case in cases:
            with self.subTest(**case):
                self.assert_error(self.put_locked("k", b"x", **case), 400, "InvalidArgument")
        self.assert_absent(self.bucket, "k")

    def test_copy_and_multipart_take_lock_headers(self):
        self.put_version("src", b"source")
        until = iso(now_utc() + DAY)
        self.ok(self.s3.put(self.bucket, "copy", headers={
            "x-amz-copy-source": "/%s/src" % self.bucket,
            "x-amz-object-lock-mode": "COMPLIANCE",
            "x-amz-object-lock-retain-until-date": until}))
        head = self.ok(self.s3.head(self.bucket, "copy"))
        self.assertEqual((head.header("x-amz-object-lock-mode"),
                          head.header("x-amz-object-lock-retain-until-date")),
                         ("COMPLIANCE", until))
        upload = self.ok(self.s3.create_upload(self.bucket, "mp", headers={
            "x-amz-object-lock-mode": "GOVERNANCE",
            "x-amz-object-lock-retain-until-date": until,
            "x-amz-object-lock-legal-hold": "ON"})).xml().findtext("UploadId")
        part = self.ok(self.s3.upload_part(self.bucket, "mp", upload, 1, b"part")).etag()
        self.ok(self.s3.complete_upload(self.bucket, "mp", upload, [(1, part)]))
        head = self.ok(self.s3.head(self.bucket, "mp"))
        self.assertEqual((head.header("x-amz-object-lock-mode"),
                          head.header("x-amz-object-lock-legal-hold")), ("GOVERNANCE", "ON"))
        self.assert_error(self.s3.create_upload(self.bucket, "mp2", headers={
            "x-amz-object-lock-mode": "GOVERNANCE"}), 400, "InvalidArgument")


class RetentionTest(LockTestCase):
    def test_governance(self):
        until = now_utc() + 2 * DAY
        version = self.ok(self.put_locked("k", b"data", "GOVERNANCE", iso(until))).header(
            "x-amz-version-id")
        self.assert_locked(self.delete_version("k", version))
        # Shortening or removing needs the bypass; extending does not.
        self.assert_locked(self.put_retention("k", retention_xml("GOVERNANCE",
                                                                 iso(until - DAY)), version))
        self.assert_locked(self.put_retention("k", retention_xml(), version))
        self.ok(self.put_retention("k", retention_xml("GOVERNANCE", iso(until + DAY)), version))
        self.ok(self.put_retention("k", retention_xml("GOVERNANCE", iso(until)), version,
                                   bypass=True))
        self.assertEqual(self.ok(self.get_retention("k", version)).xml().findtext(
            "RetainUntilDate"), iso(until))
        # A delete without version id adds a marker; the version stays.
        self.ok(self.s3.delete(self.bucket, "k"), 204)
        self.assertEqual(self.ok(self.get_version("k", version)).body, b"data")
        self.ok(self.delete_version("k", version, headers={
            "x-amz-bypass-governance-retention": "true"}), 204)
        self.assert_error(self.get_version("k", version), 404, "NoSuchVersion")

    def test_compliance(self):
        until = now_utc() + 2 * DAY
        version = self.ok(self.put_locked("k", b"data", "COMPLIANCE", iso(until))).header(
            "x-amz-version-id")
        bypass = {"x-amz-bypass-governance-retention": "true"}
        self.assert_locked(self.delete_version("k", version))
        self.assert_locked(self.delete_version("k", version, headers=bypass))
        for body in [retention_xml("COMPLIANCE", iso(until - DAY)), retention_xml(),
                     retention_xml("GOVERNANCE", iso(until + DAY))]:
            with self.subTest(body=body):
                self.assert_locked(self.put_retention("k", body, version, bypass=True))
        self.ok(self.put_retention("k", retention_xml("COMPLIANCE", iso(until + DAY)), version))
        self.assertEqual(self.ok(self.get_version("k", version)).body, b"data")

    def test_governance_can_become_compliance(self):
        until = now_utc() + DAY
        version = self.ok(self.put_locked("k", b"x", "GOVERNANCE", iso(until))).header(
            "x-amz-version-id")
        self.ok(self.put_retention("k", retention_xml("COMPLIANCE", iso(until)), version))
        self.assert_locked(self.delete_version("k", version, headers={
            "x-amz-bypass-governance-retention": "true"}))

    def test_retention_errors(self):
        version = self.put_version("k", b"x")
        self.assert_error(self.get_retention("k"), 404, "NoSuchObjectLockConfiguration")
        future = iso(now_utc() + DAY)
        self.assert_error(self.put_retention("k", retention_xml("GOVERNANCE", future), md5=False),
                          400, "InvalidRequest")
        self.assert_error(self.put_retention("k", retention_xml("GOVERNANCE")), 400,
                          "MalformedXML")
        self.assert_error(self.put_retention("k", retention_xml("SOMETIMES", future)), 400,
                          "MalformedXML")
        self.assert_error(self.put_retention("k", retention_xml("GOVERNANCE",
                                                                iso(now_utc() - DAY))),
                          400, "InvalidArgument")
        self.assert_error(self.put_retention("missing", retention_xml("GOVERNANCE", future)),
                          404, "NoSuchKey")
        self.assert_error(self.put_retention("k", retention_xml("GOVERNANCE", future), "0" * 32),
                          404, "NoSuchVersion")
        marker = self.ok(self.s3.delete(self.bucket, "k"), 204).header("x-amz-version-id")
        self.assert_error(self.put_retention("k", retention_xml("GOVERNANCE", future), marker),
                          405, "MethodNotAllowed")
        self.ok(self.put_retention("k", retention_xml("GOVERNANCE", future), version))
        plain = new_bucket_name()
        self.ok(self.s3.create_bucket(plain))
        self.ok(self.s3.put(plain, "k", b"x"))
        body = retention_xml("GOVERNANCE", future)
        self.assert_error(self.s3.request("PUT", plain, "k", query=[("retention", None)],
                                          body=body, headers={"Content-MD5": md5_b64(body)}),
                          400, "InvalidRequest")
        self.assert_error(self.s3.request("GET", plain, "k", query=[("retention", None)]),
                          400, "InvalidRequest")


class LegalHoldTest(LockTestCase):
    def test_legal_hold_blocks_deletion_until_removed(self):
        version = self.put_version("k", b"data")
        self.assert_error(self.get_legal_hold("k"), 404, "NoSuchObjectLockConfiguration")
        self.ok(self.put_legal_hold("k", "ON", version))
        self.assertEqual(self.ok(self.get_legal_hold("k", version)).xml().findtext("Status"),
                         "ON")
        self.assert_locked(self.delete_version("k", version))
        self.assert_locked(self.delete_version("k", version, headers={
            "x-amz-bypass-governance-retention": "true"}))
        body = delete_versions_xml([("k", version)])
        root = self.ok(self.s3.request("POST", self.bucket, query=[("delete", None)], body=body,
                                       headers={"Content-MD5": md5_b64(body)})).xml()
        self.assertEqual(root.findtext("Error/Code"), "AccessDenied")
        self.ok(self.put_legal_hold("k", "OFF", version))
        self.assertEqual(self.ok(self.get_legal_hold("k", version)).xml().findtext("Status"),
                         "OFF")
        self.ok(self.delete_version("k", version), 204)

    def test_legal_hold_errors(self):
        self.put_version("k", b"data")
        self.assert_error(self.put_legal_hold("k", "MAYBE"), 400, "MalformedXML")
        self.assert_error(self.put_legal_hold("missing", "ON"), 404, "NoSuchKey")
        self.assert_error(self.s3.request("PUT", self.bucket, "k", query=[("legal-hold", None)],
                                          body=legal_hold_xml("ON")), 400, "InvalidRequest")
        self.assert_error(self.s3.request("GET", self.bucket, query=[("legal-hold", None)]),
                          405, "MethodNotAllowed")


class PlainBucketVersionsTest(ServerTestCase):
    """Versioning on a bucket created without object lock never locks."""

    def test_no_lock_headers_on_plain_objects(self):
        self.ok(self.s3.request("PUT", self.bucket, query=[("versioning", None)],
                                body=versioning_body("Enabled")))
        head = self.ok(self.s3.head(self.bucket, self.put_ok("k", b"x") and "k"))
        self.assertIsNone(head.header("x-amz-object-lock-mode"))
        self.assertIsNone(head.header("x-amz-object-lock-legal-hold"))
