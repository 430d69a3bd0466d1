#!/usr/bin/env python3
"""The README's event-loop example is examples/loop/bounce.c (from its first
#include on), which the tests build and run: the two must not drift apart."""
import sys

readme, example = (open(path, encoding='utf-8').read() for path in sys.argv[1:3])
body = example[example.index('#include <stdio.h>'):]
if '```c\n' + body + '```' not in readme:
    print('README.md\'s "Event loop" example differs from examples/loop/bounce.c; '
          'copy the file (from its first #include) into the README')
    sys.exit(1)
print('the README shows examples/loop/bounce.c as it is')
