#!/usr/bin/env bash
# Print the path of a Python >= 3.12 to build the test virtualenvs with.
#
# Python 3.12 is preferred: it is the only version that both the oldest supported ansible-core
# (2.16: controller Python 3.10-3.12) and the newest (2.21: 3.12-3.14) run on. A newer one is
# printed only when no 3.12 is found (with a warning that the oldest-core tests will not run).
# Candidates: python3.12, python3.13, python3.14 and python3 on PATH, then pyenv's
# ${PYENV_ROOT:-~/.pyenv}/versions/*/bin/python3. Each one is run to check its version, so
# pyenv shims for versions that are not active are skipped.

set -euo pipefail

pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}

candidates=()
for name in python3.12 python3.13 python3.14 python3; do
    if path=$(command -v "$name" 2> /dev/null); then
        candidates+=("$path")
    fi
done
for path in "$pyenv_root"/versions/*/bin/python3; do
    if [ -x "$path" ]; then
        candidates+=("$path")
    fi
done

# Print "MINOR PATH" for every candidate that runs and is a CPython 3.12 or newer.
found=()
for path in ${candidates[@]+"${candidates[@]}"}; do
    if minor=$("$path" -c 'import sys; print(sys.version_info[1] if sys.version_info[:2] >= (3, 12) else "")' 2> /dev/null) &&
        [ -n "$minor" ]; then
        found+=("$minor $path")
    fi
done

best=
best_minor=
for entry in ${found[@]+"${found[@]}"}; do
    minor=${entry%% *}
    path=${entry#* }
    if [ "$minor" = 12 ]; then
        best=$path
        best_minor=$minor
        break
    fi
    if [ -z "$best" ] || [ "$minor" -lt "$best_minor" ]; then
        best=$path
        best_minor=$minor
    fi
done

if [ -z "$best" ]; then
    {
        echo "error: a Python 3.12 or newer is needed (3.12 preferred: ansible-core 2.16 runs on <= 3.12)."
        echo "Looked for python3.12, python3.13, python3.14 and python3 on PATH and for $pyenv_root/versions/*/bin/python3."
        echo "Install one (e.g. 'pyenv install 3.12' or your OS's python3.12 package with venv support) and retry."
    } >&2
    exit 1
fi

if [ "$best_minor" != 12 ]; then
    echo "warning: no Python 3.12 found; using Python 3.$best_minor ($best): ansible-core 2.16 does not run on it." >&2
fi

# Resolve symlinks and pyenv shims to the interpreter itself so the path stays valid.
"$best" -c 'import os, sys; print(os.path.realpath(sys.executable))'
