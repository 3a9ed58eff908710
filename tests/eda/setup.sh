#!/usr/bin/env bash
# Set up what tests/eda needs: a virtualenv with ansible-rulebook (tests/requirements/eda.txt), and Java 17 or
# newer, which ansible-rulebook's rule engine needs (Debian's openjdk-17-jre-headless, installed when `java` is
# missing or older; as root, like the podman install of tests/ee/run.sh).
#
# Usage: tests/eda/setup.sh VENV_DIR [PYTHON]
# The venv is made again only when the pin file changed since it was made (VENV_DIR/.installed is its copy).

set -euo pipefail

venv=${1:?usage: tests/eda/setup.sh VENV_DIR [PYTHON]}
python=${2:-}
repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
pins=$repo/tests/requirements/eda.txt

java_major() {
    # "openjdk version "17.0.15" ..." or "java version "1.8.0_..."": the major version, 0 when there is no java.
    local line
    line=$(java -version 2>&1 | head -n 1) || { echo 0; return; }
    line=${line#*\"}
    line=${line%%\"*}
    case "$line" in
        1.*) line=${line#1.} ;;
    esac
    echo "${line%%[.+-]*}"
}

if ! command -v java > /dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
    echo "tests/eda/setup.sh: installing Java 17 (openjdk-17-jre-headless) for ansible-rulebook"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q > /dev/null
    apt-get install -y -q openjdk-17-jre-headless > /dev/null
fi

if [ -f "$venv/.installed" ] && cmp -s "$pins" "$venv/.installed"; then
    exit 0
fi
if [ -z "$python" ]; then
    python=$("$repo/tests/scripts/find_python.sh")
fi
echo "tests/eda/setup.sh: $venv: installing $pins"
rm -rf -- "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$pins"
cp "$pins" "$venv/.installed"
