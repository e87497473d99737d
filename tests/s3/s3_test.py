#!/usr/bin/python3
"""HTTP-level S3 tests against a real hamsterd, one group per ctest entry.

Usage: s3_test.py HAMSTERD_BINARY GROUP
  GROUP names a module GROUP_test.py in this directory. HAMSTER_TEST_SEED
  fixes the random seed (printed at start); HAMSTER_KEEP_TMP keeps the data
  directories. Standard library only.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import hamsterd  # noqa: E402

GROUPS = ["buckets", "objects", "conditional", "ranges", "list", "multipart", "copy",
          "tagging", "auth", "payload", "protocol", "keys", "versioning", "lock", "worm",
          "encryption"]


def main(argv):
    if len(argv) != 3 or argv[2] not in GROUPS:
        print("usage: s3_test.py HAMSTERD GROUP  (GROUP: %s)" % " ".join(GROUPS),
              file=sys.stderr)
        return 2
    seed = os.environ.get("HAMSTER_TEST_SEED")
    return hamsterd.run_group(argv[2] + "_test", argv[1], int(seed) if seed else None)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
