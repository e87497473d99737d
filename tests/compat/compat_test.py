#!/usr/bin/python3
"""Real third-party S3 clients against a real hamsterd: the aws CLI (Debian's
v2 at /usr/bin/aws, and whatever other `aws` is first on PATH), rclone,
restic and s3cmd, each doing what users do, with every byte verified.

Usage: compat_test.py HAMSTERD_BINARY CLIENT   (CLIENT: aws, aws-path, rclone,
restic, s3cmd). Exit 77 means skipped (the client is not there).
HAMSTER_TEST_SEED fixes the seed of the generated files (printed at start).
"""

import filecmp
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "s3"))

import hamsterd  # noqa: E402
from hamsterd import ACCESS_KEY, SECRET_KEY, Hamsterd  # noqa: E402

SKIPPED = 77
MIB = 1 << 20
SEED = 0
COMMAND_TIMEOUT_S = 600

# Relative path -> size: empty, tiny, page-sized, mid-sized and multipart-sized
# files, nested directories, names with spaces, symbols and non-ASCII letters.
TREE = {
    "empty.bin": 0,
    "one byte": 1,
    "dir a/four k.bin": 4096,
    "dir a/nested/deeper/one mib.bin": MIB,
    "big/seventeen mib.bin": 17 * MIB,
    "\u00fcn\u00efc\u00f6d\u00e9/\u65e5\u672c\u8a9e.txt": 1234,
    "symbols/plus+and&amp=eq;semi.txt": 77,
    "symbols/percent%20literal.txt": 5,
    "spaces/  two leading and trailing  ": 9,
    "emoji/\U0001f439 hamster.dat": 65537,
}


def make_tree(root, seed, tree=TREE):
    rng = random.Random(seed)
    for relative, size in sorted(tree.items()):
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(rng.randbytes(size))


def tree_files(root):
    found = {}
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            found[os.path.relpath(path, root)] = path
    return found


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


class ClientTestCase(unittest.TestCase):
    """A hamsterd per test, a scratch directory, and command helpers."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hamster-compat-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.server = Hamsterd(hamsterd.BINARY, self.tmp).start()
        self.addCleanup(self.stop_server)
        self.endpoint = "http://127.0.0.1:%d" % self.server.port
        self.env = dict(os.environ)
        for name in list(self.env):
            if name.startswith(("AWS_", "RCLONE_", "RESTIC_", "S3CMD")):
                del self.env[name]
        self.env["HOME"] = self.path("home")
        os.makedirs(self.env["HOME"])
        # pyenv shims find their Python through HOME; keep the real root.
        if "PYENV_ROOT" not in self.env and os.path.isdir(os.path.expanduser("~/.pyenv")):
            self.env["PYENV_ROOT"] = os.path.expanduser("~/.pyenv")

    def stop_server(self):
        code = self.server.stop()
        self.assertEqual(code, 0, "hamsterd exited %s after SIGTERM\n%s" %
                         (code, self.server.log_tail()))

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def stored_bytes(self, bucket, key):
        client = self.server.client()
        try:
            response = client.get(bucket, key)
        finally:
            client.close()
        self.assertEqual(response.status, 200, "%r" % response)
        return response.body

    def stored_etag(self, bucket, key):
        """The ETag hamsterd reports, seen by our own client: it tells
        whether the client really uploaded in parts."""
        client = self.server.client()
        try:
            response = client.head(bucket, key)
        finally:
            client.close()
        self.assertEqual(response.status, 200, "%r" % response)
        return response.etag()

    def run_command(self, command, check=True, stdin=None):
        started = time.monotonic()
        result = subprocess.run(command, env=self.env, capture_output=True, input=stdin,
                                timeout=COMMAND_TIMEOUT_S, cwd=self.tmp)
        print("$ %s  [exit %d, %.1f s]" % (" ".join(map(str, command)), result.returncode,
                                           time.monotonic() - started), flush=True)
        if check and result.returncode != 0:
            self.fail("command failed (exit %d): %s\nstdout:\n%s\nstderr:\n%s\n%s" % (
                result.returncode, command, result.stdout.decode("utf-8", "replace")[-4000:],
                result.stderr.decode("utf-8", "replace")[-4000:], self.server.log_tail()))
        return result

    def assert_same_file(self, expected, actual):
        self.assertTrue(os.path.exists(actual), actual)
        self.assertEqual(os.path.getsize(actual), os.path.getsize(expected), actual)
        self.assertTrue(filecmp.cmp(expected, actual, shallow=False),
                        "%s differs from %s" % (actual, expected))

    def assert_same_tree(self, expected_root, actual_root):
        expected = tree_files(expected_root)
        actual = tree_files(actual_root)
        self.assertEqual(sorted(actual), sorted(expected))
        for relative, path in expected.items():
            self.assert_same_file(path, actual[relative])

    def random_file(self, name, size, salt):
        path = self.path(name)
        rng = random.Random("%d:%s" % (SEED, salt))
        with open(path, "wb") as f:
            remaining = size
            while remaining:
                block = min(remaining, 8 * MIB)
                f.write(rng.randbytes(block))
                remaining -= block
        return path


class AwsTest(ClientTestCase):
    """The aws CLI: s3 cp/sync/ls/rm and s3api calls, path-style, with a
    multipart threshold low enough that large files go multipart."""

    AWS = "/usr/bin/aws"

    def setUp(self):
        super().setUp()
        config = self.path("aws-config")
        with open(config, "w") as f:
            # One attempt: against a local server no request should need a
            # retry, and a retry would hide a protocol error behind a timeout.
            f.write("[default]\nregion = us-east-1\noutput = json\nmax_attempts = 1\n"
                    "retry_mode = standard\n"
                    "s3 =\n  addressing_style = path\n  multipart_threshold = 8MB\n"
                    "  multipart_chunksize = 8MB\n  max_concurrent_requests = 4\n")
        open(self.path("aws-credentials"), "w").close()
        self.env.update({"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                         "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": config,
                         "AWS_SHARED_CREDENTIALS_FILE": self.path("aws-credentials"),
                         "AWS_PAGER": "", "AWS_EC2_METADATA_DISABLED": "true"})
        self.bucket = "compat-aws"

    def aws(self, *args, check=True):
        return self.run_command([self.AWS, "--endpoint-url", self.endpoint] + list(args),
                                check=check)

    def api(self, *args):
        output = self.aws("s3api", *args).stdout
        return json.loads(output) if output.strip() else {}

    def test_aws_cli(self):
        print(self.run_command([self.AWS, "--version"]).stdout.decode().strip())
        self.api("create-bucket", "--bucket", self.bucket)
        self.check_objects_api()
        self.check_s3api_multipart()
        self.check_large_cp()
        self.check_sync()
        self.aws("s3", "rb", "s3://%s" % self.bucket, "--force")
        self.assertNotIn(self.bucket, self.aws("s3", "ls").stdout.decode())
        self.check_versioning()
        self.check_object_lock()

    def check_versioning(self):
        bucket = "compat-versions"
        self.api("create-bucket", "--bucket", bucket)
        self.api("put-bucket-versioning", "--bucket", bucket, "--versioning-configuration",
                 "Status=Enabled")
        self.assertEqual(self.api("get-bucket-versioning", "--bucket", bucket)["Status"],
                         "Enabled")
        first = self.random_file("v1", 1000, "aws-v1")
        second = self.random_file("v2", 2000, "aws-v2")
        v1 = self.api("put-object", "--bucket", bucket, "--key", "k", "--body", first)
        v2 = self.api("put-object", "--bucket", bucket, "--key", "k", "--body", second)
        self.assertNotEqual(v1["VersionId"], v2["VersionId"])
        out = self.path("v1.out")
        got = self.api("get-object", "--bucket", bucket, "--key", "k", "--version-id",
                       v1["VersionId"], out)
        self.assertEqual(got["VersionId"], v1["VersionId"])
        self.assert_same_file(first, out)
        marker = self.api("delete-object", "--bucket", bucket, "--key", "k")
        self.assertTrue(marker["DeleteMarker"])
        listed = self.api("list-object-versions", "--bucket", bucket)
        self.assertEqual([(v["VersionId"], v["IsLatest"]) for v in listed["Versions"]],
                         [(v2["VersionId"], False), (v1["VersionId"], False)])
        self.assertEqual([(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]],
                         [(marker["VersionId"], True)])
        self.assertNotEqual(self.aws("s3api", "head-object", "--bucket", bucket, "--key", "k",
                                     check=False).returncode, 0)
        self.api("delete-object", "--bucket", bucket, "--key", "k", "--version-id",
                 marker["VersionId"])
        self.assertEqual(self.stored_bytes(bucket, "k"), open(second, "rb").read())
        everything = [{"Key": "k", "VersionId": v["VersionId"]} for v in (v1, v2)]
        deleted = self.api("delete-objects", "--bucket", bucket, "--delete",
                           json.dumps({"Objects": everything}))
        self.assertEqual(sorted(d["VersionId"] for d in deleted["Deleted"]),
                         sorted(v["VersionId"] for v in (v1, v2)))
        self.api("delete-bucket", "--bucket", bucket)

    def check_object_lock(self):
        bucket = "compat-lock"
        self.api("create-bucket", "--bucket", bucket, "--object-lock-enabled-for-bucket")
        self.api("put-object-lock-configuration", "--bucket", bucket,
                 "--object-lock-configuration", json.dumps({
                     "ObjectLockEnabled": "Enabled",
                     "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}))
        config = self.api("get-object-lock-configuration", "--bucket", bucket)
        self.assertEqual(config["ObjectLockConfiguration"]["Rule"]["DefaultRetention"],
                         {"Mode": "GOVERNANCE", "Days": 1})
        source = self.random_file("locked", 4096, "aws-lock")
        until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400 * 30))
        put = self.api("put-object", "--bucket", bucket, "--key", "worm", "--body", source,
                       "--object-lock-mode", "COMPLIANCE", "--object-lock-retain-until-date",
                       until)
        version = put["VersionId"]
        head = self.api("head-object", "--bucket", bucket, "--key", "worm")
        self.assertEqual(head["ObjectLockMode"], "COMPLIANCE")
        retention = self.api("get-object-retention", "--bucket", bucket, "--key", "worm")
        self.assertEqual(retention["Retention"]["Mode"], "COMPLIANCE")
        refused = self.aws("s3api", "delete-object", "--bucket", bucket, "--key", "worm",
                           "--version-id", version, "--bypass-governance-retention",
                           check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn(b"AccessDenied", refused.stderr)
        # The default GOVERNANCE rule, a legal hold, and the bypass.
        governed = self.api("put-object", "--bucket", bucket, "--key", "gov", "--body", source)
        self.assertEqual(self.api("get-object-retention", "--bucket", bucket, "--key", "gov")
                         ["Retention"]["Mode"], "GOVERNANCE")
        self.api("put-object-legal-hold", "--bucket", bucket, "--key", "gov", "--legal-hold",
                 "Status=ON")
        self.assertEqual(self.api("get-object-legal-hold", "--bucket", bucket, "--key", "gov")
                         ["LegalHold"]["Status"], "ON")
        self.assertNotEqual(self.aws("s3api", "delete-object", "--bucket", bucket, "--key", "gov",
                                     "--version-id", governed["VersionId"],
                                     "--bypass-governance-retention", check=False).returncode, 0)
        self.api("put-object-legal-hold", "--bucket", bucket, "--key", "gov", "--legal-hold",
                 "Status=OFF")
        self.api("delete-object", "--bucket", bucket, "--key", "gov", "--version-id",
                 governed["VersionId"], "--bypass-governance-retention")
        self.assertEqual(self.stored_bytes(bucket, "worm"), open(source, "rb").read())

    def check_objects_api(self):
        source = self.random_file("small.bin", 300000, "aws-small")
        key = "dir/object one.txt"
        put = self.api("put-object", "--bucket", self.bucket, "--key", key, "--body", source,
                       "--content-type", "text/x-compat", "--metadata", "color=blue,size=L")
        with open(source, "rb") as f:
            data = f.read()
        self.assertEqual(put["ETag"].strip('"'), hashlib.md5(data).hexdigest())
        head = self.api("head-object", "--bucket", self.bucket, "--key", key)
        self.assertEqual(head["ContentLength"], len(data))
        self.assertEqual(head["ContentType"], "text/x-compat")
        self.assertEqual(head["Metadata"], {"color": "blue", "size": "L"})
        out = self.path("range.out")
        got = self.api("get-object", "--bucket", self.bucket, "--key", key, "--range",
                       "bytes=1000-99999", out)
        self.assertEqual(got["ContentRange"], "bytes 1000-99999/%d" % len(data))
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data[1000:100000])
        self.api("copy-object", "--bucket", self.bucket, "--key", "copied/obj",
                 "--copy-source", "%s/%s" % (self.bucket, key))
        self.assertEqual(self.stored_bytes(self.bucket, key), data)
        self.assertEqual(self.stored_bytes(self.bucket, "copied/obj"), data)
        listed = self.api("list-objects-v2", "--bucket", self.bucket, "--prefix", "dir/")
        self.assertEqual([c["Key"] for c in listed["Contents"]], [key])
        self.api("put-object-tagging", "--bucket", self.bucket, "--key", key, "--tagging",
                 "TagSet=[{Key=team,Value=storage},{Key=tier,Value=gold}]")
        tags = self.api("get-object-tagging", "--bucket", self.bucket, "--key", key)
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags["TagSet"]),
                         [("team", "storage"), ("tier", "gold")])
        deleted = self.api("delete-objects", "--bucket", self.bucket, "--delete",
                           json.dumps({"Objects": [{"Key": key}, {"Key": "copied/obj"},
                                                   {"Key": "never/existed"}]}))
        self.assertEqual(sorted(d["Key"] for d in deleted["Deleted"]),
                         ["copied/obj", key, "never/existed"])
        self.assertEqual(deleted.get("Errors", []), [])

    def check_s3api_multipart(self):
        parts = [self.random_file("part1", 5 * MIB, "aws-p1"),
                 self.random_file("part2", 3 * MIB + 3, "aws-p2")]
        key = "multipart/by s3api"
        upload = self.api("create-multipart-upload", "--bucket", self.bucket, "--key", key)
        upload_id = upload["UploadId"]
        completed = []
        for number, path in enumerate(parts, 1):
            part = self.api("upload-part", "--bucket", self.bucket, "--key", key,
                            "--upload-id", upload_id, "--part-number", str(number),
                            "--body", path)
            completed.append({"PartNumber": number, "ETag": part["ETag"]})
        spec = self.path("parts.json")
        with open(spec, "w") as f:
            json.dump({"Parts": completed}, f)
        done = self.api("complete-multipart-upload", "--bucket", self.bucket, "--key", key,
                        "--upload-id", upload_id, "--multipart-upload", "file://" + spec)
        self.assertTrue(done["ETag"].strip('"').endswith("-2"), done)
        joined = b""
        for path in parts:
            with open(path, "rb") as f:
                joined += f.read()
        self.assertEqual(self.stored_bytes(self.bucket, key), joined)

    def check_large_cp(self):
        big = self.random_file("big100", 100 * MIB, "aws-big")
        self.aws("s3", "cp", big, "s3://%s/large/100mib.bin" % self.bucket)
        head = self.api("head-object", "--bucket", self.bucket, "--key", "large/100mib.bin")
        self.assertEqual(head["ContentLength"], 100 * MIB)
        self.assertTrue(head["ETag"].strip('"').endswith("-13"),
                        "100 MiB in 8 MiB parts is 13 parts: %s" % head["ETag"])
        self.aws("s3", "cp", "s3://%s/large/100mib.bin" % self.bucket, self.path("big.out"))
        self.assert_same_file(big, self.path("big.out"))
        os.remove(self.path("big.out"))
        self.aws("s3", "rm", "s3://%s/large/100mib.bin" % self.bucket)

    def check_sync(self):
        source = self.path("tree")
        make_tree(source, SEED)
        self.aws("s3", "sync", source, "s3://%s/sync/" % self.bucket)
        listing = self.aws("s3", "ls", "--recursive", "s3://%s/sync/" % self.bucket).stdout
        self.assertEqual(len(listing.decode().strip().splitlines()), len(TREE))
        back = self.path("tree-back")
        self.aws("s3", "sync", "s3://%s/sync/" % self.bucket, back)
        self.assert_same_tree(source, back)
        # A second sync uploads nothing and the copy stays identical.
        again = self.aws("s3", "sync", source, "s3://%s/sync/" % self.bucket).stdout
        self.assertEqual(again.decode().strip(), "")
        self.aws("s3", "rm", "--recursive", "s3://%s/sync/" % self.bucket)
        client = self.server.client()
        listed = client.list_v2(self.bucket, prefix="sync/").xml().findall("Contents")
        client.close()
        self.assertEqual(listed, [])


class AwsPathTest(AwsTest):
    """The same script with the `aws` first on PATH, when it is another
    build (e.g. awscli v1 on a recent botocore, which sends CRC trailers)."""

    def setUp(self):
        found = shutil.which("aws")
        if found is None or os.path.realpath(found) == os.path.realpath("/usr/bin/aws"):
            raise unittest.SkipTest("no aws other than /usr/bin/aws on PATH (%s)" % found)
        self.AWS = found
        super().setUp()
        version = self.run_command([found, "--version"], check=False)
        if version.returncode != 0:
            raise unittest.SkipTest("%s does not run: %s" % (found, version.stderr[-500:]))


class RcloneTest(ClientTestCase):
    """rclone (its own S3 code, aws-chunked signed uploads): sync a mixed
    tree up, check it, sync it back, then sync a change."""

    RCLONE = "/usr/bin/rclone"

    def setUp(self):
        super().setUp()
        self.env.update({
            "RCLONE_CONFIG": self.path("rclone.conf"),  # absent: configuration is the env
            "RCLONE_CONFIG_HAM_TYPE": "s3",
            "RCLONE_CONFIG_HAM_PROVIDER": "Other",
            "RCLONE_CONFIG_HAM_ACCESS_KEY_ID": ACCESS_KEY,
            "RCLONE_CONFIG_HAM_SECRET_ACCESS_KEY": SECRET_KEY,
            "RCLONE_CONFIG_HAM_ENDPOINT": self.endpoint,
            "RCLONE_CONFIG_HAM_REGION": "us-east-1",
            "RCLONE_CONFIG_HAM_FORCE_PATH_STYLE": "true",
            # Multipart from 5 MiB so the 17 MiB file goes up in parts.
            "RCLONE_CONFIG_HAM_UPLOAD_CUTOFF": "5M",
            "RCLONE_CONFIG_HAM_CHUNK_SIZE": "5M",
        })

    def rclone(self, *args, check=True):
        return self.run_command([self.RCLONE, "--retries", "1", "--low-level-retries", "1",
                                 "--contimeout", "30s", "--timeout", "120s"] + list(args),
                                check=check)

    def test_rclone(self):
        print(self.rclone("version").stdout.decode().splitlines()[0])
        source = self.path("tree")
        make_tree(source, SEED)
        self.rclone("mkdir", "ham:compat-rclone")
        self.rclone("sync", source, "ham:compat-rclone/tree")
        self.rclone("check", source, "ham:compat-rclone/tree")
        etag = self.stored_etag("compat-rclone", "tree/big/seventeen mib.bin")
        self.assertTrue(etag.endswith("-4"), "17 MiB in 5 MiB parts is 4 parts: %s" % etag)
        listed = self.rclone("lsf", "-R", "--files-only", "ham:compat-rclone/tree").stdout
        self.assertEqual(sorted(listed.decode("utf-8").splitlines()), sorted(TREE))
        back = self.path("back")
        self.rclone("sync", "ham:compat-rclone/tree", back)
        self.assert_same_tree(source, back)
        # A change: one file rewritten, one removed, one added.
        with open(os.path.join(source, "one byte"), "wb") as f:
            f.write(b"now two")
        os.remove(os.path.join(source, "dir a/four k.bin"))
        with open(os.path.join(source, "dir a/added later.txt"), "wb") as f:
            f.write(b"added")
        self.rclone("sync", source, "ham:compat-rclone/tree")
        self.rclone("check", "--download", source, "ham:compat-rclone/tree")
        self.rclone("sync", "ham:compat-rclone/tree", back)
        self.assert_same_tree(source, back)
        self.rclone("purge", "ham:compat-rclone")
        buckets = self.rclone("lsd", "ham:").stdout.decode()
        self.assertNotIn("compat-rclone", buckets)


class ResticTest(ClientTestCase):
    """restic (MinIO Go SDK): init, backup, check --read-data, restore."""

    RESTIC = "/usr/bin/restic"

    def setUp(self):
        super().setUp()
        self.env.update({
            "RESTIC_REPOSITORY": "s3:%s/compat-restic" % self.endpoint,
            "RESTIC_PASSWORD": "hamster compat password",
            "RESTIC_CACHE_DIR": self.path("restic-cache"),
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        })

    def restic(self, *args, check=True):
        return self.run_command([self.RESTIC, "-o", "s3.bucket-lookup=path", "-o",
                                 "s3.region=us-east-1"] + list(args), check=check)

    def test_restic(self):
        print(self.run_command([self.RESTIC, "version"]).stdout.decode().strip())
        source = self.path("tree")
        make_tree(source, SEED)
        self.restic("init")
        self.restic("backup", "--host", "compat", source)
        self.restic("check", "--read-data")
        restored = self.path("restored")
        self.restic("restore", "latest", "--target", restored)
        self.assert_same_tree(source, os.path.join(restored, source.lstrip("/")))
        # A second backup of a changed tree, then the latest snapshot restores it.
        with open(os.path.join(source, "dir a/changed.bin"), "wb") as f:
            f.write(random.Random(SEED).randbytes(3 * MIB))
        self.restic("backup", "--host", "compat", source)
        snapshots = json.loads(self.restic("snapshots", "--json").stdout)
        self.assertEqual(len(snapshots), 2)
        self.restic("check", "--read-data")
        restored2 = self.path("restored2")
        self.restic("restore", "latest", "--target", restored2)
        self.assert_same_tree(source, os.path.join(restored2, source.lstrip("/")))


class S3cmdTest(ClientTestCase):
    """s3cmd: mb/put/get/ls/del, including a multipart put in 5 MiB parts."""

    S3CMD = "/usr/bin/s3cmd"

    def setUp(self):
        super().setUp()
        self.config = self.path("s3cfg")
        host = "127.0.0.1:%d" % self.server.port
        with open(self.config, "w") as f:
            f.write("[default]\naccess_key = %s\nsecret_key = %s\nhost_base = %s\n"
                    "host_bucket = %s\nuse_https = False\nsignature_v2 = False\n"
                    "bucket_location = us-east-1\ncheck_ssl_certificate = False\n"
                    "progress_meter = False\n" % (ACCESS_KEY, SECRET_KEY, host, host))

    def s3cmd(self, *args, check=True):
        return self.run_command([self.S3CMD, "-c", self.config] + list(args), check=check)

    def test_s3cmd(self):
        print(self.s3cmd("--version").stdout.decode().strip())
        self.s3cmd("mb", "s3://compat-s3cmd")
        self.assertIn("s3://compat-s3cmd", self.s3cmd("ls").stdout.decode())
        small = self.random_file("small.bin", 123457, "s3cmd-small")
        self.s3cmd("put", small, "s3://compat-s3cmd/dir/small file.bin")
        self.s3cmd("get", "s3://compat-s3cmd/dir/small file.bin", self.path("small.out"))
        self.assert_same_file(small, self.path("small.out"))
        big = self.random_file("big.bin", 12 * MIB, "s3cmd-big")
        self.s3cmd("put", "--multipart-chunk-size-mb=5", big, "s3://compat-s3cmd/big.bin")
        self.assertIn("12582912", self.s3cmd("info", "s3://compat-s3cmd/big.bin").stdout.decode())
        etag = self.stored_etag("compat-s3cmd", "big.bin")
        self.assertTrue(etag.endswith("-3"), "12 MiB in 5 MiB parts is 3 parts: %s" % etag)
        self.s3cmd("get", "s3://compat-s3cmd/big.bin", self.path("big.out"))
        self.assert_same_file(big, self.path("big.out"))
        listing = self.s3cmd("ls", "--recursive", "s3://compat-s3cmd").stdout.decode()
        self.assertIn("s3://compat-s3cmd/dir/small file.bin", listing)
        self.assertIn("s3://compat-s3cmd/big.bin", listing)
        self.s3cmd("del", "s3://compat-s3cmd/dir/small file.bin")
        self.s3cmd("del", "s3://compat-s3cmd/big.bin")
        self.assertEqual(self.s3cmd("ls", "--recursive", "s3://compat-s3cmd").stdout.strip(),
                         b"")
        self.s3cmd("rb", "s3://compat-s3cmd")
        self.assertNotIn("s3://compat-s3cmd", self.s3cmd("ls").stdout.decode())


CLIENTS = {"aws": AwsTest, "aws-path": AwsPathTest, "rclone": RcloneTest,
           "restic": ResticTest, "s3cmd": S3cmdTest}


def main(argv):
    global SEED
    if len(argv) != 3 or argv[2] not in CLIENTS:
        print("usage: compat_test.py HAMSTERD CLIENT  (CLIENT: %s)" % " ".join(CLIENTS),
              file=sys.stderr)
        return 2
    hamsterd.BINARY = os.path.abspath(argv[1])
    seed = os.environ.get("HAMSTER_TEST_SEED")
    SEED = int(seed) if seed else int(time.time() * 1000) & 0xFFFFFFFF
    print("seed=%d (rerun with HAMSTER_TEST_SEED=%d)" % (SEED, SEED), flush=True)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(CLIENTS[argv[2]])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    if result.skipped and result.wasSuccessful() and result.testsRun == len(result.skipped):
        return SKIPPED
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
