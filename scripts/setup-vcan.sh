#!/usr/bin/env bash
# Creates a virtual SocketCAN interface (default vcan0) for the SocketCAN tests and bench tools.
#
#   scripts/setup-vcan.sh [ifname]        e.g. scripts/setup-vcan.sh vcan0
#
# Needs root (uses sudo when not root) and a kernel with the vcan module (CONFIG_CAN_VCAN). Where the
# kernel has no CAN support at all (some containers and CI VMs), it says so and exits 1; the SocketCAN
# tests then report "skipped: no vcan0".
set -euo pipefail

IF="${1:-vcan0}"
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"

if ip link show "$IF" >/dev/null 2>&1; then
  echo "setup-vcan: $IF already exists"
  $SUDO ip link set up "$IF"
  exit 0
fi

if ! $SUDO modprobe vcan 2>/dev/null && [[ ! -d /sys/module/vcan ]]; then
  echo "setup-vcan: this kernel has no vcan module (modprobe vcan failed: $(uname -r))." >&2
  echo "setup-vcan: install the kernel's extra modules (e.g. linux-modules-extra-$(uname -r)) or run the" >&2
  echo "setup-vcan: SocketCAN tests on a machine that has CAN support; they report 'skipped: no vcan0' here." >&2
  exit 1
fi

$SUDO ip link add dev "$IF" type vcan
$SUDO ip link set up "$IF"
echo "setup-vcan: $IF is up"
ip -details link show "$IF"
