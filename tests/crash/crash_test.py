#!/usr/bin/python3
"""kill -9 hamsterd during a stream of concurrent writes, several rounds, and
check after each restart that acknowledged means durable (DESIGN.md
invariant 8) and that nothing partial is ever visible:

- every acknowledged PUT / CompleteMultipartUpload / DELETE (the client got
  its 200 / 204) reads back byte for byte with its ETag, or was superseded by
  a later write of the same key (each key has one writer, so "later" is
  well defined);
- a write that was not acknowledged is either absent or complete and correct;
- every listed object is readable with the listed size and ETag, and every
  readable object is listed;
- acknowledged parts of unfinished multipart uploads are still there and
  complete into the right object;
- data_dir/tmp is empty once the restarted server has collected garbage.

Usage: crash_test.py HAMSTERD_BINARY [ROUNDS]. HAMSTER_TEST_SEED fixes the
seed (printed at start); a failure prints the round and the key.
"""

import hashlib
import os
import random
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "s3"))

from hamsterd import Hamsterd  # noqa: E402
from s3client import ConnectionClosed, multipart_etag  # noqa: E402

MIB = 1 << 20
WORKERS = 6
KEYS_PER_WORKER = 4
SIZES = [0, 1, 100, 4096, 65536, 65537, MIB, 3 * MIB + 7]
PAYLOADS = ["sha256", "unsigned", "streaming", "unsigned-trailer"]
BUCKET = "crash"
ABSENT = "absent"


def content(seed, size):
    return random.Random(seed).randbytes(size)


class Write:
    """One write a worker attempted: the state it leaves the key in."""

    def __init__(self, kind, parts=()):
        self.kind = kind  # "put", "multipart", "delete" or "observed"
        self.parts = list(parts)  # (seed, size) per part; one for a plain PUT
        self.acked = False
        self.body = None  # for "observed": the bytes seen after a restart
        self.etag = None

    def leaves_key_absent(self):
        return self.kind == "delete" or (self.kind == "observed" and self.body is None)

    def expected_body(self):
        if self.kind == "delete":
            return None
        if self.kind == "observed":
            return self.body
        return b"".join(content(seed, size) for seed, size in self.parts)

    def expected_etag(self):
        body = self.expected_body()
        if body is None:
            return None
        if self.kind == "multipart":
            return multipart_etag([content(seed, size) for seed, size in self.parts])
        if self.kind == "observed":
            return self.etag
        return hashlib.md5(body).hexdigest()


class Upload:
    """A multipart upload left open on purpose, with the parts sent to it."""

    def __init__(self, key, upload_id):
        self.key = key
        self.upload_id = upload_id
        self.parts = {}  # number -> (seed, size, acked)


class Unexpected(Exception):
    """The server answered a request with a status the test did not expect."""


class Worker(threading.Thread):
    def __init__(self, index, server, history, uploads, errors, rng):
        super().__init__(daemon=True)
        self.index = index
        self.client = server.client(timeout=60)
        self.history = history  # key -> [Write], shared; this worker owns its keys
        self.uploads = uploads
        self.errors = errors
        self.rng = rng

    def run(self):
        try:
            while True:
                self.step()
        except Unexpected:
            return  # recorded in self.errors
        except (ConnectionClosed, ConnectionError, OSError, ValueError):
            return  # the server was killed (a cut status line is a ValueError)
        except Exception as error:  # reported with the test's failures
            self.errors.append("worker %d: %r" % (self.index, error))
        finally:
            self.client.close()

    def step(self):
        key = "w%d/k%d" % (self.index, self.rng.randrange(KEYS_PER_WORKER))
        roll = self.rng.random()
        if roll < 0.70:
            self.put(key)
        elif roll < 0.82:
            self.multipart(key)
        elif roll < 0.92:
            self.delete(key)
        else:
            self.open_upload(key)

    def expect(self, response, statuses, what):
        if response.status not in statuses:
            self.errors.append("%s: %r" % (what, response))
            raise Unexpected(what)

    def put(self, key):
        size = self.rng.choice(SIZES)
        write = Write("put", [(self.rng.getrandbits(64), size)])
        self.history.setdefault(key, []).append(write)
        body = write.expected_body()
        response = self.client.put(BUCKET, key, body, payload=self.rng.choice(PAYLOADS))
        self.expect(response, (200,), "PUT %s" % key)
        if response.etag() != write.expected_etag():
            self.errors.append("PUT %s acknowledged with ETag %s, not %s" %
                               (key, response.etag(), write.expected_etag()))
        write.acked = True

    def delete(self, key):
        write = Write("delete")
        self.history.setdefault(key, []).append(write)
        self.expect(self.client.delete(BUCKET, key), (204,), "DELETE %s" % key)
        write.acked = True

    def multipart(self, key):
        parts = [(self.rng.getrandbits(64), 5 * MIB),
                 (self.rng.getrandbits(64), self.rng.choice([1, 4096, MIB]))]
        write = Write("multipart", parts)
        self.history.setdefault(key, []).append(write)
        response = self.client.create_upload(BUCKET, key)
        self.expect(response, (200,), "CreateMultipartUpload %s" % key)
        upload_id = response.xml().findtext("UploadId")
        etags = []
        for number, (seed, size) in enumerate(parts, 1):
            response = self.client.upload_part(BUCKET, key, upload_id, number,
                                               content(seed, size))
            self.expect(response, (200,), "UploadPart %s %d" % (key, number))
            etags.append(response.etag())
        response = self.client.complete_upload(BUCKET, key, upload_id,
                                               list(enumerate(etags, 1)))
        self.expect(response, (200,), "CompleteMultipartUpload %s" % key)
        write.acked = True

    def open_upload(self, key):
        """Parts sent to an upload that stays open across the crash."""
        response = self.client.create_upload(BUCKET, key + "-open")
        self.expect(response, (200,), "CreateMultipartUpload %s-open" % key)
        upload = Upload(key + "-open", response.xml().findtext("UploadId"))
        self.uploads.append(upload)
        for number in (1, 2):
            seed, size = self.rng.getrandbits(64), (5 * MIB if number == 1 else 1000)
            upload.parts[number] = (seed, size, False)
            response = self.client.upload_part(BUCKET, upload.key, upload.upload_id, number,
                                               content(seed, size))
            self.expect(response, (200,), "UploadPart %s %d" % (upload.key, number))
            upload.parts[number] = (seed, size, True)


class CrashTest:
    def __init__(self, binary, seed, rounds):
        self.binary = binary
        self.seed = seed
        self.rounds = rounds
        self.rng = random.Random(seed)
        self.tmp = tempfile.mkdtemp(prefix="hamster-crash-")
        self.server = Hamsterd(binary, self.tmp)
        self.history = {}
        self.failures = []
        self.round = 0

    def fail(self, message):
        self.failures.append("round %d: %s" % (self.round, message))
        print("FAIL round %d: %s" % (self.round, message), flush=True)

    def run(self):
        try:
            self.server.start()
            client = self.server.client()
            assert client.create_bucket(BUCKET).status == 200
            client.close()
            for self.round in range(1, self.rounds + 1):
                self.crash_round()
                self.server.start()
                self.verify()
            code = self.server.stop()
            if code != 0:
                self.fail("exit status %s after SIGTERM\n%s" % (code, self.server.log_tail()))
        finally:
            self.server.kill()
        return not self.failures

    def crash_round(self):
        uploads, errors = [], []
        workers = [Worker(i, self.server, self.history, uploads, errors,
                          random.Random("%d:%d:%d" % (self.seed, self.round, i)))
                   for i in range(WORKERS)]
        for worker in workers:
            worker.start()
        delay = self.rng.uniform(0.8, 3.0)
        time.sleep(delay)
        self.server.kill()  # SIGKILL: no chance to flush or clean up
        for worker in workers:
            worker.join(120)
            if worker.is_alive():
                self.fail("worker %d still running 120 s after the kill" % worker.index)
        writes = [w for ws in self.history.values() for w in ws if w.kind != "observed"]
        print("round %d: killed after %.2f s; %d writes so far, %d acknowledged, %d open "
              "uploads" % (self.round, delay, len(writes), sum(w.acked for w in writes),
                           len(uploads)), flush=True)
        for error in errors:
            self.fail("unexpected answer before the kill: %s" % error)
        self.open_uploads = uploads

    def verify(self):
        client = self.server.client(timeout=120)
        try:
            self.check_no_temporary_files()
            seen = self.check_keys(client)
            self.check_listing(client, seen)
            self.check_open_uploads(client)
        finally:
            client.close()

    def check_no_temporary_files(self):
        """No shard being written survives a restart: <hex>.<index>.tmp in shards/XX/."""
        shards_dir = os.path.join(self.server.data_dir, "shards")

        def temporary_files():
            return [name for _, _, names in os.walk(shards_dir)
                    for name in names if name.endswith(".tmp")]

        deadline = time.monotonic() + 30
        while True:
            left = temporary_files()
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        if left:
            self.fail("temporary shard files after restart: %s" % sorted(left)[:10])

    def check_keys(self, client):
        """GETs every key ever written; returns key -> (size, etag) of those present."""
        seen = {}
        for key, writes in sorted(self.history.items()):
            last_acked = max((i for i, w in enumerate(writes) if w.acked), default=None)
            allowed = writes[last_acked:] if last_acked is not None else writes
            response = client.get(BUCKET, key)
            if response.status == 404:
                if last_acked is not None and not any(w.leaves_key_absent() for w in allowed):
                    self.fail("%s: acknowledged %s is gone" % (key, writes[last_acked].kind))
                observed = Write("observed")
            elif response.status == 200:
                match = [w for w in allowed if w.expected_body() == response.body]
                if not match:
                    self.fail("%s: %d bytes match none of the %d allowed versions (last "
                              "acknowledged: %s)" % (key, len(response.body), len(allowed),
                                                     last_acked is not None))
                elif response.etag() != match[-1].expected_etag():
                    self.fail("%s: ETag %s, expected %s" % (key, response.etag(),
                                                            match[-1].expected_etag()))
                observed = Write("observed")
                observed.body = response.body
                observed.etag = response.etag()
                seen[key] = (len(response.body), response.etag())
            else:
                self.fail("%s: GET answered %r" % (key, response))
                continue
            # What a restart showed is the baseline for the next round.
            observed.acked = True
            writes.append(observed)
        return seen

    def check_listing(self, client, seen):
        listed, token = {}, None
        while True:
            params = {"continuation_token": token} if token else {}
            root = client.list_v2(BUCKET, **params).xml()
            for contents in root.findall("Contents"):
                listed[contents.findtext("Key")] = (int(contents.findtext("Size")),
                                                    contents.findtext("ETag").strip('"'))
            if root.findtext("IsTruncated") != "true":
                break
            token = root.findtext("NextContinuationToken")
        for key in sorted(set(listed) | set(seen)):
            if listed.get(key) != seen.get(key):
                self.fail("%s: listed as %s but read as %s" % (key, listed.get(key),
                                                               seen.get(key)))

    def check_open_uploads(self, client):
        for upload in self.open_uploads:
            response = client.request("GET", BUCKET, upload.key,
                                      query=[("uploadId", upload.upload_id)])
            # CreateMultipartUpload was acknowledged (we hold its id), so the
            # upload must have survived even with no parts.
            if response.status != 200:
                self.fail("ListParts %s: %r" % (upload.key, response))
                continue
            listed = {int(p.findtext("PartNumber")): p.findtext("ETag").strip('"')
                      for p in response.xml().findall("Part")}
            for number, (seed, size, was_acked) in upload.parts.items():
                want = hashlib.md5(content(seed, size)).hexdigest()
                if number in listed and listed[number] != want:
                    self.fail("%s part %d: ETag %s, expected %s" % (upload.key, number,
                                                                    listed[number], want))
                elif number not in listed and was_acked:
                    self.fail("%s: acknowledged part %d is gone" % (upload.key, number))
            if sorted(listed) == [1, 2]:
                self.complete_upload(client, upload, listed)
            else:
                client.delete(BUCKET, upload.key, query=[("uploadId", upload.upload_id)])

    def complete_upload(self, client, upload, listed):
        response = client.complete_upload(BUCKET, upload.key, upload.upload_id,
                                          sorted(listed.items()))
        if response.status != 200:
            self.fail("completing %s after restart: %r" % (upload.key, response))
            return
        expected = b"".join(content(seed, size) for seed, size, _ in
                            (upload.parts[1], upload.parts[2]))
        body = client.get(BUCKET, upload.key).body
        if body != expected:
            self.fail("%s: completed after restart but reads %d wrong bytes" %
                      (upload.key, len(body)))
        client.delete(BUCKET, upload.key)


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: crash_test.py HAMSTERD [ROUNDS]", file=sys.stderr)
        return 2
    seed_text = os.environ.get("HAMSTER_TEST_SEED")
    seed = int(seed_text) if seed_text else int(time.time() * 1000) & 0xFFFFFFFF
    print("seed=%d (rerun with HAMSTER_TEST_SEED=%d)" % (seed, seed), flush=True)
    test = CrashTest(os.path.abspath(argv[1]), seed, int(argv[2]) if len(argv) == 3 else 4)
    try:
        ok = test.run()
    finally:
        if os.environ.get("HAMSTER_KEEP_TMP"):
            print("kept", test.tmp)
        else:
            shutil.rmtree(test.tmp, True)
    print("%s (seed=%d)" % ("OK" if ok else "FAILED: %d problems" % len(test.failures), seed))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
