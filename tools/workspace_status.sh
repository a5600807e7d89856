#!/usr/bin/env bash
# Bazel workspace status: stable keys end up in run records (bench) so a run names its build.
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then dirty=1; else dirty=0; fi
echo "STABLE_GIT_COMMIT ${commit}"
echo "STABLE_GIT_DIRTY ${dirty}"
echo "STABLE_COMPILER $(${CC:-gcc} --version 2>/dev/null | head -n 1)"
