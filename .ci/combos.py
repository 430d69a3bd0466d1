#!/usr/bin/env python3
"""Print the builds CI makes to cover the optional libraries, one per line:
a build name, then its meson options.

Eight optional libraries make 2^8 builds, too many for CI's time budget.
fbkit's optional code is separate files and `#if` blocks that meet at most
two at a time (HarfBuzz shapes FreeType faces, xkbcommon reads libinput's
keys, the image opener chooses between PNG and JPEG), so CI builds a set in
which every pair of options takes every value pair a user can configure:
a pairwise covering array. The all-enabled and all-disabled builds are made
elsewhere in .ci/run and count as rows here. A pair a user cannot configure
(harfbuzz without freetype, xkbcommon without libinput: meson refuses them)
is not required.
"""
import itertools
import sys

FEATURES = ["drm", "png", "zlib", "jpeg", "freetype", "harfbuzz", "libinput", "xkbcommon"]
NEEDS = {"harfbuzz": "freetype", "xkbcommon": "libinput"}


def valid(row):
    return all(not row[f] or row[need] for f, need in NEEDS.items())


def pairs_of(row):
    for a, b in itertools.combinations(range(len(FEATURES)), 2):
        yield (a, b, row[FEATURES[a]], row[FEATURES[b]])


def main():
    rows = [dict.fromkeys(FEATURES, v) for v in (True, False)]
    candidates = [dict(zip(FEATURES, bits))
                  for bits in itertools.product((False, True), repeat=len(FEATURES))]
    candidates = [c for c in candidates if valid(c)]
    wanted = set()
    for c in candidates:
        wanted.update(pairs_of(c))
    covered = set()
    for r in rows:
        covered.update(pairs_of(r))
    chosen = []
    # Greedy, in a fixed order so CI builds the same set every run.
    while covered != wanted:
        best = max(candidates, key=lambda c: len(set(pairs_of(c)) - covered))
        chosen.append(best)
        covered.update(pairs_of(best))
    for row in chosen:
        name = "build-with-" + ("-".join(f for f in FEATURES if row[f]) or "none")
        opts = [f"-D{f}={'enabled' if row[f] else 'disabled'}" for f in FEATURES]
        print(name, *opts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
