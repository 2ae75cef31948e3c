"""Summarise a py-spy raw (collapsed) profile: the functions with the most samples, inclusive and
self. `python bench/profile_summary.py var/bench/profile-sqlite.txt [N] [filter]`."""

import collections
import sys


def main() -> None:
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30
    only = sys.argv[3] if len(sys.argv) > 3 else None
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if only and not any(only in f for f in frames):
            continue
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    print(f"{total} samples")
    print("-- inclusive")
    for frame, n in inclusive.most_common(top):
        print(f"{100 * n / total:5.1f}%  {frame[:150]}")
    print("-- self")
    for frame, n in own.most_common(top):
        print(f"{100 * n / total:5.1f}%  {frame[:150]}")


if __name__ == "__main__":
    main()
