#!/usr/bin/python3
"""Drives the real hamster-layout binary as an operator would: a layout file
in a fresh temporary directory per test, checking output, files and exit
codes.

Usage: layout_cli_test.py HAMSTER_LAYOUT_BINARY

Exit codes under test: 0 success, 1 the file could not be written, 2 the
command could not run (every such message is one stderr line starting
"hamster-layout: ").
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

BINARY = ""


def run(*args):
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, timeout=120)


class LayoutCliTestCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hamster-layout-cli-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.file = os.path.join(self.dir, "layout.bin")

    def ok(self, *args):
        result = run(*args)
        self.assertEqual(result.returncode, 0,
                         f"args={args} stdout={result.stdout[:3000]!r} stderr={result.stderr!r}")
        self.assertEqual(result.stderr, b"")
        return result.stdout.decode()

    def bad(self, *args, fragments=(), code=2):
        """The command fails with `code` and one stderr line holding each fragment."""
        result = run(*args)
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, code, f"args={args} stderr={stderr!r}")
        self.assertTrue(stderr.startswith("hamster-layout: "), stderr)
        self.assertEqual(stderr.count("\n"), 1, f"not one line: {stderr!r}")
        for fragment in fragments:
            self.assertIn(fragment, stderr)
        return stderr

    def read(self):
        with open(self.file, "rb") as f:
            return f.read()

    def cluster(self, nodes=6, zones=3, partitions=64):
        """A file with `nodes` 4TB storage nodes, round-robin over zones, applied."""
        self.ok("init", self.file, "--partitions", partitions)
        for i in range(nodes):
            self.ok("add", self.file, f"n{i}", "--zone", f"z{i % zones}", "--capacity", "4TB")
        self.ok("apply", self.file, "--version", 1)


class FlowTest(LayoutCliTestCase):
    def test_init_add_plan_apply_show(self):
        self.ok("init", self.file, "--partitions", 128)
        self.assertIn("no version yet", self.ok("show", self.file))
        for i in range(6):
            staged = self.ok("add", self.file, f"n{i}", "--zone", f"z{i % 3}", "--capacity",
                             f"{i + 1}TiB")
            self.assertIn(f"add     n{i} (zone z{i % 3}, storage, {i + 1}.00 TiB)", staged)
        self.ok("add", self.file, "gw", "--zone", "z0", "--gateway")
        before = self.read()
        plan = self.ok("plan", self.file)
        self.assertEqual(self.read(), before, "plan must not change the file")
        self.assertIn("version 1 (the first)", plan)
        self.assertIn("profile 4+2 -> 4+2; 6 storage nodes in 3 zone(s)", plan)
        self.assertIn("losing a zone leaves every object readable", plan)
        self.assertIn("preview only", plan)
        applied = self.ok("apply", self.file)
        self.assertIn("applied: version 1 is current", applied)
        shown = self.ok("show", self.file)
        self.assertIn("version 1", shown)
        self.assertIn("6 storage nodes in 3 zone(s), 1 gateway(s)", shown)
        self.assertIn("transition: none", shown)
        self.assertIn("staged changes: none", shown)
        # Every storage node appears in the usage table with 128 shards: with
        # 4+2 over 3 zones of 2 nodes, each node holds a shard of each partition.
        for i in range(6):
            self.assertRegex(shown, rf"\n  n{i} +z{i % 3} +{i + 1}\.00 TiB +128 ")

    def test_a_change_shows_moves_then_a_transition_until_synced(self):
        self.cluster(nodes=9, zones=3)
        self.ok("add", self.file, "n9", "--zone", "z0", "--capacity", "4TB")
        plan = self.ok("plan", self.file)
        moved = int(re.search(r"moves: (\d+) of (\d+) partition-shards", plan).group(1))
        minimum = int(re.search(r"the least these shard counts allow: (\d+)", plan).group(1))
        self.assertGreater(moved, 0)
        self.assertGreaterEqual(moved, minimum)
        self.assertIn(f"move plan ({moved} partition-shards)", plan)
        self.assertRegex(plan, r"-> n9 +\d+ shards")
        every = self.ok("plan", self.file, "--moves")
        self.assertEqual(len(re.findall(r"partition +\d+ shard +\d+: \S+ -> \S+", every)), moved)
        applied = self.ok("apply", self.file, "--version", 2)
        self.assertIn("applied: version 2 is current; migration pending", applied)
        shown = self.ok("show", self.file)
        self.assertRegex(shown, r"transition: open: versions 1 to 2 are live; \d+ of 64 partitions")
        self.assertIn("synced", self.ok("show", self.file, "--partitions"))
        self.assertRegex(self.ok("sync", self.file, "--version", 2, "--partition", 0),
                         r"^\d+ of 64 partitions not yet synced to version 2\n$")
        closed = self.ok("sync", self.file, "--version", 2, "--all")
        self.assertIn("transition closed: version 2 is the only live version", closed)
        self.assertIn("transition: none", self.ok("show", self.file))

    def test_update_remove_revert_profile_threshold(self):
        self.cluster(nodes=7, zones=1)
        self.assertIn("update  n1: zone z0, storage, 3.64 TiB -> zone z0, storage, 7.28 TiB",
                      self.ok("update", self.file, "n1", "--capacity", "8TB"))
        self.assertIn("remove  n2", self.ok("remove", self.file, "n2"))
        self.assertIn("profile auto (the ladder) -> 3+2", self.ok("profile", self.file, "3+2"))
        self.assertIn("small-object threshold 64.00 KiB -> 1.00 MiB",
                      self.ok("threshold", self.file, "1MiB"))
        plan = self.ok("plan", self.file)
        self.assertIn("profile 4+2 -> 3+2", plan)
        self.assertIn("the profile changes from 4+2 to 3+2", plan)
        self.assertIn("staged changes: none", self.ok("revert", self.file))
        self.assertIn("no change: the staged changes leave version 1 as it is",
                      self.ok("plan", self.file))
        # Staging a role equal to the current one stages nothing.
        self.assertIn("staged changes: none",
                      self.ok("update", self.file, "n1", "--capacity", "4TB"))

    def test_help(self):
        self.assertIn("usage: hamster-layout", self.ok("help"))
        self.assertEqual(run().returncode, 2)


class BadInputTest(LayoutCliTestCase):
    def test_unknown_commands_options_and_arguments(self):
        self.bad("frobnicate", self.file, fragments=["unknown command 'frobnicate'"])
        self.bad("show", fragments=["'show' takes FILE, not 0 argument(s)"])
        self.cluster()
        self.bad("show", self.file, "--verbose", fragments=["unknown option --verbose for 'show'"])
        self.bad("add", self.file, "n9", "--zone", fragments=["--zone needs a value"])
        self.bad("add", self.file, "n9", "--capacity", "4TB", fragments=["add needs --zone"])
        self.bad("add", self.file, "n9", "--zone", "z0",
                 fragments=["add needs --capacity SIZE or --gateway"])
        self.bad("add", self.file, "n9", "--zone", "z0", "--capacity", "4TB", "--gateway",
                 fragments=["not both"])

    def test_missing_damaged_and_foreign_files(self):
        missing = os.path.join(self.dir, "missing.bin")
        self.bad("show", missing, fragments=[missing, "No such file or directory"])
        self.cluster()
        data = bytearray(self.read())
        data[len(data) // 2] ^= 0x01
        with open(self.file, "wb") as f:
            f.write(data)
        self.bad("show", self.file, fragments=[self.file, "checksum does not match"])
        with open(self.file, "w") as f:
            f.write("zone: z0\n")
        self.bad("show", self.file, fragments=["not a layout record"])
        data[4] = 9  # the format version
        with open(self.file, "wb") as f:
            f.write(data)
        self.bad("show", self.file, fragments=["layout format version 9 is newer than this build"])
        self.bad("init", self.file, fragments=["exists: init never replaces a layout"])

    def test_capacities_and_sizes(self):
        self.cluster()
        self.bad("add", self.file, "n9", "--zone", "z0", "--capacity", "-5TB",
                 fragments=["node 'n9': capacity must be > 0, not -5000000000000"])
        self.bad("add", self.file, "n9", "--zone", "z0", "--capacity", "0",
                 fragments=["capacity must be > 0, not 0"])
        self.bad("add", self.file, "n9", "--zone", "z0", "--capacity", "lots",
                 fragments=["--capacity 'lots' is not a size"])
        self.bad("add", self.file, "n9", "--zone", "z0", "--capacity", "4XB",
                 fragments=["is not a size"])
        self.bad("add", self.file, "n/9", "--zone", "z0", "--capacity", "1TB",
                 fragments=["may contain only letters"])
        self.bad("threshold", self.file, "-1", fragments=["the threshold must be >= 0"])
        self.bad("init", os.path.join(self.dir, "other.bin"), "--partitions", 0,
                 fragments=["partition count 0 is out of range"])

    def test_unknown_and_duplicate_nodes(self):
        self.cluster()
        self.bad("add", self.file, "n1", "--zone", "z0", "--capacity", "1TB",
                 fragments=["node 'n1' is already in the layout (version 1)"])
        self.ok("add", self.file, "n9", "--zone", "z0", "--capacity", "1TB")
        self.bad("add", self.file, "n9", "--zone", "z1", "--capacity", "1TB",
                 fragments=["node 'n9' is already staged to be added"])
        self.bad("remove", self.file, "ghost", fragments=["node 'ghost' is not in the layout"])
        self.bad("update", self.file, "ghost", "--capacity", "1TB",
                 fragments=["node 'ghost' is not in the layout"])
        self.ok("remove", self.file, "n2")
        self.bad("update", self.file, "n2", "--capacity", "1TB",
                 fragments=["node 'n2' is staged to be removed"])

    def test_refused_changes_leave_the_file_alone(self):
        self.cluster(nodes=6, zones=3)
        self.ok("profile", self.file, "6+3")
        before = self.read()
        self.bad("apply", self.file, fragments=["profile 6+3 needs 9 storage nodes, the layout has 6"])
        self.assertEqual(self.read(), before)
        self.bad("profile", self.file, "0+3", fragments=["profile 0+3 is out of range"])
        self.bad("profile", self.file, "four", fragments=["is not K+M"])
        self.ok("profile", self.file, "auto")
        self.ok("add", self.file, "n6", "--zone", "z0", "--capacity", "1TB")
        self.bad("apply", self.file, "--version", 1,
                 fragments=["the next layout version is 2, not 1",
                            "an older version is never re-applied"])
        # 2+2 over zones 'big' (3 nodes) and 'small' (1 node): at most 2
        # shards per zone leaves room for 3 of 4; the error names the zone.
        other = os.path.join(self.dir, "zones.bin")
        self.ok("init", other)
        for node, zone in (("a", "big"), ("b", "big"), ("c", "big"), ("d", "small")):
            self.ok("add", other, node, "--zone", zone, "--capacity", "1TB")
        self.bad("apply", other, fragments=["the zone rule cannot be met", "zone 'small' has 1"])
        self.bad("sync", self.file, "--version", 7, "--all", fragments=["layout version 7 is not live"])
        self.bad("sync", self.file, "--version", 1, fragments=["sync needs --version V and one of"])
        self.bad("sync", self.file, "--version", 1, "--partition", 64,
                 fragments=["partition 64 is out of range 0..63"])

    def test_unwritable_file_exits_1(self):
        self.bad("init", os.path.join(self.dir, "no-such-dir", "layout.bin"), code=1,
                 fragments=["cannot create", "no-such-dir"])


def main():
    global BINARY
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} HAMSTER_LAYOUT_BINARY")
    BINARY = sys.argv[1]
    suite = unittest.TestSuite()
    for case in (FlowTest, BadInputTest):
        suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(case))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
