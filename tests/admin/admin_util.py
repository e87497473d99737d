"""Shared pieces of the admin API and key rotation suites: hamsterd with its
admin API on a free port, a signed admin client, and hamsterctl runs. Reuses
tests/s3's Hamsterd runner and S3 client (SigV4 signer)."""

import base64
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "s3"))

from hamsterd import ACCESS_KEY, SECRET_KEY, Hamsterd, ServerError  # noqa: E402,F401
from s3client import S3Client, md5_b64  # noqa: E402

ADMIN_LINE = re.compile(r"hamsterd: admin API on http://([^\s:]+):(\d+)$")
CTL_TIMEOUT_S = 300

HAMSTERD = None  # set by main()
HAMSTERCTL = None


def start_server(parent, env=None, args=()):
    """A hamsterd whose admin API listens on a free port (and its S3 API)."""
    server = Hamsterd(HAMSTERD, parent, ["--admin-listen", "127.0.0.1:0"] + list(args), env=env)
    return server.start()


def admin_address(server):
    """(host, port) of the admin API this run of `server` printed."""
    found = None
    for line in server.stdout_lines:
        match = ADMIN_LINE.search(line)
        if match:
            found = (match.group(1), int(match.group(2)))  # the last start's line wins
    if found is None:
        raise ServerError("hamsterd printed no admin API line: %r" % server.stdout_lines)
    return found


def admin_client(server, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    host, port = admin_address(server)
    return S3Client(host, port, access_key, secret_key)


def admin_call(client, method, path, **kwargs):
    """`path` below the root, e.g. "admin/v1/keys": (status, parsed JSON)."""
    bucket, _, key = path.partition("/")
    response = client.request(method, bucket, key or None, **kwargs)
    body = json.loads(response.body.decode()) if response.body else None
    return response, body


def key_status(server):
    client = admin_client(server)
    try:
        response, body = admin_call(client, "GET", "admin/v1/keys")
    finally:
        client.close()
    if response.status != 200:
        raise ServerError("key status: %r" % response)
    return body


def wait_for_rotation(server, timeout_s=240):
    """Polls the key status until no data key is under an inactive key."""
    deadline = time.monotonic() + timeout_s
    while True:
        status = key_status(server)
        if status["rotation"]["remaining"] == 0:
            return status
        if time.monotonic() > deadline:
            raise ServerError("rotation did not finish: %r" % status)
        time.sleep(0.05)


def ctl(args, server=None, env=None, endpoint=True):
    """Runs hamsterctl; (exit code, stdout, stderr). With a server, its admin
    endpoint and the root credentials come from the environment."""
    environment = dict(os.environ)
    for name in ("HAMSTER_ADMIN_ENDPOINT", "HAMSTER_ROOT_ACCESS_KEY", "HAMSTER_ROOT_SECRET_KEY",
                 "HAMSTER_REGION"):
        environment.pop(name, None)
    if server is not None:
        environment["HAMSTER_ROOT_ACCESS_KEY"] = ACCESS_KEY
        environment["HAMSTER_ROOT_SECRET_KEY"] = SECRET_KEY
        if endpoint:
            environment["HAMSTER_ADMIN_ENDPOINT"] = "http://%s:%d" % admin_address(server)
    environment.update(env or {})
    result = subprocess.run([HAMSTERCTL] + list(args), capture_output=True, env=environment,
                            timeout=CTL_TIMEOUT_S)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def customer_headers(key):
    base = "x-amz-server-side-encryption-customer-"
    return {base + "algorithm": "AES256",
            base + "key": base64.b64encode(key).decode(),
            base + "key-MD5": md5_b64(key)}


def run(argv, module_name):
    """main() of a suite: SUITE.py HAMSTERD HAMSTERCTL."""
    global HAMSTERD, HAMSTERCTL
    import unittest
    if len(argv) != 3:
        print("usage: %s HAMSTERD HAMSTERCTL" % argv[0], file=sys.stderr)
        return 2
    HAMSTERD, HAMSTERCTL = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    for binary in (HAMSTERD, HAMSTERCTL):
        if not os.access(binary, os.X_OK):
            print("not an executable: %s" % binary, file=sys.stderr)
            return 2
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module_name])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    return 0 if result.wasSuccessful() else 1
