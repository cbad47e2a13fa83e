"""The machine the assistant runs on: `devices`, `doctor` and `service`."""

from __future__ import annotations

import argparse

from assistant import service
from assistant.audio.devices import DeviceError, list_devices
from assistant.commands import EXIT_BAD_INPUT, EXIT_OK, UserError, config_of
from assistant.config import load_config
from assistant.doctor import run_checks


def cmd_devices(args: argparse.Namespace) -> int:
    """Print microphones and speakers with the names config.toml accepts."""
    try:
        devices = list_devices()
    except DeviceError as e:
        raise UserError(str(e)) from e
    if not devices:
        print("no audio devices found: plug in a microphone and speaker (or start PulseAudio/PipeWire)")
        return EXIT_OK
    for d in devices:
        kinds = []
        if d["inputs"]:
            kinds.append("microphone" + (" (default)" if d.get("default_input") else ""))
        if d["outputs"]:
            kinds.append("speaker" + (" (default)" if d.get("default_output") else ""))
        print(f"{d['index']:3d}  {d['name']}  [{', '.join(kinds)}]")
    print("set listener.input_device / voice.output_device in config.toml to a name or number above")
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check every part the assistant needs; print OK or the fix for each. Exit 0 if all are fine."""
    config = config_of(args)
    problems = 0
    for check in run_checks(config):
        mark = "ok " if check.ok else "FIX"
        print(f"[{mark}] {check.name}: {check.detail}")
        problems += not check.ok
    print("all good" if not problems else f"{problems} thing(s) to fix, see above")
    return EXIT_OK if not problems else EXIT_BAD_INPUT


def cmd_service(args: argparse.Namespace) -> int:
    """Install, remove or report the systemd user unit that runs `listen` from login."""
    try:
        if args.action == "status":
            lines = service.status().lines()
        elif args.action == "uninstall":
            lines = service.uninstall()
        else:
            config = service.config_to_pin(args.config)
            load_config(config)  # a typo stops here with exit 2, not in a restart loop at login
            lines = service.install(service.listen_command(config))
    except service.ServiceError as e:
        raise UserError(str(e)) from e
    for line in lines:
        print(line)
    return EXIT_OK
