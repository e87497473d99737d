#!/usr/bin/env python3
"""Three raft-kv processes on loopback over mTLS: write through the leader, kill -9 the
leader, keep writing, restart it, and check every acknowledged write on all three members.

Usage: raft_kv_test.py PATH/TO/raft-kv
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DEADLINE_S = 60  # turns a hang into a failure; no assertion depends on it
IDS = (1, 2, 3)


def fail(message, cluster=None):
    print("FAIL: " + message)
    if cluster is not None:
        cluster.dump_logs()
    sys.exit(1)


def wait_until(condition, what, cluster=None):
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    fail("timed out waiting for " + what, cluster)


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run(*command, cwd):
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_certificates(directory):
    """The commands of docs/raft-mtls.md."""
    run("openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=raft-kv-test-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
    for node in IDS:
        name = "node-%d" % node
        with open(os.path.join(directory, name + ".ext"), "w") as ext:
            ext.write("subjectAltName=DNS:%s\nbasicConstraints=critical,CA:FALSE\n"
                      "keyUsage=critical,digitalSignature,keyEncipherment\n"
                      "extendedKeyUsage=serverAuth,clientAuth\n" % name)
        run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key",
            "-out", name + ".csr", "-subj", "/CN=" + name, cwd=directory)
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey",
            "ca.key", "-CAcreateserial", "-days", "2", "-extfile", name + ".ext",
            "-out", name + ".crt", cwd=directory)


def request(port, line):
    """One request on a fresh connection; None if the node cannot be reached."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall((line + "\n").encode())
            answer = b""
            while not answer.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    return None
                answer += chunk
            return answer.decode().strip()
    except OSError:
        return None


class Cluster:
    def __init__(self, binary, directory):
        self.binary = binary
        self.directory = directory
        ports = free_ports(2 * len(IDS))
        self.raft_ports = dict(zip(IDS, ports[:len(IDS)]))
        self.client_ports = dict(zip(IDS, ports[len(IDS):]))
        self.processes = {}

    def start(self, node):
        members = ",".join("%d=127.0.0.1:%d" % (i, self.raft_ports[i]) for i in IDS)
        log = open(os.path.join(self.directory, "node-%d.log" % node), "a")
        self.processes[node] = subprocess.Popen(
            [self.binary, "--id=%d" % node,
             "--data-dir=" + os.path.join(self.directory, "data-%d" % node),
             "--client-address=127.0.0.1:%d" % self.client_ports[node],
             "--members=" + members,
             "--ca=" + os.path.join(self.directory, "ca.crt"),
             "--cert=" + os.path.join(self.directory, "node-%d.crt" % node),
             "--key=" + os.path.join(self.directory, "node-%d.key" % node),
             "--tick-ms=50"],
            stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.status(node) is not None, "node %d to serve" % node, self)

    def kill9(self, node):
        self.processes[node].send_signal(signal.SIGKILL)
        self.processes[node].wait()
        del self.processes[node]

    def stop_all(self):
        """SIGTERM every node; each must exit cleanly (0)."""
        codes = {}
        for node, process in self.processes.items():
            process.send_signal(signal.SIGTERM)
        for node, process in self.processes.items():
            try:
                codes[node] = process.wait(timeout=DEADLINE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[node] = "hung"
        self.processes = {}
        return codes

    def status(self, node):
        answer = request(self.client_ports[node], "STATUS")
        if answer is None or not answer.startswith("STATUS "):
            return None
        return dict(field.split("=") for field in answer.split()[1:])

    def leader(self):
        for node in self.processes:
            status = self.status(node)
            if status is not None and status["role"] == "leader":
                return node
        return None

    def put(self, key, value):
        """Retries until some node acknowledges the PUT (PUTs are idempotent)."""
        target = [self.leader() or next(iter(self.processes))]

        def attempt():
            answer = request(self.client_ports[target[0]], "PUT %s %s" % (key, value))
            if answer == "OK":
                return True
            if answer is not None and answer.startswith("REDIRECT "):
                hinted = int(answer.split()[1])
                if hinted in self.processes:
                    target[0] = hinted
                    return False
            live = sorted(self.processes)
            target[0] = live[(live.index(target[0]) + 1) % len(live)]
            return False

        wait_until(attempt, "PUT %s to be acknowledged" % key, self)

    def dump_logs(self):
        for node in IDS:
            path = os.path.join(self.directory, "node-%d.log" % node)
            if os.path.exists(path):
                with open(path) as log:
                    print("---- node %d log ----\n%s" % (node, log.read()[-4000:]))


def main():
    binary = os.path.abspath(sys.argv[1])
    directory = tempfile.mkdtemp(prefix="raft-kv-test-")
    cluster = Cluster(binary, directory)
    try:
        make_certificates(directory)
        for node in IDS:
            cluster.start(node)
        acknowledged = {}

        def write(first, count):
            for i in range(first, first + count):
                key, value = "key-%d" % i, "value-%d" % i
                cluster.put(key, value)
                acknowledged[key] = value

        first_leader = wait_until(cluster.leader, "a leader", cluster)
        write(0, 30)
        old_leader = cluster.leader() or first_leader
        cluster.kill9(old_leader)
        print("killed leader %d" % old_leader)
        write(30, 30)
        new_leader = wait_until(cluster.leader, "a new leader", cluster)
        if new_leader == old_leader:
            fail("the killed node is still the leader", cluster)
        cluster.start(old_leader)
        print("restarted node %d; leader is %d" % (old_leader, new_leader))
        write(60, 30)

        for node in IDS:
            def has_everything():
                return all(request(cluster.client_ports[node], "LOCALGET " + key) ==
                           "VALUE " + value for key, value in acknowledged.items())
            wait_until(has_everything, "node %d to hold every acknowledged write" % node,
                       cluster)
            answer = request(cluster.client_ports[node], "GET key-0")
            if answer != "VALUE value-0":
                fail("linearizable GET on node %d answered %r" % (node, answer), cluster)
        print("all %d acknowledged writes on all %d nodes" % (len(acknowledged), len(IDS)))

        codes = cluster.stop_all()
        if any(code != 0 for code in codes.values()):
            fail("unclean exits on SIGTERM: %r" % codes, cluster)
    finally:
        for process in cluster.processes.values():
            process.kill()
        shutil.rmtree(directory, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
