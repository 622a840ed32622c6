#!/bin/sh
# Entry point of the add-on container: the Supervisor passes SUPERVISOR_TOKEN and
# writes the options to /data/options.json; the service reads both.
set -e
cd /opt/aisthos
exec /opt/venv/bin/python -m aisthos_addon --options /data/options.json --data-dir /data
