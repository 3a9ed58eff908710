#!/usr/bin/env bash
# `make ee`: build the execution environment of docs/examples/ and run a job inside it (tests/ee/).
#
# Needs root and podman (installed here from Debian's packages when missing, as on a fresh CI machine), and a
# machine that lets podman start containers. When one of these is missing, this says so in one sentence
# instead of showing podman's errors. The base image is kept for the next run (tests/ee/base_image.sh); the
# EE image, its build layers and the job containers are removed at the end.
#
# Usage: tests/ee/run.sh VENV_DIR [pytest arguments]   (VENV_DIR: a venv of tests/requirements/awx.txt)

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${1:?usage: tests/ee/run.sh VENV_DIR [pytest arguments]}
shift
export CONTAINERS_CONF=$here/containers.conf

fail() {
    echo "make ee: $*" >&2
    exit 1
}

if [ "$(id -u)" -ne 0 ]; then
    fail "the execution-environment test needs root (debootstrap, and podman's system storage); run it as root."
fi

missing=()
for command in podman runc debootstrap; do
    command -v "$command" > /dev/null || missing+=("$command")
done
if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get > /dev/null; then
        fail "${missing[*]} not installed, and this machine has no apt-get to install them from Debian's packages: install podman, runc and debootstrap, then run make ee again."
    fi
    echo "make ee: installing ${missing[*]} from Debian's packages (apt-get install podman runc debootstrap)" >&2
    log=$(mktemp "${TMPDIR:-/tmp}/invoca-ee-apt.XXXXXX")
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman runc debootstrap; } > "$log" 2>&1; then
        fail "apt-get could not install podman, runc and debootstrap (its output is in $log)."
    fi
    rm -f "$log"
fi

# The namespaces runc puts every container in; where they are refused (a restricted sandbox), podman cannot
# run containers at all.
if ! error=$(unshare --mount --pid --net --ipc --uts --fork true 2>&1); then
    fail "this machine does not allow the namespaces a container needs (unshare: ${error##*: }), so podman cannot run containers here."
fi

# podman's storage (graph driver, its database) must work before a minute of debootstrap is spent on a base image
# that podman could not import.
if ! error=$(podman info --format '{{.Store.GraphDriverName}}' 2>&1); then
    error=${error##*$'\n'}
    fail "podman is installed but cannot use its image storage here (${error%.})."
fi

if ! base_image=$("$here/base_image.sh"); then
    fail "the local base image could not be built (tests/ee/base_image.sh said why, above)."
fi

if ! error=$(podman run --rm --network=host "$base_image" true 2>&1); then
    error=${error##*$'\n'}
    fail "podman is installed but cannot start a container here (${error%.})."
fi

cleanup() {
    # What a run interrupted before pytest's own cleanup leaves: job containers, the EE image, its layers.
    podman ps --all --quiet --filter 'name=^ansible_runner_invoca-messaging-ee-' | xargs -r podman rm --force > /dev/null 2>&1 || true
    podman rmi --ignore localhost/invoca-messaging-ee:test > /dev/null 2>&1 || true
    podman image prune --force --filter label=invoca-messaging-tests=ee > /dev/null 2>&1 || true
}
trap cleanup EXIT

cd "$repo"
INVOCA_EE_BASE_IMAGE=$base_image "$venv/bin/python" -m pytest -p no:cacheprovider -q tests/ee "$@"
