#!/usr/bin/env bash
# The PulseAudio test rig from a shell, for manual runs (tests use tests/audio_rig.py instead).
#
#   eval "$(scripts/audio_rig.sh start)"   # private daemon: sinks speaker/micfeed, source mic; prints exports
#   paplay --device=micfeed speech.wav     # "speak" into the assistant's microphone
#   parecord --device=speaker.monitor out.wav
#   scripts/audio_rig.sh env               # print the export lines again
#   scripts/audio_rig.sh stop
set -euo pipefail

STATE="${TMPDIR:-/tmp}/pause-audio-rig.$(id -u)"   # holds the rig's directory between calls
LATENCY_MSEC=20

exports() {
    local dir="$1"
    echo "export XDG_RUNTIME_DIR='$dir' PULSE_SERVER='unix:$dir/pulse/native'" \
         "PULSE_COOKIE='$dir/.config/pulse/cookie'"
    echo "# clients started by hand may also need: export HOME='$dir'"
}

rig_dir() {
    [[ -f "$STATE" ]] || { echo "no rig running: $0 start" >&2; exit 1; }
    cat "$STATE"
}

start() {
    command -v pulseaudio >/dev/null || { echo "install pulseaudio pulseaudio-utils" >&2; exit 1; }
    if [[ -f "$STATE" ]]; then echo "a rig is already running ($(cat "$STATE")): $0 stop" >&2; exit 1; fi
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/pause-rig-XXXXXX")
    chmod 700 "$dir"   # PulseAudio refuses a runtime dir others can read
    export XDG_RUNTIME_DIR="$dir" HOME="$dir" PULSE_SERVER="unix:$dir/pulse/native"
    pulseaudio -n --daemonize=yes --exit-idle-time=-1 --log-target="file:$dir/pulseaudio.log" \
        --load=module-native-protocol-unix \
        --load="module-null-sink sink_name=speaker" --load="module-null-sink sink_name=micfeed" \
        --load="module-remap-source master=micfeed.monitor source_name=mic"
    echo "$dir" > "$STATE"
    for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
    pactl set-default-sink speaker
    pactl set-default-source mic
    # An idle null sink renders ~2 s blocks, so a recorder attaching to it waits 1-2 s for its first
    # data; keep both monitors recorded so the mic and speaker recordings start at once.
    for monitor in micfeed.monitor speaker.monitor; do
        nohup parecord --device="$monitor" --latency-msec="$LATENCY_MSEC" --raw >/dev/null 2>&1 &
        echo $! >> "$dir/keepalive.pids"
    done
    exports "$dir"
}

stop() {
    local dir
    dir=$(rig_dir)
    if [[ -f "$dir/keepalive.pids" ]]; then
        while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$dir/keepalive.pids"
    fi
    local daemon
    daemon=$(cat "$dir/pulse/pid" 2>/dev/null || true)
    XDG_RUNTIME_DIR="$dir" HOME="$dir" pulseaudio --kill 2>/dev/null || true
    if [[ -n "$daemon" ]]; then   # it takes ~2 s to exit
        for _ in $(seq 50); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$daemon" 2>/dev/null || true
    fi
    rm -rf "$dir" "$STATE"
    echo "# rig stopped; unset XDG_RUNTIME_DIR PULSE_SERVER PULSE_COOKIE in shells that used it"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) dir=$(rig_dir) && exports "$dir" ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
