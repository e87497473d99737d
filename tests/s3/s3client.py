"""A small S3 client on Python's standard library, for tests: its own SigV4
signer (header, presigned query, aws-chunked with chunk signatures, unsigned
and signed trailers), and an HTTP/1.1 connection on a raw socket so a test can
send exactly the bytes it means (stalls, truncated bodies, Expect: 100-continue,
pipelining) and see exactly what came back.

Nothing here retries or corrects what the server says: a test sees every
status, header and byte as sent.
"""

import base64
import datetime
import hashlib
import hmac
import re
import socket
import urllib.parse
import xml.etree.ElementTree as ET
import zlib

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"

# RFC 3986 unreserved characters: SigV4 percent-encodes every other byte.
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


def uri_encode(value, keep_slash=False):
    """SigV4 URI encoding of a str or bytes (UTF-8), upper-case hex."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    return urllib.parse.quote(value, safe=_UNRESERVED + ("/" if keep_slash else ""))


def amz_date(when):
    return when.strftime("%Y%m%dT%H%M%SZ")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        table.append(crc)
    return table


_CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli), as x-amz-checksum-crc32c uses; slow but exact."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def crc32c_b64(data):
    return base64.b64encode(crc32c(data).to_bytes(4, "big")).decode()


def sha1_b64(data):
    return base64.b64encode(hashlib.sha1(data).digest()).decode()


def sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def multipart_etag(parts):
    """The ETag S3 gives a multipart object made of `parts` (bytes each)."""
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return "%s-%d" % (hashlib.md5(digests).hexdigest(), len(parts))


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class Signer:
    """AWS Signature Version 4 for service "s3"."""

    def __init__(self, access_key, secret_key, region="us-east-1"):
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region

    def scope(self, when):
        return "%s/%s/s3/aws4_request" % (when.strftime("%Y%m%d"), self.region)

    def signing_key(self, when):
        key = _hmac(("AWS4" + self.secret_key).encode(), when.strftime("%Y%m%d"))
        key = _hmac(key, self.region)
        key = _hmac(key, "s3")
        return _hmac(key, "aws4_request")

    @staticmethod
    def canonical_query(query):
        """`query`: list of (name, value) str pairs, not yet encoded."""
        pairs = sorted((uri_encode(k), uri_encode(v)) for k, v in query)
        return "&".join("%s=%s" % kv for kv in pairs)

    @staticmethod
    def canonical_request(method, path, query, headers, signed, payload_hash):
        """`path` is already percent-encoded as it goes on the wire; `headers`
        a dict of lowercase names."""
        canonical_headers = "".join(
            "%s:%s\n" % (name, " ".join(str(headers[name]).strip().split())) for name in signed)
        return "\n".join([method, path, Signer.canonical_query(query), canonical_headers,
                          ";".join(signed), payload_hash])

    def string_to_sign(self, when, canonical_request):
        return "\n".join(["AWS4-HMAC-SHA256", amz_date(when), self.scope(when),
                          hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()])

    def sign(self, when, string_to_sign):
        return hmac.new(self.signing_key(when), string_to_sign.encode("utf-8"),
                        hashlib.sha256).hexdigest()

    def authorization(self, method, path, query, headers, payload_hash, when):
        """Returns (Authorization header value, seed signature). Signs every
        header in `headers` (lowercase names)."""
        signed = sorted(headers)
        creq = self.canonical_request(method, path, query, headers, signed, payload_hash)
        signature = self.sign(when, self.string_to_sign(when, creq))
        value = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            self.access_key, self.scope(when), ";".join(signed), signature)
        return value, signature

    def presign(self, method, path, query, host, expires, when):
        """Query parameters (list of pairs) for a presigned URL: the caller's
        `query` followed by the X-Amz-* parameters and the signature."""
        params = list(query) + [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "%s/%s" % (self.access_key, self.scope(when))),
            ("X-Amz-Date", amz_date(when)),
            ("X-Amz-Expires", str(expires)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        creq = self.canonical_request(method, path, params, {"host": host}, ["host"],
                                      UNSIGNED_PAYLOAD)
        return params + [("X-Amz-Signature", self.sign(when, self.string_to_sign(when, creq)))]

    def chunk_signature(self, when, previous, data):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date(when), self.scope(when), previous,
                         EMPTY_SHA256, hashlib.sha256(data).hexdigest()])
        return self.sign(when, sts)

    def trailer_signature(self, when, previous, trailer_text):
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date(when), self.scope(when), previous,
                         hashlib.sha256(trailer_text.encode()).hexdigest()])
        return self.sign(when, sts)


def aws_chunked_signed(signer, when, seed, data, chunk_size, corrupt_chunk=None,
                       trailer=None, corrupt_trailer_signature=False):
    """The aws-chunked body for STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER].
    `corrupt_chunk`: index of a chunk whose signature is made wrong.
    `trailer`: (name, value) for the signed-trailer variant."""
    out = []
    previous = seed
    chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for index, chunk in enumerate(chunks):
        signature = signer.chunk_signature(when, previous, chunk)
        previous = signature
        if index == corrupt_chunk:
            signature = ("0" if signature[0] != "0" else "1") + signature[1:]
        out.append(b"%x;chunk-signature=%s\r\n" % (len(chunk), signature.encode()))
        if chunk:
            out.append(chunk + b"\r\n")
    if trailer is None:
        out.append(b"\r\n")
    else:
        line = "%s:%s" % trailer
        signature = signer.trailer_signature(when, previous, line + "\n")
        if corrupt_trailer_signature:
            signature = ("0" if signature[0] != "0" else "1") + signature[1:]
        out.append(("%s\r\nx-amz-trailer-signature:%s\r\n\r\n" % (line, signature)).encode())
    return b"".join(out)


def aws_chunked_unsigned(data, chunk_size, trailer):
    """The aws-chunked body for STREAMING-UNSIGNED-PAYLOAD-TRAILER."""
    out = []
    for i in range(0, len(data), chunk_size):
        chunk = data[i:i + chunk_size]
        out.append(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    out.append(b"0\r\n")
    if trailer is not None:
        out.append(("%s:%s\r\n" % trailer).encode())
    out.append(b"\r\n")
    return b"".join(out)


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) in order received
        self.body = body

    def header(self, name, default=None):
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def xml(self):
        """The body as an ElementTree with the S3 namespace stripped."""
        root = ET.fromstring(self.body)
        for element in root.iter():
            if element.tag.startswith("{"):
                element.tag = element.tag.split("}", 1)[1]
        return root

    def error_code(self):
        try:
            return self.xml().findtext("Code")
        except ET.ParseError:
            return None

    def etag(self):
        value = self.header("ETag")
        return value.strip('"') if value is not None else None

    def __repr__(self):
        body = self.body if len(self.body) <= 600 else self.body[:600] + b"..."
        heads = "".join("\n  %s: %s" % kv for kv in self.headers)
        return "<HTTP %d %s%s\n  body=%r>" % (self.status, self.reason, heads, body)


class ConnectionClosed(Exception):
    pass


class Connection:
    """One HTTP/1.1 connection. Requests are bytes the caller controls."""

    def __init__(self, host, port, timeout=120.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb")

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        try:
            self.rfile.close()
        finally:
            self.sock.close()

    def shutdown_write(self):
        self.sock.shutdown(socket.SHUT_WR)

    def _line(self):
        line = self.rfile.readline(65537)
        if not line:
            raise ConnectionClosed("connection closed by server")
        return line

    def read_head(self):
        """Status line and headers; returns (status, reason, headers)."""
        line = self._line()
        match = re.match(rb"HTTP/1\.[01] (\d{3})(?: (.*))?\r?\n$", line)
        if not match:
            raise ValueError("bad status line %r" % line)
        headers = []
        while True:
            line = self._line()
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        reason = (match.group(2) or b"").decode("latin-1").rstrip("\r")
        return int(match.group(1)), reason, headers

    def _read_exact(self, length):
        data = self.rfile.read(length)
        if len(data) != length:
            raise ConnectionClosed("body cut after %d of %d bytes" % (len(data), length))
        return data

    def _read_chunked(self):
        parts = []
        while True:
            size = int(self._line().split(b";")[0].strip(), 16)
            if size == 0:
                while self._line() not in (b"\r\n", b"\n"):
                    pass
                return b"".join(parts)
            parts.append(self._read_exact(size))
            self._read_exact(2)

    def read_response(self, method="GET"):
        """The next final response (1xx interim responses are skipped; use
        read_head() to see them)."""
        while True:
            status, reason, headers = self.read_head()
            if status >= 200 or status == 101:
                break
        response = Response(status, reason, headers, b"")
        if method == "HEAD" or status in (204, 304) or status < 200:
            return response
        if (response.header("Transfer-Encoding") or "").lower() == "chunked":
            response.body = self._read_chunked()
        elif response.header("Content-Length") is not None:
            response.body = self._read_exact(int(response.header("Content-Length")))
        else:
            response.body = self.rfile.read()
        return response

    def at_eof(self, timeout):
        """True if the server closes the connection within `timeout` seconds
        without sending anything more; raises if bytes arrive."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        if data:
            raise AssertionError("unexpected bytes from server: %r" % data)
        return True


def format_request(method, target, headers, body=b""):
    lines = ["%s %s HTTP/1.1" % (method, target)]
    lines += ["%s: %s" % (name, value) for name, value in headers]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return head + body


class S3Client:
    """Signed S3 requests over a kept-alive connection. Path style unless
    `virtual_host` is set (then the bucket goes into the Host header)."""

    def __init__(self, host, port, access_key, secret_key, region="us-east-1",
                 virtual_host=None, timeout=120.0):
        self.host = host
        self.port = port
        self.signer = Signer(access_key, secret_key, region)
        self.virtual_host = virtual_host
        self.timeout = timeout
        self.conn = None
        self.responses = []  # every response received, for checks shared by all tests

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def host_header(self, bucket=None):
        if self.virtual_host and bucket:
            return "%s.%s:%d" % (bucket, self.virtual_host, self.port)
        if self.virtual_host:
            return "%s:%d" % (self.virtual_host, self.port)
        return "%s:%d" % (self.host, self.port)

    def path(self, bucket=None, key=None):
        """The percent-encoded request path."""
        if self.virtual_host and bucket:
            return "/" + (uri_encode(key, keep_slash=True) if key is not None else "")
        if bucket is None:
            return "/"
        if key is None:
            return "/" + uri_encode(bucket)
        return "/%s/%s" % (uri_encode(bucket), uri_encode(key, keep_slash=True))

    @staticmethod
    def target(path, query):
        if not query:
            return path
        parts = []
        for name, value in query:
            parts.append(uri_encode(name) + ("=" + uri_encode(value) if value is not None
                                             else ""))
        return path + "?" + "&".join(parts)

    def build(self, method, bucket=None, key=None, query=None, headers=None, body=b"",
              payload="sha256", when=None, sign=True, chunk_size=65536, trailer=None,
              corrupt_chunk=None, corrupt_trailer_signature=False, signer=None, host=None):
        """Returns (target, header list, encoded body) for a request.
        `payload`: "sha256" (hash of the body), "unsigned" (UNSIGNED-PAYLOAD),
        "streaming" (aws-chunked, chunk signatures), "streaming-trailer"
        (signed chunks and trailer), "unsigned-trailer"; or any literal
        x-amz-content-sha256 value via ("literal", value).
        `query`: list of (name, value) pairs; value None means a bare name."""
        query = list(query or [])
        signer = signer or self.signer
        when = when or utc_now()
        host = host or self.host_header(bucket)
        path = self.path(bucket, key)
        extra = {k.lower(): v for k, v in (headers or {}).items()}
        all_headers = {"host": host}
        encoded = body
        streaming = payload in ("streaming", "streaming-trailer", "unsigned-trailer")
        if streaming:
            extra.setdefault("content-encoding", "aws-chunked")
            extra.setdefault("x-amz-decoded-content-length", str(len(body)))
            if trailer is not None:
                extra.setdefault("x-amz-trailer", trailer[0])
        if isinstance(payload, tuple):
            payload_hash = payload[1]
        else:
            payload_hash = {
                "sha256": hashlib.sha256(body).hexdigest(),
                "unsigned": UNSIGNED_PAYLOAD,
                "streaming": STREAMING_SIGNED_TRAILER if trailer else STREAMING_SIGNED,
                "streaming-trailer": STREAMING_SIGNED_TRAILER,
                "unsigned-trailer": STREAMING_UNSIGNED_TRAILER,
            }[payload]
        if sign:
            all_headers["x-amz-date"] = amz_date(when)
            all_headers["x-amz-content-sha256"] = payload_hash
        all_headers.update(extra)
        sign_query = [(k, v if v is not None else "") for k, v in query]
        seed = None
        if sign:
            auth, seed = signer.authorization(method, path, sign_query, all_headers,
                                              payload_hash, when)
        if payload in ("streaming", "streaming-trailer"):
            encoded = aws_chunked_signed(signer, when, seed, body, chunk_size, corrupt_chunk,
                                         trailer, corrupt_trailer_signature)
        elif payload == "unsigned-trailer":
            encoded = aws_chunked_unsigned(body, chunk_size, trailer)
        header_list = [(k, v) for k, v in all_headers.items()]
        if sign:
            header_list.append(("Authorization", auth))
        if "content-length" not in all_headers and "transfer-encoding" not in all_headers:
            if encoded or method in ("PUT", "POST"):
                header_list.append(("Content-Length", str(len(encoded))))
        return self.target(path, query), header_list, encoded

    def connection(self):
        if self.conn is None:
            self.conn = Connection(self.host, self.port, self.timeout)
        return self.conn

    def send_raw(self, method, target, header_list, body=b""):
        """Sends one request on the kept-alive connection and reads the
        response. A server may close an idle kept-alive connection at any
        time, so a request that got no byte back on a reused connection is
        sent once more on a fresh one, as HTTP clients do."""
        data = format_request(method, target, header_list, body)
        for attempt in (0, 1):
            fresh = self.conn is None
            conn = self.connection()
            try:
                conn.send(data)
                response = conn.read_response(method)
                break
            except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
                self.close()
                if fresh or attempt == 1:
                    raise
        if (response.header("Connection") or "").lower() == "close":
            self.close()
        self.responses.append(response)
        return response

    def request(self, method, bucket=None, key=None, **kwargs):
        target, header_list, body = self.build(method, bucket, key, **kwargs)
        return self.send_raw(method, target, header_list, body)

    def presigned_target(self, method, bucket=None, key=None, query=None, expires=3600,
                         when=None):
        when = when or utc_now()
        host = self.host_header(bucket)
        path = self.path(bucket, key)
        params = self.signer.presign(method, path, list(query or []), host, expires, when)
        return self.target(path, params)

    # Convenience wrappers for the common operations.
    def create_bucket(self, bucket, **kwargs):
        return self.request("PUT", bucket, **kwargs)

    def put(self, bucket, key, body=b"", **kwargs):
        return self.request("PUT", bucket, key, body=body, **kwargs)

    def get(self, bucket, key, **kwargs):
        return self.request("GET", bucket, key, **kwargs)

    def head(self, bucket, key=None, **kwargs):
        return self.request("HEAD", bucket, key, **kwargs)

    def delete(self, bucket, key=None, **kwargs):
        return self.request("DELETE", bucket, key, **kwargs)

    def list_v2(self, bucket, **params):
        query = [("list-type", "2")] + [(k.replace("_", "-"), str(v)) for k, v in params.items()]
        return self.request("GET", bucket, query=query)

    def create_upload(self, bucket, key, headers=None):
        return self.request("POST", bucket, key, query=[("uploads", None)], headers=headers)

    def upload_part(self, bucket, key, upload_id, number, body, **kwargs):
        return self.request("PUT", bucket, key, body=body,
                            query=[("partNumber", str(number)), ("uploadId", upload_id)],
                            **kwargs)

    def complete_upload(self, bucket, key, upload_id, parts, **kwargs):
        """`parts`: list of (number, etag) pairs, sent in that order."""
        body = complete_xml(parts)
        return self.request("POST", bucket, key, query=[("uploadId", upload_id)], body=body,
                            **kwargs)


def complete_xml(parts):
    items = "".join("<Part><PartNumber>%d</PartNumber><ETag>\"%s\"</ETag></Part>" % (n, e)
                    for n, e in parts)
    return ("<CompleteMultipartUpload xmlns=\"%s\">%s</CompleteMultipartUpload>" %
            (S3_NS, items)).encode()


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def delete_xml(keys, quiet=False):
    items = "".join("<Object><Key>%s</Key></Object>" % xml_escape(k) for k in keys)
    return ("<Delete xmlns=\"%s\">%s%s</Delete>" %
            (S3_NS, "<Quiet>true</Quiet>" if quiet else "", items)).encode("utf-8")


def tagging_xml(tags):
    items = "".join("<Tag><Key>%s</Key><Value>%s</Value></Tag>" % (xml_escape(k), xml_escape(v))
                    for k, v in tags)
    return ("<Tagging xmlns=\"%s\"><TagSet>%s</TagSet></Tagging>" % (S3_NS, items)).encode("utf-8")
