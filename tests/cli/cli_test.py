#!/usr/bin/python3
"""Drives the real hamster-ec binary as an operator would: real files in a
fresh temporary directory per test, checking bytes, exit codes and messages.

Usage: cli_test.py HAMSTER_EC_BINARY GROUP   (GROUP: one of GROUPS below)

Exit codes under test: 0 success, 1 verify found a corrupt or unusable shard,
2 bad input (every such message is one stderr line starting "hamster-ec: ").
"""

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

BINARY = ""
HEADER_SIZE = 64
FOOTER_SIZE = 48
CHECKSUM_SIZE = 8
SMALL_BLOCK = 4096
PROFILES = [(1, 0), (2, 1), (4, 2), (8, 3)]
LARGE_SIZE = 3_500_000  # ~3.5 MiB: hundreds of 4 KiB-block stripes, a short last one


def run(*args, stdin=None):
    return subprocess.run([BINARY, *map(str, args)], input=stdin, capture_output=True,
                          timeout=120)


def random_bytes(size, seed):
    return random.Random(seed).randbytes(size)


def ceil_div(a, b):
    return -(-a // b)


def stripe_count(size, k, block):
    return ceil_div(size, k * block)


def last_block_size(size, k, block):
    """Each block of the last stripe: ceil(remaining / k) rounded up to 64."""
    remaining = size - (stripe_count(size, k, block) - 1) * k * block
    return ceil_div(ceil_div(remaining, k), 64) * 64


def shard_file_size(size, k, block):
    stripes = stripe_count(size, k, block)
    if stripes == 0:
        return HEADER_SIZE + FOOTER_SIZE
    return (HEADER_SIZE + (stripes - 1) * (block + CHECKSUM_SIZE) +
            last_block_size(size, k, block) + CHECKSUM_SIZE + FOOTER_SIZE)


def block_offset(stripe, block):
    """File offset of the first byte of a stripe's block in any shard file."""
    return HEADER_SIZE + stripe * (block + CHECKSUM_SIZE)


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hamster-ec-cli-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def make_input(self, size, seed=1, name="input.bin"):
        data = random_bytes(size, seed)
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name), data

    def encode(self, input_path, k, m, block=SMALL_BLOCK, out="shards", extra=()):
        """Encodes input_path; returns the shard paths by index."""
        os.makedirs(self.path(out), exist_ok=True)
        result = run("encode", "--k", k, "--m", m, "--block-size", block, *extra, input_path,
                     self.path(out))
        self.assertOk(result)
        name = "object" if input_path == "-" else os.path.basename(input_path)
        shards = [self.path(out, f"{name}.shard.{i}") for i in range(k + m)]
        for shard in shards:
            self.assertIn(shard, result.stdout.decode())
        self.assertEqual(sorted(os.listdir(self.path(out))),
                         sorted(os.path.basename(s) for s in shards), "leftover files")
        return shards

    def decode(self, shards, extra=()):
        out = self.path("decoded.bin")
        result = run("decode", "--out", out, *extra, *shards)
        self.assertOk(result)
        with open(out, "rb") as f:
            return f.read(), result

    def assertOk(self, result):
        self.assertEqual(result.returncode, 0,
                         f"stdout={result.stdout[:2000]!r} stderr={result.stderr!r}")

    def assertBadInput(self, result, *fragments):
        """Exit 2 with one stderr line starting 'hamster-ec: ' holding each fragment."""
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 2, f"stderr={stderr!r} stdout={result.stdout!r}")
        self.assertTrue(stderr.startswith("hamster-ec: "), stderr)
        self.assertEqual(stderr.count("\n"), 1, f"not one line: {stderr!r}")
        for fragment in fragments:
            self.assertIn(fragment, stderr)

    def assertSameFile(self, a, b):
        with open(a, "rb") as fa, open(b, "rb") as fb:
            self.assertTrue(fa.read() == fb.read(), f"{a} and {b} differ")


class RoundTripTest(CliTestCase):
    def check_round_trip(self, size, k, m, block=SMALL_BLOCK):
        with self.subTest(size=size, k=k, m=m, block=block):
            input_path, data = self.make_input(size, seed=size * 100 + k * 10 + m)
            out = f"shards-{size}-{k}-{m}"
            shards = self.encode(input_path, k, m, block, out=out)
            for shard in shards:
                self.assertEqual(os.path.getsize(shard), shard_file_size(size, k, block), shard)
            decoded, _ = self.decode(shards)
            self.assertTrue(decoded == data, f"size {size} {k}+{m}: decoded bytes differ")

    def test_edge_sizes_all_profiles(self):
        for k, m in PROFILES:
            full_stripe = k * SMALL_BLOCK
            for size in sorted({0, 1, 63, 64, 65, SMALL_BLOCK - 1, SMALL_BLOCK + 1,
                                full_stripe - 1, full_stripe, full_stripe + 1}):
                self.check_round_trip(size, k, m)

    def test_large_object_all_profiles(self):
        for k, m in PROFILES:
            self.check_round_trip(LARGE_SIZE, k, m)

    def test_default_block_size(self):
        self.check_round_trip(LARGE_SIZE, 4, 2, block=1 << 20)
        os.makedirs(self.path("default"))
        input_path, data = self.make_input(100_000, name="defaults.bin")
        result = run("encode", input_path, self.path("default"))
        self.assertOk(result)
        self.assertIn("k+m=4+2, block size 1048576", result.stdout.decode())
        shards = sorted(os.listdir(self.path("default")))
        self.assertEqual(shards, [f"defaults.bin.shard.{i}" for i in range(6)])
        decoded, _ = self.decode([self.path("default", s) for s in shards])
        self.assertTrue(decoded == data)

    def test_stdin_encode_and_stdout_decode(self):
        data = random_bytes(300_000, seed=7)
        os.makedirs(self.path("shards"))
        result = run("encode", "--k", 2, "--m", 1, "--block-size", SMALL_BLOCK, "-",
                     self.path("shards"), stdin=data)
        self.assertOk(result)
        shards = [self.path("shards", f"object.shard.{i}") for i in range(3)]
        result = run("decode", "--out", "-", *shards)
        self.assertOk(result)
        self.assertTrue(result.stdout == data, "stdout bytes differ")
        self.assertIn("decoded 300000 bytes", result.stderr.decode())

    def test_given_data_id_is_recorded(self):
        input_path, _ = self.make_input(5000)
        data_id = "00112233445566778899aabbccddeeff"
        shards = self.encode(input_path, 2, 1, extra=("--data-id", data_id))
        info = run("info", shards[0])
        self.assertOk(info)
        self.assertRegex(info.stdout.decode(), rf"data id:\s+{data_id}")


class DegradedTest(CliTestCase):
    def test_decode_from_exactly_k_after_losing_m(self):
        for k, m in [(2, 1), (4, 2), (8, 3)]:
            input_path, data = self.make_input(LARGE_SIZE // 3, seed=k)
            shards = self.encode(input_path, k, m, out=f"shards-{k}-{m}")
            losses = {"data": list(range(m)), "parity": list(range(k, k + m)),
                      "mixed": [0, k + m - 1] if m >= 2 else [k - 1]}
            for kind, lost in losses.items():
                with self.subTest(k=k, m=m, lost=kind):
                    survivors = [s for i, s in enumerate(shards) if i not in lost]
                    random.Random(k * m).shuffle(survivors)  # any order works
                    decoded, _ = self.decode(survivors)
                    self.assertTrue(decoded == data, f"{k}+{m} lost {kind}: bytes differ")

    def test_fewer_than_k_shards_is_bad_input(self):
        input_path, _ = self.make_input(50_000)
        shards = self.encode(input_path, 4, 2)
        result = run("decode", "--out", self.path("x"), *shards[:3])
        self.assertBadInput(result, "need k=4", shards[0])
        self.assertFalse(os.path.exists(self.path("x")))
        self.assertEqual(sorted(os.listdir(self.dir)), ["input.bin", "shards"], "leftover file")


class RangeTest(CliTestCase):
    def test_ranges_match_slices(self):
        input_path, data = self.make_input(LARGE_SIZE)
        k, block = 4, SMALL_BLOCK
        shards = self.encode(input_path, k, 2, block)
        stripe = k * block
        ranges = [(0, 0), (0, 1), (LARGE_SIZE - 1, 1), (0, LARGE_SIZE), (block - 1, 2),
                  (stripe - 1, 2), (12345, 100_000), (LARGE_SIZE - 5000, 5000),
                  (LARGE_SIZE, 0)]
        survivor_sets = {"all": shards, "lost data shard 1": shards[:1] + shards[2:]}
        for label, survivors in survivor_sets.items():
            for offset, length in ranges:
                with self.subTest(shards=label, offset=offset, length=length):
                    decoded, _ = self.decode(survivors, extra=("--range", f"{offset}:{length}"))
                    self.assertTrue(decoded == data[offset:offset + length], "slice differs")

    def test_range_to_stdout(self):
        input_path, data = self.make_input(200_000)
        shards = self.encode(input_path, 2, 1)
        result = run("decode", "--out", "-", "--range", "9999:12345", *shards)
        self.assertOk(result)
        self.assertTrue(result.stdout == data[9999:9999 + 12345])

    def test_range_past_the_end_is_bad_input(self):
        input_path, _ = self.make_input(10_000)
        shards = self.encode(input_path, 2, 1)
        self.assertBadInput(run("decode", "--out", self.path("x"), "--range", "9000:1001",
                                *shards), "ends past the object")
        self.assertFalse(os.path.exists(self.path("x")))
        for bad in ["5", "a:1", "1:", ":1", "-1:5", "1:2:3"]:
            with self.subTest(range=bad):
                self.assertBadInput(run("decode", "--out", self.path("x"), "--range", bad,
                                        *shards), "--range")


class VerifyTest(CliTestCase):
    K, M = 4, 2

    def setUp(self):
        super().setUp()
        self.input_path, self.data = self.make_input(LARGE_SIZE)
        self.shards = self.encode(self.input_path, self.K, self.M)

    def verify(self, shard):
        result = run("verify", shard)
        return result.returncode, result.stdout.decode()

    def test_clean_shards_verify_ok(self):
        result = run("verify", *self.shards)
        self.assertOk(result)
        self.assertEqual(result.stdout.decode().count(": OK"), len(self.shards))

    def test_names_the_corrupt_block(self):
        for shard_index, stripe in [(0, 0), (2, 37), (5, 100)]:
            with self.subTest(shard=shard_index, stripe=stripe):
                shard = self.shards[shard_index]
                original = shard + ".orig"
                shutil.copy(shard, original)
                flip_byte(shard, block_offset(stripe, SMALL_BLOCK) + 1234)
                code, out = self.verify(shard)
                self.assertEqual(code, 1, out)
                self.assertIn(f"{shard}: CORRUPT", out)
                self.assertRegex(out, rf"1 of \d+ blocks fail their checksum: stripe {stripe}\n")
                os.replace(original, shard)
                self.assertEqual(self.verify(shard)[0], 0)

    def test_names_the_short_last_block_and_several_blocks(self):
        stripes = stripe_count(LARGE_SIZE, self.K, SMALL_BLOCK)
        last = stripes - 1
        self.assertLess(last_block_size(LARGE_SIZE, self.K, SMALL_BLOCK), SMALL_BLOCK)
        shard = self.shards[3]
        flip_byte(shard, block_offset(5, SMALL_BLOCK))
        flip_byte(shard, block_offset(9, SMALL_BLOCK) + SMALL_BLOCK - 1)
        flip_byte(shard, block_offset(last, SMALL_BLOCK) + 10)
        code, out = self.verify(shard)
        self.assertEqual(code, 1)
        self.assertIn(f"3 of {stripes} blocks fail their checksum: stripes 5, 9, {last}", out)

    def test_corrupt_stored_checksum_names_its_block(self):
        shard = self.shards[1]
        flip_byte(shard, block_offset(12, SMALL_BLOCK) + SMALL_BLOCK)  # first checksum byte
        code, out = self.verify(shard)
        self.assertEqual(code, 1)
        self.assertIn("stripe 12", out)

    def test_decode_falls_back_past_one_corrupt_shard(self):
        flip_byte(self.shards[1], block_offset(37, SMALL_BLOCK) + 5)
        decoded, result = self.decode(self.shards)
        self.assertTrue(decoded == self.data)
        self.assertIn("corrupt blocks skipped: 1", result.stdout.decode())
        survivors = [s for i, s in enumerate(self.shards) if i != 0]
        decoded, _ = self.decode(survivors)
        self.assertTrue(decoded == self.data)

    def test_decode_refuses_a_stripe_with_fewer_than_k_good_blocks(self):
        flip_byte(self.shards[1], block_offset(37, SMALL_BLOCK) + 5)
        survivors = self.shards[:self.K]
        result = run("decode", "--out", self.path("x"), *survivors)
        self.assertBadInput(result, "stripe 37", "checksum mismatch")
        self.assertFalse(os.path.exists(self.path("x")))


class UnusableShardTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.input_path, self.data = self.make_input(300_000)
        self.shards = self.encode(self.input_path, 4, 2)

    def broken_copy(self, index, name):
        path = self.path(name)
        shutil.copy(self.shards[index], path)
        return path

    def assertUnusable(self, path, message):
        result = run("verify", path)
        self.assertEqual(result.returncode, 1, result)
        self.assertIn(f"{path}: UNUSABLE: {message}", result.stdout.decode())

    def test_each_problem_has_its_own_message(self):
        truncated = self.broken_copy(0, "truncated")
        os.truncate(truncated, os.path.getsize(truncated) - 100)
        self.assertUnusable(truncated, "truncated shard")
        tiny = self.broken_copy(0, "tiny")
        os.truncate(tiny, 10)
        self.assertUnusable(tiny, "truncated shard: 10 bytes")
        self.assertUnusable(self.input_path, "bad magic: not a Hamster shard file")
        header = self.broken_copy(1, "header")
        flip_byte(header, 30)
        self.assertUnusable(header, "shard header checksum mismatch")
        version = self.broken_copy(2, "version")
        with open(version, "r+b") as f:
            f.seek(8)
            f.write(bytes([99, 0]))
        self.assertUnusable(version, "unsupported shard format version 99")
        footer = self.broken_copy(3, "footer")
        flip_byte(footer, os.path.getsize(footer) - 20)
        self.assertUnusable(footer, "shard footer checksum mismatch")
        empty = self.path("empty")
        open(empty, "wb").close()
        self.assertUnusable(empty, "truncated shard: 0 bytes")

    def test_verify_reports_every_file_and_the_worst_exit_code(self):
        truncated = self.broken_copy(0, "truncated")
        os.truncate(truncated, 1000)
        result = run("verify", self.shards[1], truncated, self.shards[2])
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout.decode().count(": OK"), 2)
        result = run("verify", self.shards[1], self.path("missing"))
        self.assertBadInput(result, self.path("missing"), "No such file")
        self.assertIn(": OK", result.stdout.decode())

    def test_decode_excludes_unusable_shards_and_says_why(self):
        truncated = self.broken_copy(0, "truncated")
        os.truncate(truncated, 1000)
        decoded, result = self.decode([truncated, self.input_path] + self.shards[1:])
        self.assertTrue(decoded == self.data)
        out = result.stdout.decode()
        self.assertIn(f"excluded {truncated}: truncated shard", out)
        self.assertIn(f"excluded {self.input_path}: bad magic", out)

    def test_shard_of_another_object_is_refused(self):
        other_input, _ = self.make_input(300_000, seed=99, name="other.bin")
        other = self.encode(other_input, 4, 2, out="other")
        result = run("decode", "--out", self.path("x"), *self.shards[:4], other[4])
        self.assertBadInput(result, "different objects", other[4])
        result = run("decode", "--out", self.path("x"), *self.shards[:4], self.shards[0])
        self.assertBadInput(result, "both hold shard index 0")
        result = run("reconstruct", "--index", "5", "--out-dir", self.path("shards"),
                     *self.shards[:4], other[4])
        self.assertBadInput(result, "different objects")

    def test_too_few_usable_shards_names_the_reasons(self):
        truncated = self.broken_copy(0, "truncated")
        os.truncate(truncated, 1000)
        result = run("decode", "--out", self.path("x"), truncated, *self.shards[1:4])
        self.assertBadInput(result, "need k=4 usable shard files, have 3", "truncated shard",
                            truncated)


class ReconstructTest(CliTestCase):
    def rebuild_and_compare(self, shards, lost, rebuild_dir="rebuilt"):
        os.makedirs(self.path(rebuild_dir), exist_ok=True)
        survivors = [s for i, s in enumerate(shards) if i not in lost]
        result = run("reconstruct", "--index", ",".join(map(str, lost)), "--out-dir",
                     self.path(rebuild_dir), *survivors)
        self.assertOk(result)
        self.assertEqual(sorted(os.listdir(self.path(rebuild_dir))),
                         sorted(f"input.bin.shard.{i}" for i in lost))
        for i in lost:
            self.assertSameFile(self.path(rebuild_dir, f"input.bin.shard.{i}"), shards[i])

    def test_rebuilds_byte_identical_shards(self):
        input_path, _ = self.make_input(LARGE_SIZE)
        for k, m, lost in [(4, 2, [1, 5]), (4, 2, [0, 3]), (8, 3, [2, 8, 10]), (2, 1, [2])]:
            with self.subTest(k=k, m=m, lost=lost):
                shards = self.encode(input_path, k, m, out=f"shards-{k}-{m}")
                self.rebuild_and_compare(shards, lost, rebuild_dir=f"rebuilt-{k}-{m}-{lost[0]}")

    def test_rebuilds_tiny_and_empty_objects(self):
        for size in [0, 1, 65]:
            with self.subTest(size=size):
                input_path, _ = self.make_input(size)
                shards = self.encode(input_path, 4, 2, out=f"shards-{size}")
                self.rebuild_and_compare(shards, [0, 4], rebuild_dir=f"rebuilt-{size}")

    def test_repairs_a_rotten_shard_in_place(self):
        input_path, _ = self.make_input(LARGE_SIZE)
        shards = self.encode(input_path, 4, 2)
        shutil.copy(shards[2], self.path("original.2"))
        flip_byte(shards[2], block_offset(40, SMALL_BLOCK) + 7)
        result = run("reconstruct", "--index", "2", "--out-dir", self.path("shards"), *shards)
        self.assertOk(result)
        self.assertSameFile(shards[2], self.path("original.2"))
        self.assertOk(run("verify", shards[2]))

    def test_bad_index_creates_nothing(self):
        input_path, _ = self.make_input(10_000)
        shards = self.encode(input_path, 4, 2)
        os.makedirs(self.path("rebuilt"))
        result = run("reconstruct", "--index", "1,6", "--out-dir", self.path("rebuilt"), *shards)
        self.assertBadInput(result, "shard index 6 out of range for k+m=6")
        self.assertEqual(os.listdir(self.path("rebuilt")), [])


class BadInputTest(CliTestCase):
    def test_every_bad_input_exits_2_with_one_line(self):
        input_path, _ = self.make_input(10_000)
        shards = self.encode(input_path, 2, 1)
        out = self.path("out")
        os.makedirs(out)
        missing = self.path("missing")
        cases = [
            ([], "no command"),
            (["frobnicate"], "unknown command 'frobnicate'"),
            (["encode"], "encode needs INPUT and OUTDIR"),
            (["encode", input_path], "encode needs INPUT and OUTDIR"),
            (["encode", input_path, out, "extra"], "encode needs INPUT and OUTDIR"),
            (["encode", "--k", "0", input_path, out], "k=0 m=2 out of range"),
            (["encode", "--k", "31", "--m", "2", input_path, out], "k=31 m=2 out of range"),
            (["encode", "--m", "-1", input_path, out], "m=-1 out of range"),
            (["encode", "--k", "four", input_path, out], "--k: 'four' is not a number"),
            (["encode", "--k", "99999999999", input_path, out], "--k: '99999999999' is too large"),
            (["encode", "--block-size", "100", input_path, out], "block size 100 out of range"),
            (["encode", "--block-size", "1e6", input_path, out], "'1e6' is not a number"),
            (["encode", "--data-id", "abc", input_path, out], "--data-id"),
            (["encode", "--k"], "--k needs a value"),
            (["encode", "--k", "2", "--k", "3", input_path, out], "--k given more than once"),
            (["encode", "--frob", "1", input_path, out], "unknown option --frob"),
            (["encode", missing, out], missing),
            (["encode", input_path, missing], f"output directory {missing}"),
            (["encode", input_path, input_path], "not a directory"),
            (["encode", out, out], "Is a directory"),
            (["verify"], "verify needs at least one SHARD"),
            (["verify", missing], missing),
            (["verify", "--k", "1", shards[0]], "unknown option --k for 'verify'"),
            (["decode", *shards], "decode needs --out"),
            (["decode", "--out", self.path("x")], "decode needs at least one SHARD"),
            (["decode", "--out", self.path("x"), missing, *shards], missing),
            (["decode", "--out", self.path("x"), out, *shards], "not a regular file"),
            (["decode", "--out", self.path("x"), shards[0]], "need k=2"),
            (["decode", "--out", self.path("no", "such", "x"), *shards], "cannot create"),
            (["decode", "--out", shards[1], *shards], "is one of the shard files"),
            (["reconstruct", "--out-dir", out, *shards], "needs --index"),
            (["reconstruct", "--index", "1", *shards], "needs --out-dir"),
            (["reconstruct", "--index", "1", "--out-dir", out], "at least one SHARD"),
            (["reconstruct", "--index", "1,,2", "--out-dir", out, *shards], "--index"),
            (["reconstruct", "--index", "-1", "--out-dir", out, *shards], "shard index -1"),
            (["reconstruct", "--index", "1", "--out-dir", missing, *shards], missing),
            (["reconstruct", "--index", "1", "--out-dir", out, shards[0]], "need k=2"),
            (["info"], "info needs exactly one SHARD"),
            (["info", *shards], "info needs exactly one SHARD"),
            (["info", missing], missing),
            (["info", input_path], "bad magic"),
            (["demo", "now"], "demo takes no arguments"),
        ]
        for args, fragment in cases:
            with self.subTest(args=args):
                self.assertBadInput(run(*args), fragment)
        self.assertEqual(os.listdir(out), [], "a failed command left files behind")

    @unittest.skipUnless(os.path.exists("/dev/full"), "needs /dev/full")
    def test_unwritable_stdout_is_an_error(self):
        input_path, _ = self.make_input(10_000)
        shards = self.encode(input_path, 2, 1)
        for args in [["info", shards[0]], ["decode", "--out", "-", *shards]]:
            with self.subTest(args=args), open("/dev/full", "wb") as full:
                result = subprocess.run([BINARY, *args], stdout=full, stderr=subprocess.PIPE,
                                        timeout=60)
                self.assertEqual(result.returncode, 2)
                self.assertTrue(result.stderr.startswith(b"hamster-ec: "), result.stderr)

    def test_help(self):
        for args in [["help"], ["--help"], ["-h"], ["encode", "--help"]]:
            with self.subTest(args=args):
                result = run(*args)
                self.assertOk(result)
                for command in ["encode", "verify", "decode", "reconstruct", "info", "demo"]:
                    self.assertIn(command, result.stdout.decode())


class InfoTest(CliTestCase):
    def test_prints_header_and_footer_fields(self):
        input_path, _ = self.make_input(LARGE_SIZE)
        data_id = "0123456789abcdef0123456789abcdef"
        shards = self.encode(input_path, 4, 2, extra=("--data-id", data_id))
        result = run("info", shards[5])
        self.assertOk(result)
        fields = dict(re.findall(r"^([a-z ]+):\s+(.*)$", result.stdout.decode(), re.M))
        self.assertEqual(fields["format version"], "1")
        self.assertEqual(fields["data id"], data_id)
        self.assertEqual(fields["k"], "4")
        self.assertEqual(fields["m"], "2")
        self.assertEqual(fields["shard index"], "5 (parity)")
        self.assertEqual(fields["block size"], f"{SMALL_BLOCK} bytes")
        self.assertEqual(fields["object size"], f"{LARGE_SIZE} bytes")
        self.assertEqual(fields["stripe count"], str(stripe_count(LARGE_SIZE, 4, SMALL_BLOCK)))
        self.assertRegex(fields["blocks digest"], r"^[0-9a-f]{16}$")

    def test_truncated_shard_shows_header_then_fails(self):
        input_path, _ = self.make_input(50_000)
        shards = self.encode(input_path, 4, 2)
        os.truncate(shards[1], 5000)
        result = run("info", shards[1])
        self.assertBadInput(result, shards[1], "truncated shard")
        self.assertIn("shard index:      1 (data)", result.stdout.decode())


class DemoTest(CliTestCase):
    def test_demo_tells_the_story_and_passes(self):
        result = subprocess.run([BINARY, "demo"], capture_output=True, timeout=120,
                                cwd=self.dir)
        self.assertOk(result)
        out = result.stdout.decode()
        self.assertRegex(out, r"kernel (isal|jerasure)")
        self.assertRegex(out, r"XXH3 \((avx512|avx2|sse2)\)")
        for step in range(1, 8):
            self.assertIn(f"\n{step}. ", out)
        self.assertIn("stripe 3 of shard 2 is corrupt", out)
        self.assertIn("demo OK", out)
        self.assertEqual(result.stderr, b"")
        self.assertEqual(os.listdir(self.dir), [], "the demo must not touch the disk")


GROUPS = {
    "roundtrip": RoundTripTest,
    "degraded": DegradedTest,
    "range": RangeTest,
    "verify": VerifyTest,
    "unusable": UnusableShardTest,
    "reconstruct": ReconstructTest,
    "badinput": BadInputTest,
    "info": InfoTest,
    "demo": DemoTest,
}


def main():
    global BINARY
    if len(sys.argv) != 3 or sys.argv[2] not in GROUPS:
        sys.exit(f"usage: {sys.argv[0]} HAMSTER_EC_BINARY {{{','.join(GROUPS)}}}")
    BINARY = sys.argv[1]
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(GROUPS[sys.argv[2]])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
