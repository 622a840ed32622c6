#!/usr/bin/env bash
# Run inside the project's Python env (scripts/develop calls it through in_env):
# Home Assistant in the foreground, its pid in PIDFILE for `scripts/develop --stop`.
# Started again when it asks for a restart (exit code 100: Settings → Restart),
# since nothing else here supervises it.
#   develop/hass.sh CONFIG_DIR PIDFILE
set -uo pipefail
config=$1 pidfile=$2
# Not from the repo: there `import custom_components` would find the repo's own
# folder (python puts the cwd first on sys.path) and miss the config's aisthos_home.
cd "$config"
while :; do
    # exec keeps the pid written by this bash: it becomes Home Assistant's.
    # --skip-pip: scripts/develop installed what this config needs beforehand;
    # nothing is downloaded at run time (the integrations the onboarding offers,
    # met, radio_browser, google_translate, then fail to load: harmless).
    bash -c 'echo $$ >"$0"; exec python -m homeassistant --config "$1" --skip-pip' \
        "$pidfile" "$config"
    rc=$?
    [[ $rc == 100 ]] || { rm -f "$pidfile"; exit "$rc"; }
    echo "==> Home Assistant asked for a restart; starting it again" >&2
done
