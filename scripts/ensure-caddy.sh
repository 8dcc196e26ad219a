#!/bin/sh
# The topology test (tests/deploy/test_topology.py) puts Debian's Caddy in front of the app processes, with
# its internal certificate authority. Install it when we can (root with apt); otherwise that test is skipped
# with the reason. Installing never starts the system's own Caddy service (the test starts its own Caddy,
# unprivileged, on free ports with a throwaway configuration).
[ -x /usr/bin/caddy ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's caddy for the deployment tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy) >/dev/null 2>&1 \
        || echo "Could not install caddy: the topology test will be skipped."
else
    echo "No /usr/bin/caddy and no root: the topology test will be skipped."
fi
exit 0
